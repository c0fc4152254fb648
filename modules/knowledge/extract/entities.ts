import nlp from 'compromise';
import type { EntityType } from '../schemas.ts';
import { codeLanguageTech, knownType, lookupTech, MAX_ALIAS_WORDS } from './tech.ts';
import { entityKey, inlineCode, STOP_WORDS } from './text.ts';

/** One entity named in one message (or the title, `messageId` null) of a conversation. */
export interface EntityMention {
  key: string;
  /** The name as written (dictionary entries are merged under their canonical name by `key`). */
  name: string;
  type: EntityType;
  messageId: string | null;
  count: number;
}

/** The text of one message, split the way the extractors read it. */
export interface MessageText {
  messageId: string | null;
  /** Markdown of the text parts (inline code and fences included). */
  markdown: string;
  /** Plain prose (see `plainProse`), what the NLP reads. */
  prose: string;
  /** Code blocks with their language labels. */
  code: { language?: string; code: string }[];
}

/** Lowercase particles allowed inside a capitalized name (Palma de Mallorca, Ludwig van Beethoven). */
const PARTICLES = new Set(['de', 'da', 'del', 'della', 'di', 'du', 'van', 'von', 'der', 'den', 'la', 'le', 'of', 'y', 'bin', 'al']);
/** Characters of a message's prose that compromise reads for people, organizations and places. */
const NER_CHARS = 4000;
const LEADING_JUNK = /^(?:the|a|an|my|your|our|their|his|her|its|this|that|these|those|mr|mrs|ms|dr)\s+/i;
const PACKAGE_WORDS = /\b(?:library|package|tool|cli|command|framework|module|plugin|crate|gem|extension|sdk)\b/i;
const INSTALL = /\b(?:npm (?:install|i|add)|yarn add|pnpm (?:add|install)|bun add|pip3? install|uv add|poetry add|cargo (?:add|install)|gem install|go get|go install|composer require|brew install)((?:\s+[@\w./-]+)+)/g;
const REPO_URL = /\b(?:github|gitlab|codeberg)\.(?:com|org)\/([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)/g;
const PROJECT_PATTERNS = [
  /\b(?:[Mm]y|[Oo]ur)\s+(?:app|project|startup|product|platform|library|tool|website|site|repo|repository|game|company|side project|extension|plugin)\s+(?:called\s+|named\s+)?["“']?([A-Z][\w-]*(?:\s[A-Z][\w-]*){0,2})/g,
  /\b(?:project|app|startup|product)\s+(?:called|named)\s+["“']?([A-Z][\w-]*(?:\s[A-Z][\w-]*){0,2})/g,
  /\bproject\s+["“']?([A-Z][a-z0-9]+[A-Z][\w-]*)/g,
  /\b([A-Z][a-z0-9]+[A-Z][\w-]*)\s+(?:project|app|platform|repo)\b/g,
];
/** Words that make a multi-word name an organization (compromise also tags headings as organizations). */
const ORG_WORDS = /\b(?:Inc|Corp|Corporation|Co|LLC|Ltd|GmbH|AG|SA|Labs?|Museum|University|Institute|College|School|Partners|Agency|Bank|Company|Group|Foundation|Association|Council|Ministry|Department|Bureau|Society|Club|Studios?|Technologies|Systems|Network|Times|News|Press|Party|Union|Commission|Committee|Court|Hospital|Airlines?|Motors|Registradores)\b/;
/** Acronyms that name kinds of things, not organizations. */
const GENERIC_ACRONYMS = new Set('AI API LLM IDE PWA APK UI UX URL URI CLI SDK PDF CPU GPU RAM OS DB ID FAQ OK CEO CTO CFO MVP ROI SEO KPI ETA USB SSD HTTP HTTPS SSH DNS TCP UDP IP VPN CSV MD TODO NOTE README WAL CRUD RAG NLP ML DAG CI CD QA PR IO TLS SSL JWT ORM SPA SSR CDN DOM NPM PNG JPG SVG GIF MP MB GB KB TB PS US UK EU'.split(' '));

/** Trims punctuation and possessives off a candidate name; null when nothing name-like is left. */
export function cleanName(raw: string): string | null {
  let name = raw
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}+#]+$/gu, '')
    .replace(/'s$/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  while (LEADING_JUNK.test(name)) name = name.replace(LEADING_JUNK, '');
  if (name.length < 2 || name.length > 60) return null;
  if (!/^[\p{L}\p{N}][\p{L}\p{N} .'&+#-]*$/u.test(name) || /[.&]\s/.test(name)) return null;
  const words = name.split(' ');
  if (words.length > 4) return null;
  if (words.every((w) => STOP_WORDS.has(w.toLowerCase()))) return null;
  return name;
}

/** True when every word of a name is capitalized (or an acronym), particles aside. */
function looksProper(name: string): boolean {
  const words = name.split(' ');
  return words.every((w, i) => /^\p{Lu}/u.test(w) || (i > 0 && i < words.length - 1 && PARTICLES.has(w)));
}

/** Candidate technologies of a prose text: dictionary aliases as n-grams (ambiguous ones never at a sentence start). */
export function dictionaryTechs(prose: string): { canonical: string; surface: string }[] {
  const tokens = [...prose.matchAll(/\.?[\p{L}\p{N}][\p{L}\p{N}+#.-]*/gu)].map((m) => ({ word: m[0].replace(/[.-]+$/, ''), index: m.index }));
  const found: { canonical: string; surface: string }[] = [];
  for (let i = 0; i < tokens.length; ) {
    let matched = 0;
    for (let n = Math.min(MAX_ALIAS_WORDS, tokens.length - i); n >= 1 && matched === 0; n--) {
      const ngram = tokens.slice(i, i + n).map((t) => t.word).join(' ');
      const before = prose.slice(0, tokens[i]!.index).trimEnd();
      const atStart = before === '' || /[.!?:\n]$/.test(before);
      const tech = lookupTech(ngram, atStart);
      if (tech) {
        found.push({ canonical: tech, surface: ngram });
        matched = n;
      }
    }
    i += Math.max(1, matched);
  }
  return found;
}

/** Package names installed by commands in a text (`npm install zod`, `pip install numpy`). */
export function installedPackages(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(INSTALL)) {
    for (const token of match[1]!.trim().split(/\s+/)) {
      if (token.startsWith('-') || token.startsWith('.') || token.includes('/') && !token.startsWith('@')) continue;
      const name = token.replace(/(?<=.)[@=<>~^].*$/, '');
      if (/^@?[a-z0-9][\w.-]*(?:\/[\w.-]+)?$/i.test(name) && name.length >= 2) names.push(name);
    }
  }
  return names;
}

/** Repositories named by URL (github.com/owner/name): `{ repo: 'owner/name', name }`. */
export function repositories(text: string): { repo: string; name: string }[] {
  return [...text.matchAll(REPO_URL)].map((m) => {
    const name = m[2]!.replace(/\.git$/, '');
    return { repo: `${m[1]}/${name}`, name };
  });
}

/** Project names written as "my app X", "project X", "the XyzAbc project". */
export function projectNames(prose: string): string[] {
  // Keyed by where the name starts: overlapping patterns ("my app called X") count it once.
  const names = new Map<number, string>();
  for (const pattern of PROJECT_PATTERNS) {
    for (const match of prose.matchAll(pattern)) {
      const name = cleanName(match[1]!);
      const at = match.index + match[0].lastIndexOf(match[1]!);
      if (name && !lookupTech(name) && !STOP_WORDS.has(name.toLowerCase())) names.set(at, name);
    }
  }
  return [...names.entries()].sort((a, b) => a[0] - b[0]).map(([, name]) => name);
}

/**
 * Entities of one conversation's messages: technologies (dictionary, code languages, package
 * commands, identifiers in backticks next to "library"/"tool"…), projects (repositories, patterns,
 * installed packages that are not known technologies), and people, organizations and places from
 * compromise, with junk filtered out (pronouns, stop words, capitalized common words).
 */
export function extractEntities(messages: readonly MessageText[]): EntityMention[] {
  // Words the conversation also writes in lowercase are common words, whatever their casing elsewhere.
  const lowercaseWords = new Set<string>();
  for (const m of messages) for (const w of m.prose.match(/(?<![\p{L}\p{N}])\p{Ll}[\p{L}'-]*/gu) ?? []) lowercaseWords.add(w);
  const counts = new Map<string, EntityMention>();
  const add = (name: string, type: EntityType, messageId: string | null, surface = name) => {
    const known = lookupTech(name);
    const finalName = known ?? name;
    const finalType: EntityType = known ? knownType(known) : type;
    const key = entityKey(finalName);
    if (key.length < 2 || /^\d+$/.test(key)) return;
    const id = `${key}\u0000${messageId ?? ''}\u0000${surface}`;
    const existing = counts.get(id);
    if (existing) existing.count += 1;
    else counts.set(id, { key, name: surface, type: finalType, messageId, count: 1 });
  };
  for (const message of messages) {
    const { messageId } = message;
    for (const block of message.code) {
      const tech = codeLanguageTech(block.language);
      if (tech) add(tech, 'technology', messageId);
    }
    for (const fence of message.markdown.matchAll(/^(?:```|~~~)\s*([\w+#.-]+)/gm)) {
      const tech = codeLanguageTech(fence[1]);
      if (tech) add(tech, 'technology', messageId);
    }
    for (const { canonical, surface } of dictionaryTechs(message.prose)) add(canonical, 'technology', messageId, surface);
    const allText = [message.markdown, ...message.code.map((c) => c.code)].join('\n');
    for (const pkg of installedPackages(allText)) add(pkg, 'project', messageId);
    for (const repo of repositories(allText)) add(repo.name, 'project', messageId);
    for (const name of projectNames(message.prose)) add(name, 'project', messageId);
    for (const span of inlineCode(message.markdown)) {
      const tech = lookupTech(span);
      if (tech) add(tech, 'technology', messageId, span);
      else if (/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(span) && span.length >= 3 && !STOP_WORDS.has(span.toLowerCase())) {
        const around = message.markdown.slice(Math.max(0, message.markdown.indexOf(`\`${span}\``) - 40), message.markdown.indexOf(`\`${span}\``) + span.length + 42);
        if (PACKAGE_WORDS.test(around)) add(span, 'technology', messageId);
      }
    }
    if (message.prose.trim() === '') continue;
    // compromise is the slow part (~10 ms per 1,000 characters): names are read from the start of long answers only.
    const doc = nlp(message.prose.slice(0, NER_CHARS));
    const named: [string[], EntityType][] = [
      [doc.people().out('array') as string[], 'person'],
      [doc.organizations().out('array') as string[], 'organization'],
      [doc.places().out('array') as string[], 'place'],
    ];
    for (const [names, type] of named) {
      for (const raw of names) {
        const name = cleanName(raw);
        if (!name || !looksProper(name)) continue;
        if (lookupTech(name)) {
          add(name, 'technology', messageId);
          continue;
        }
        const words = name.split(' ');
        const isAcronym = words.length === 1 && /^\p{Lu}{2,6}$/u.test(name);
        if (isAcronym && (type !== 'organization' || GENERIC_ACRONYMS.has(name))) continue;
        if (type === 'organization' && words.length > 1 && !ORG_WORDS.test(name)) continue;
        // A word the conversation also writes in lowercase is a common word: "Private Beach", "Data Stream".
        const common = (w: string) => lowercaseWords.has(w.toLowerCase()) || STOP_WORDS.has(w.toLowerCase());
        if (!isAcronym && (type === 'organization' ? words.every(common) : words.some((w) => !PARTICLES.has(w) && common(w)))) continue;
        add(name, type, messageId);
      }
    }
  }
  return [...counts.values()];
}
