import type { CapturedMessage, ContentPart } from '../sdk/index.ts';
import { markdownToParts } from '../sdk/markdown.ts';
import type { DraftConversation, DraftMessage } from './convert.ts';

/*
 * Markdown transcripts: one conversation per file, turns marked by
 * - headings: `## User` / `## Assistant`, `### You`, `## You` / `## Assistant (model)` (VIVIM's
 *   Markdown export), `#### ChatGPT:`, `## You said:`;
 * - bold labels: `**User:**`, `**Assistant**: text`;
 * - line prefixes: `Human: text` / `Assistant: text`, `User:` / `AI:`.
 * The kind of marker that has both a user and an assistant turn is used (headings first, the
 * shallowest level; then bold labels; then prefixes), and only that kind splits turns: a `User:`
 * line inside a heading-marked answer stays text, and so does anything inside fenced code.
 */

type Role = CapturedMessage['role'];

const USER = ['user', 'you', 'human', 'me'];
const ASSISTANT = ['assistant', 'ai', 'chatgpt', 'gpt', 'claude', 'gemini', 'bard', 'copilot', 'deepseek', 'grok', 'mistral', 'le chat', 'perplexity', 'kimi', 'qwen', 'bot', 'model'];
/** Names that mark a turn as a line prefix too (`Model: gpt-4o` or `Me: …` lines are too common in ordinary text). */
const PREFIX_NAMES = new Set(['user', 'you', 'human', 'assistant', 'ai', 'chatgpt', 'claude', 'gemini', 'bard', 'copilot', 'deepseek', 'grok', 'mistral', 'le chat', 'perplexity', 'kimi', 'qwen', 'system']);
const ROLE_OF = new Map<string, Role>([...USER.map((n) => [n, 'user'] as const), ...ASSISTANT.map((n) => [n, 'assistant'] as const), ['system', 'system'], ['tool', 'tool']]);
const NAMES = [...ROLE_OF.keys()].map((name) => name.replace(/ /g, '[ \\t]+')).join('|');

/*
 * Turn markers are matched on lines of files users upload (hostile input): no two quantifiers over
 * blanks may stand side by side, or a line of blanks costs a power of its length. So each blank
 * run follows a required character: `[ \t]*(?:\(…\)[ \t]*)?(?::[ \t]*)?(?:#+[ \t]*)?$` is the
 * `[ \t]*(?:\(…\))?[ \t]*:?[ \t]*#*[ \t]*$` it replaces.
 */
const HEADING = new RegExp(`^(#{1,6})[ \\t]+(?:\\*\\*)?(${NAMES})(?:[ \\t]+said)?(?:\\*\\*)?[ \\t]*(?:\\(([^()\\n]*)\\)[ \\t]*)?(?::[ \\t]*)?(?:#+[ \\t]*)?$`, 'i');
const BOLD = new RegExp(`^\\*\\*(${NAMES})(?:[ \\t]*\\(([^()\\n]*)\\))?(?::\\*\\*|\\*\\*[ \\t]*:)`, 'i');
const PREFIX = new RegExp(`^(${NAMES}):(?=[ \\t]|$)`, 'i');
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const RULE = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
/** A thematic break (`---`); long lines are text (the pattern's repeated group is costly on them). */
const isRule = (line: string) => line.length <= 100 && RULE.test(line);
const isBlank = (char: string | undefined) => char === ' ' || char === '\t';

/**
 * The title of a `# Title` line (closing `#`s and blanks dropped): what `^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$`
 * captures, found in one pass (the pattern's lazy capture against the blank runs after it costs the
 * cube of a blank run's length).
 */
function titleText(line: string): string | undefined {
  // `.` matches no line terminator, so a line holding one is no title.
  if (line[0] !== '#' || /[\n\r\u2028\u2029]/.test(line)) return undefined;
  let start = 1;
  while (isBlank(line[start])) start++;
  if (start === 1) return undefined;
  // Only blanks: the capture is the last one (`[ \t]+` gives it back).
  if (start === line.length) return start > 2 ? line.slice(-1) : undefined;
  let end = line.length;
  while (isBlank(line[end - 1])) end--;
  // A closing sequence: blanks, then the `#`s that end the line.
  let hashes = end;
  while (line[hashes - 1] === '#') hashes--;
  let blanks = hashes;
  while (blanks > start && isBlank(line[blanks - 1])) blanks--;
  if (hashes < end && blanks < hashes && blanks > start) end = blanks;
  return line.slice(start, end);
}

const REASONING_OPEN = /^<details>[ \t]*<summary>[ \t]*(?:Reasoning|Thinking)[ \t]*<\/summary>[ \t]*$/i;

interface Marker {
  line: number;
  /** `heading:<level>`, `bold` or `prefix`. */
  kind: string;
  role: Role;
  model?: string;
  /** Text after the marker on the same line. */
  rest: string;
}

const roleOfName = (name: string) => ROLE_OF.get(name.toLowerCase().replace(/[ \t]+/g, ' '));

