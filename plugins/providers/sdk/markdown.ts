import type { ContentPart } from './index.ts';

/**
 * Splits markdown (as providers store it: export files, embedded payloads) into the same parts
 * htmlToParts makes from a rendered answer: fenced code blocks (with their language; `mermaid`
 * fences become mermaid parts), display math (`$$…$$`, `\[…\]`) and GFM tables are lifted out;
 * everything else stays markdown text, byte for byte (only the blank lines around a lifted block
 * and the trailing whitespace of a text run are dropped).
 *
 * Blocks are lifted only where they stand at the top level of the document. Inside a list item or
 * a blockquote they stay in the markdown text (lifting them would break the list's numbering), so
 * nothing is lost either way.
 */
export function markdownToParts(markdown: string): ContentPart[] {
  const lines = toLines(markdown);
  const nextLine = nextLineFinder(lines);
  const parts: ContentPart[] = [];
  let textStart = 0; // offset where the pending text run begins
  let inList = false;
  let previousBlank = true;
  let i = 0;

  const flushText = (end: number) => {
    const text = markdown
      .slice(textStart, end)
      .replace(/^(?:[ \t]*\r?\n)+/, '')
      .trimEnd();
    if (text) parts.push({ type: 'text', text, format: 'markdown' });
  };
  /** A block was lifted: the next text run starts at line `next`. */
  const lifted = (next: number) => {
    i = next;
    textStart = i < lines.length ? (lines[i] as Line).start : markdown.length;
    inList = false;
    previousBlank = true;
  };

  while (i < lines.length) {
    const line = lines[i] as Line;
    const content = line.text;
    const blank = content.trim() === '';
    const indent = indentOf(content);
    const topLevel = inList ? indent === 0 : indent <= 3;

    const fence = FENCE_OPEN.exec(content);
    if (fence && (topLevel || inList)) {
      const close = findFenceClose(lines, i + 1, fence[2] as string);
      if (topLevel) {
        flushText(line.start);
        const info = (fence[3] ?? '').trim();
        const language = info.split(/\s+/)[0]?.toLowerCase() || undefined;
        const body = lines.slice(i + 1, close).map((l) => stripIndent(l.text, (fence[1] ?? '').length));
        const code = body.join('\n');
        parts.push(language === 'mermaid' ? { type: 'mermaid', source: code } : { type: 'code', code, ...(language ? { language } : {}) });
        lifted(Math.min(close + 1, lines.length));
        continue;
      }
      // A fence nested in a list item: keep it in the text, but skip its body so nothing inside is lifted.
      i = Math.min(close + 1, lines.length);
      previousBlank = false;
      continue;
    }

    if (topLevel && !blank) {
      const math = matchDisplayMath(lines, i, nextLine);
      if (math) {
        flushText(line.start);
        parts.push({ type: 'math', tex: math.tex, display: true });
        lifted(math.next);
        continue;
      }
      const table = matchTable(lines, i);
      if (table) {
        flushText(line.start);
        parts.push({ type: 'table', rows: table.rows, header: true });
        lifted(table.next);
        continue;
      }
    }

    if (!blank) {
      if (LIST_ITEM.test(content) && (indent <= 3 || inList)) inList = true;
      else if (inList && indent === 0 && (previousBlank || INTERRUPTS.test(content))) inList = false;
    }
    previousBlank = blank;
    i++;
  }
  flushText(markdown.length);
  return parts;
}

interface Line {
  /** The line without its line break. */
  text: string;
  /** Offset of the line's first character in the document. */
  start: number;
}

function toLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end === -1) {
      lines.push({ text: text.slice(start), start });
      return lines;
    }
    lines.push({ text: text.slice(start, end).replace(/\r$/, ''), start });
    start = end + 1;
  }
}

/**
 * An opening fence: its indentation, the fence (a backtick fence's info string has no backtick), the
 * info string. `~{3,}(?!~)` takes the whole run of tildes, as the match always does: without it, a
 * long run followed by a `\r` (which `.` does not match) is retried at every shorter length.
 */
