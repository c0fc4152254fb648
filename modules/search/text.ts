import { createHash } from 'node:crypto';
import type { ContentPart } from '#plugins/providers/sdk/index.ts';

/** Longest text indexed per field (Postgres tsvector limit is 1 MB; past this, words add little). */
export const MAX_FIELD_CHARS = 200_000;
/** How much of each neighbouring turn is indexed as context. */
export const CONTEXT_CHARS = 400;

const FENCE = /^(```|~~~)[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm;

/** Splits a message's parts into prose and code (code blocks, fenced code inside markdown, tool calls). */
export function partsToFields(parts: readonly ContentPart[]): { body: string; code: string } {
  const body: string[] = [];
  const code: string[] = [];
  for (const part of parts) {
    switch (part.type) {
      case 'text': {
        const prose = part.text.replace(FENCE, (_all, _fence: string, inner: string) => {
          code.push(inner);
          return ' ';
        });
        body.push(prose);
        break;
      }
      case 'code':
        code.push(part.code);
        break;
      case 'table':
        body.push(part.rows.map((row) => row.join(' | ')).join('\n'));
        break;
      case 'math':
        code.push(part.tex);
        break;
      case 'mermaid':
        code.push(part.source);
        break;
      case 'tool_call':
        code.push(`${part.name} ${truncate(safeJson(part.arguments), 2000)}`);
        break;
      case 'tool_result':
        body.push(truncate(part.content, 4000));
        break;
      case 'citation':
        body.push([part.title, part.snippet].filter(Boolean).join(' — '));
        break;
      case 'image':
        if (part.alt) body.push(part.alt);
        break;
      case 'file':
        body.push(part.name);
        break;
      case 'reasoning':
        // The model's thinking is searchable but is not the answer: index it as code-weight text.
        code.push(truncate(part.text, 4000));
        break;
    }
  }
  return { body: truncate(body.join('\n\n').trim(), MAX_FIELD_CHARS), code: truncate(code.join('\n\n').trim(), MAX_FIELD_CHARS) };
}

function safeJson(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** Cuts text to `max` characters without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

const ENGLISH_STOPWORDS = new Set('the of and to a in is it you that for on with as this are be was have i not or at but by what can how do if your my we an from so'.split(' '));

/**
 * The text search configuration for a document: English stemming when the text reads as English,
 * 'simple' (no stemming, no stop words) otherwise so other languages and code still match exactly.
 */
export function detectLang(text: string): 'english' | 'simple' {
  const words = text.slice(0, 4000).toLowerCase().match(/[\p{L}']+/gu) ?? [];
  if (words.length < 3) return [...text].every((c) => c.charCodeAt(0) < 128) ? 'english' : 'simple';
  let ascii = 0;
  let stop = 0;
  for (const word of words) {
    if (/^[a-z']+$/.test(word)) ascii += 1;
    if (ENGLISH_STOPWORDS.has(word)) stop += 1;
  }
  return ascii / words.length > 0.8 && stop / words.length > 0.08 ? 'english' : 'simple';
}

/** Stable hash of a document's indexed content. */
export function hashFields(fields: readonly (string | null)[]): string {
  const hash = createHash('sha256');
  for (const field of fields) hash.update(field ?? '\u0000').update('\u0001');
  return hash.digest('hex');
}

/** Lower-cased distinct words (letters/digits, 3–40 chars) for the typo vocabulary. */
export function vocabulary(text: string, max = 2000): string[] {
  const words = new Set<string>();
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}_]{3,40}/gu)) {
    words.add(match[0]);
    if (words.size >= max) break;
  }
  return [...words];
}
