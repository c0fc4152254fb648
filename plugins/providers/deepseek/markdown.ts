import type { ContentPart } from '../sdk/index.ts';

/*
 * Splits a markdown answer (as providers store it: export files, embedded payloads) into the same
 * parts htmlToParts makes from a rendered answer: top-level fenced code (with its language),
 * mermaid, GFM tables, display math ($$…$$ or \[…\]); everything between stays markdown text.
 * Blocks nested in list items (indented) stay inside the markdown text, like htmlToParts does.
 * The same file lives in the deepseek and kimi folders (see README "Suggested SDK changes").
 */

const FENCE_OPEN = /^(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const TABLE_DELIMITER = /^\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

/** The cells of a GFM table row (outer pipes optional, `\|` is a literal pipe; pipes in `code` spans count as in GFM). */
export function tableCells(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i++) {
    const char = row[i];
    if (char === '\\' && row[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (char === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells;
}

function isTableStart(lines: readonly string[], i: number): boolean {
  const head = lines[i];
  const delimiter = lines[i + 1];
  if (head === undefined || delimiter === undefined || !head.includes('|') || /^\s/.test(head)) return false;
  if (!TABLE_DELIMITER.test(delimiter.trim()) || !delimiter.includes('-')) return false;
  if (!delimiter.includes('|') && !head.trim().startsWith('|')) return false;
  return tableCells(delimiter).length === tableCells(head).length;
}

/** Markdown text → content parts (code, mermaid, table, display math lifted out; the rest markdown). */
export function markdownToParts(markdown: string): ContentPart[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const parts: ContentPart[] = [];
  let buffer: string[] = [];
  const flush = () => {
    const text = buffer.join('\n').replace(/^\n+|\s+$/g, '');
    if (text.trim()) parts.push({ type: 'text', text, format: 'markdown' });
    buffer = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const fence = FENCE_OPEN.exec(line);
    if (fence?.[1]) {
      const marker = fence[1];
      const language = fence[2]?.trim().toLowerCase() || undefined;
      const body: string[] = [];
      let j = i + 1;
      const closes = (candidate: string) => {
        const trimmed = candidate.trim();
        return trimmed.length >= marker.length && trimmed === (marker[0] ?? '').repeat(trimmed.length) && /^ {0,3}\S/.test(candidate);
      };
      while (j < lines.length && !closes(lines[j] ?? '')) body.push(lines[j++] ?? '');
      flush();
      const code = body.join('\n');
      parts.push(language === 'mermaid' ? { type: 'mermaid', source: code } : { type: 'code', code, ...(language ? { language } : {}) });
      i = j + 1;
      continue;
    }
    const trimmed = line.trim();
    const oneLine = /^\$\$((?:(?!\$\$).)+)\$\$$/.exec(trimmed) ?? /^\\\[((?:(?!\\\]).)+)\\\]$/.exec(trimmed);
    if (/^\S/.test(line) && oneLine?.[1]?.trim()) {
      flush();
      parts.push({ type: 'math', tex: oneLine[1].trim(), display: true });
      i++;
      continue;
    }
    if (/^\S/.test(line) && (trimmed === '$$' || trimmed === '\\[')) {
      const close = trimmed === '$$' ? '$$' : '\\]';
      let j = i + 1;
      while (j < lines.length && (lines[j] ?? '').trim() !== close) j++;
      if (j < lines.length) {
        flush();
        parts.push({ type: 'math', tex: lines.slice(i + 1, j).join('\n').trim(), display: true });
        i = j + 1;
        continue;
      }
      // Never closed: stays text.
    }
    if (isTableStart(lines, i)) {
      const rows: string[][] = [tableCells(line)];
      let j = i + 2;
      while (j < lines.length && (lines[j] ?? '').trim() && (lines[j] ?? '').includes('|')) rows.push(tableCells(lines[j++] ?? ''));
      flush();
      parts.push({ type: 'table', rows, header: true });
      i = j;
      continue;
    }
    buffer.push(line);
    i++;
  }
  flush();
  return parts;
}