const FENCE_OPEN = /^([ \t]*)(`{3,}(?=[^`]*$)|~{3,}(?!~))(.*)$/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
/** Lines that end a list even without a blank line before them. */
const INTERRUPTS = /^(?:#{1,6}(?:[ \t]|$)|(?:[-*_][ \t]*){3,}$|>)/;

function indentOf(line: string): number {
  const match = /^[ \t]*/.exec(line)?.[0] ?? '';
  let width = 0;
  for (const ch of match) width += ch === '\t' ? 4 - (width % 4) : 1;
  return width;
}

function stripIndent(line: string, count: number): string {
  let i = 0;
  while (i < count && line[i] === ' ') i++;
  return line.slice(i);
}

/** Index of the closing fence line, or `lines.length` when the block runs to the end. */
function findFenceClose(lines: readonly Line[], from: number, opener: string): number {
  const char = opener[0] as string;
  for (let i = from; i < lines.length; i++) {
    const match = /^[ \t]*(`{3,}|~{3,})[ \t]*$/.exec((lines[i] as Line).text);
    if (match?.[1] && match[1][0] === char && match[1].length >= opener.length) return i;
  }
  return lines.length;
}

const MATH_DELIMITERS = [
  { open: '$$', close: '$$' },
  { open: '\\[', close: '\\]' },
] as const;

/** The first line at or after `from` whose text passes the test named `key` (-1: none); see `nextLineFinder`. */
type NextLine = (key: string, test: (text: string) => boolean, from: number) => number;

/**
 * Answers "the next line at or after `from` that passes this test" in constant time: each test's
 * answers for every line are worked out once, in one pass from the end. Display math would otherwise
 * scan the rest of the document from every line that opens a block and is never closed.
 */
function nextLineFinder(lines: readonly Line[]): NextLine {
  const tables = new Map<string, Int32Array>();
  return (key, test, from) => {
    let next = tables.get(key);
    if (!next) {
      next = new Int32Array(lines.length + 1).fill(-1);
      for (let j = lines.length - 1; j >= 0; j--) next[j] = test((lines[j] as Line).text) ? j : (next[j + 1] as number);
      tables.set(key, next);
    }
    return from < lines.length ? (next[from] as number) : -1;
  };
}

/**
 * A display-math block starting at line `i`: `$$…$$` or `\[…\]`, on one line or several. A block
 * whose delimiters stand alone on their lines may hold blank lines (like a code fence); otherwise
 * a blank line ends the paragraph, and it is not a math block.
 */
function matchDisplayMath(lines: readonly Line[], i: number, nextLine: NextLine): { tex: string; next: number } | null {
  const first = (lines[i] as Line).text.trim();
  for (const { open, close } of MATH_DELIMITERS) {
    if (!first.startsWith(open)) continue;
    const rest = first.slice(open.length);
    const sameLine = rest.indexOf(close);
    if (sameLine !== -1) {
      // "$$ x $$" is a block; "$$a$$ and more" is inline math inside a paragraph.
      if (rest.slice(sameLine + close.length).trim() !== '') return null;
      const tex = rest.slice(0, sameLine).trim();
      return tex ? { tex, next: i + 1 } : null;
    }
    if (!rest.trim()) {
      const end = nextLine(`alone ${close}`, (text) => text.trim() === close, i + 1);
      if (end !== -1) {
        const tex = lines
          .slice(i + 1, end)
          .map((line) => line.text)
          .join('\n')
          .trim();
        return tex ? { tex, next: end + 1 } : null;
      }
    }
    // The paragraph runs to its first blank line or line holding the closing delimiter.
    const j = nextLine(`stop ${close}`, (text) => text.trim() === '' || text.includes(close), i + 1);
    if (j === -1) return null;
    const text = (lines[j] as Line).text;
    if (text.trim() === '') return null; // a blank line ends the paragraph: not a math block
    const at = text.indexOf(close);
    if (text.slice(at + close.length).trim() !== '') return null;
    const body: string[] = rest.trim() ? [rest] : [];
    for (let k = i + 1; k < j; k++) body.push((lines[k] as Line).text);
    const last = text.slice(0, at);
    if (last.trim()) body.push(last);
    const tex = body.join('\n').trim();
    return tex ? { tex, next: j + 1 } : null;
  }
  return null;
}

/**
 * `| --- | :-: |`. Each blank run follows a required character (`[ \t]*(?:\|[ \t]*)?` is the
 * `[ \t]*\|?[ \t]*` it stands for): side by side, two runs over blanks cost a power of a blank run's length.
 */
const DELIMITER_ROW = /^[ \t]*(?:\|[ \t]*)?:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*(?:\|[ \t]*)?$/;

/** A GFM table whose header row is line `i` (the next line must be the delimiter row). */
function matchTable(lines: readonly Line[], i: number): { rows: string[][]; next: number } | null {
  const header = (lines[i] as Line).text;
  const delimiter = lines[i + 1]?.text;
  if (!header.includes('|') || delimiter === undefined || !DELIMITER_ROW.test(delimiter) || !delimiter.includes('-')) return null;
  const head = tableCells(header);
  const width = tableCells(delimiter).length;
  if (head.length !== width || (width === 1 && !delimiter.includes('|'))) return null;
  const rows = [head];
  let j = i + 2;
  for (; j < lines.length; j++) {
    const text = (lines[j] as Line).text;
    if (text.trim() === '' || !text.includes('|') || FENCE_OPEN.test(text) || /^[ \t]*>/.test(text)) break;
    const cells = tableCells(text);
    while (cells.length < width) cells.push('');
    rows.push(cells);
  }
  return { rows, next: j };
}

/** The cells of a GFM table row: split on unescaped pipes, outer pipes dropped, `\|` unescaped, trimmed. */
function tableCells(line: string): string[] {
  let text = line.trim();
  if (text.startsWith('|')) text = text.slice(1);
  if (text.endsWith('|') && !text.endsWith('\\|')) text = text.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let k = 0; k < text.length; k++) {
    const ch = text[k] as string;
    if (ch === '\\' && text[k + 1] === '|') {
      cell += '|';
      k++;
    } else if (ch === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}