function markerOf(line: string, index: number): Marker | undefined {
  // Turn headings are short; a long line is text (and the end-anchored pattern stays cheap).
  const heading = line.length <= 200 ? HEADING.exec(line) : null;
  if (heading?.[1] && heading[2]) {
    const role = roleOfName(heading[2]);
    const model = heading[3]?.trim();
    return role && { line: index, kind: `heading:${heading[1].length}`, role, ...(model && role === 'assistant' ? { model } : {}), rest: '' };
  }
  const bold = BOLD.exec(line);
  if (bold?.[1]) {
    const role = roleOfName(bold[1]);
    const model = bold[2]?.trim();
    return role && { line: index, kind: 'bold', role, ...(model && role === 'assistant' ? { model } : {}), rest: line.slice(bold[0].length).replace(/^[ \t]+/, '') };
  }
  const prefix = /^[A-Z]/.test(line) ? PREFIX.exec(line) : null;
  if (prefix?.[1] && PREFIX_NAMES.has(prefix[1].toLowerCase().replace(/[ \t]+/g, ' '))) {
    const role = roleOfName(prefix[1]);
    return role && { line: index, kind: 'prefix', role, rest: line.slice(prefix[0].length).replace(/^[ \t]+/, '') };
  }
  return undefined;
}

/** Every turn marker outside fenced code, in order. */
function markersOf(lines: readonly string[]): Marker[] {
  const markers: Marker[] = [];
  let fence: string | undefined;
  lines.forEach((line, index) => {
    const open = FENCE.exec(line)?.[1];
    if (fence) {
      if (open && open[0] === fence[0] && open.length >= fence.length && line.trim() === open) fence = undefined;
      return;
    }
    if (open && !(open[0] === '`' && line.slice(line.indexOf(open) + open.length).includes('`'))) {
      fence = open;
      return;
    }
    const marker = markerOf(line, index);
    if (marker) markers.push(marker);
  });
  return markers;
}

/** The markers that split turns: the first kind (headings by level, bold, prefix) with both a user and an assistant turn. */
function turnMarkers(markers: readonly Marker[]): Marker[] | undefined {
  const kinds = ['heading:1', 'heading:2', 'heading:3', 'heading:4', 'heading:5', 'heading:6', 'bold', 'prefix'];
  for (const kind of kinds) {
    const ofKind = markers.filter((m) => m.kind === kind);
    if (ofKind.some((m) => m.role === 'user') && ofKind.some((m) => m.role === 'assistant')) return ofKind;
  }
  return undefined;
}

function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/**
 * True when the text is a transcript: a user and an assistant turn marked the same way. When the
 * text is only the beginning of the file (`cut`), a first turn marked by a heading or a bold label
 * is enough (the first question may be longer than what detection reads).
 */
export function looksLikeTranscript(text: string, cut = false): boolean {
  if (text.includes('\u0000')) return false;
  const markers = markersOf(splitLines(text));
  if (turnMarkers(markers)) return true;
  const first = markers[0];
  if (!cut || !first || first.kind === 'prefix' || (first.role !== 'user' && first.role !== 'assistant')) return false;
  return markers.filter((marker) => marker.kind === first.kind).length === 1;
}

/** A turn's markdown → parts; VIVIM's `<details><summary>Reasoning</summary>` blocks become reasoning. */
function turnParts(text: string): ContentPart[] {
  const lines = text.split('\n');
  const parts: ContentPart[] = [];
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!REASONING_OPEN.test((lines[i] ?? '').trim())) continue;
    let close = i + 1;
    while (close < lines.length && (lines[close] ?? '').trim() !== '</details>') close++;
    if (close >= lines.length) break;
    parts.push(...markdownToParts(lines.slice(start, i).join('\n')));
    const reasoning = lines.slice(i + 1, close).join('\n').trim();
    if (reasoning) parts.push({ type: 'reasoning', text: reasoning });
    start = close + 1;
    i = close;
  }
  parts.push(...markdownToParts(lines.slice(start).join('\n')));
  return parts;
}

export interface Transcript extends DraftConversation {
  /** Text before the first turn other than the title (dropped: it belongs to no turn). */
  preamble: string;
}

/** Parses a transcript; undefined when it has no user and assistant turns. */
export function parseTranscript(text: string): Transcript | undefined {
  const lines = splitLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const markers = turnMarkers(markersOf(lines));
  const first = markers?.[0];
  if (!markers || !first) return undefined;
  let title: string | undefined;
  const preamble: string[] = [];
  for (const line of lines.slice(0, first.line)) {
    const heading = title === undefined && line.length <= 1000 ? titleText(line) : undefined;
    if (heading) title = heading.trim();
    else preamble.push(line);
  }
  const messages: DraftMessage[] = markers.map((marker, index) => {
    const end = markers[index + 1]?.line ?? lines.length;
    const body = [marker.rest, ...lines.slice(marker.line + 1, end)];
    // Blank lines around the turn, and a `---` rule some exporters put between turns, are layout.
    while (body.length && !body[0]?.trim()) body.shift();
    while (body.length && (!body.at(-1)?.trim() || isRule(body.at(-1) ?? ''))) body.pop();
    return { ids: [], role: marker.role, ...(marker.model ? { model: marker.model } : {}), hidden: false, parts: turnParts(body.join('\n')) };
  });
  return { ...(title ? { title } : {}), messages, preamble: preamble.join('\n').trim() };
}
