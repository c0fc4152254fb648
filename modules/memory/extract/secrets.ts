/** What kind of secret was found. */
export type SecretKind = 'api-key' | 'private-key' | 'password' | 'card-number' | 'iban' | 'token';

interface Found {
  kind: SecretKind;
  start: number;
  end: number;
}

/** Well-known credential formats (OpenAI, Anthropic, GitHub, AWS, Slack, Google, Stripe, JWT, PEM). */
const KNOWN: { kind: SecretKind; pattern: RegExp }[] = [
  { kind: 'private-key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g },
  { kind: 'api-key', pattern: /\bsk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_-]{16,}/g },
  { kind: 'api-key', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g },
  { kind: 'api-key', pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b/g },
  { kind: 'api-key', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: 'api-key', pattern: /\bAIza[0-9A-Za-z_-]{30,}/g },
  { kind: 'api-key', pattern: /\b(?:rk|pk|sk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { kind: 'token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
];

/** "my password is …", "pin: 1234", "api key = …": the value after the label is the secret. */
const LABELLED = /\b(?:password|passwd|passcode|passphrase|pass phrase|pin(?: code| number)?|secret(?: key)?|api[ _-]?key|access[ _-]?key|auth(?:entication)?[ _-]?token|token|credentials?|security code|cvv|cvc)\b(?:\s+(?:for|to|of|on|at)(?:\s+[\w.@-]+){1,3}?)?\s*(?:is|was|=|:|->)\s*["'`]?([^\s"'`,;[\]]{2,}[^\s"'`,;.?[\]])/gi;

/** Long runs of letters and digits: tokens when mixed and random-looking. */
const CANDIDATE_TOKEN = /[A-Za-z0-9+/_=-]{24,}/g;

function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function looksRandom(token: string): boolean {
  if (/^[a-z]+$/i.test(token) || /^\d+$/.test(token)) return false;
  // Paths and words joined by separators are not secrets (some_long_identifier_name, /owner/Repo-Name).
  const pieces = token.split(/[/_+=.-]+/).filter(Boolean);
  if (pieces.every((piece) => /^[A-Za-z]+$/.test(piece) || /^\d+$/.test(piece))) return false;
  // Keys mix letters and digits; a long run of both that is this random is treated as a credential.
  return /[A-Za-z]/.test(token) && /\d/.test(token) && entropy(token) >= 3.7;
}

/** Luhn checksum of a digit string. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616 mod-97 check of an IBAN without spaces. */
export function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const c of rearranged) {
    const value = /\d/.test(c) ? c : String(c.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** Every secret in a text, by position (overlaps merged). */
export function findSecrets(text: string): Found[] {
  const found: Found[] = [];
  for (const { kind, pattern } of KNOWN) {
    for (const m of text.matchAll(pattern)) found.push({ kind, start: m.index, end: m.index + m[0].length });
  }
  for (const m of text.matchAll(LABELLED)) {
    const value = m[1]!;
    const start = m.index + m[0].length - value.length;
    found.push({ kind: 'password', start, end: start + value.length });
  }
  for (const m of text.matchAll(/\b\d(?:[ -]?\d){12,18}\b/g)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) found.push({ kind: 'card-number', start: m.index, end: m.index + m[0].length });
  }
  for (const m of text.matchAll(/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g)) {
    if (ibanValid(m[0].replace(/ /g, ''))) found.push({ kind: 'iban', start: m.index, end: m.index + m[0].length });
  }
  for (const m of text.matchAll(CANDIDATE_TOKEN)) {
    if (looksRandom(m[0])) found.push({ kind: 'token', start: m.index, end: m.index + m[0].length });
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Found[] = [];
  for (const f of found) {
    const last = merged.at(-1);
    if (last && f.start < last.end) last.end = Math.max(last.end, f.end);
    else merged.push({ ...f });
  }
  return merged;
}

/** True when the text holds anything that looks like a credential, card number or IBAN. */
export function hasSecret(text: string): boolean {
  return findSecrets(text).length > 0;
}

/** The text with every secret replaced by `[redacted]`. */
export function maskSecrets(text: string): string {
  let out = '';
  let at = 0;
  for (const f of findSecrets(text)) {
    out += `${text.slice(at, f.start)}[redacted]`;
    at = f.end;
  }
  return out + text.slice(at);
}
