/** One piece of a long message, small enough to embed as a whole. */
export interface Chunk {
  /** Position in the message, from 0. */
  index: number;
  text: string;
  /** Only fenced code (a chunk mixing prose and code is not code). */
  isCode: boolean;
}

export interface ChunkOptions {
  /** Most characters in a chunk. Default 1500 (the local model reads at most 2000). */
  maxChars?: number;
  /** Most whitespace-separated words in a chunk. Default 250. */
  maxWords?: number;
}

export const DEFAULT_CHUNK_MAX_CHARS = 1500;
export const DEFAULT_CHUNK_MAX_WORDS = 250;

interface Limits {
  maxChars: number;
  maxWords: number;
}

type Block =
  | { kind: 'heading' | 'prose'; text: string }
  | { kind: 'code'; text: string; open: string; close: string; lines: string[] };

/** A chunk being built: its text and whether everything in it is code. */
interface Piece {
  text: string;
  isCode: boolean;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}#{1,6}(\s|$)/;

function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

function fits(text: string, limits: Limits): boolean {
  return text.length <= limits.maxChars && countWords(text) <= limits.maxWords;
}

/** Splits markdown into headings, paragraphs and fenced code blocks (an unclosed fence runs to the end). */
export function parseBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'prose', text: paragraph.join('\n') });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE_OPEN.exec(line);
    // A backtick fence's info string may not contain backticks (CommonMark).
    if (fence && !(fence[1]!.startsWith('`') && fence[2]!.includes('`'))) {
      endParagraph();
      const marker = fence[1]!;
      const closing = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
      const body: string[] = [];
      let close: string | undefined;
      for (i++; i < lines.length; i++) {
        if (closing.test(lines[i]!)) {
          close = lines[i]!;
          break;
        }
        body.push(lines[i]!);
      }
      const text = [line, ...body, ...(close === undefined ? [] : [close])].join('\n');
      blocks.push({ kind: 'code', text, open: line, close: close ?? marker, lines: body });
    } else if (line.trim() === '') {
      endParagraph();
    } else if (HEADING.test(line)) {
      endParagraph();
      blocks.push({ kind: 'heading', text: line });
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  return blocks;
}

/** Packs `segments` (in order) into as few pieces as fit; a segment that fits nowhere is cut by `split`. */
function pack(segments: string[], limits: Limits, join: string, split: (segment: string) => string[]): string[] {
  const pieces: string[] = [];
  // undefined = nothing yet ('' is a real segment: an empty line of code).
  let current: string | undefined;
  for (const segment of segments) {
    const candidate = current === undefined ? segment : current + join + segment;
    if (fits(candidate, limits)) {
      current = candidate;
      continue;
    }
    if (current !== undefined) pieces.push(current);
    if (fits(segment, limits)) {
      current = segment;
    } else {
      const parts = split(segment);
      pieces.push(...parts.slice(0, -1));
      current = parts.at(-1);
    }
  }
  if (current !== undefined) pieces.push(current);
  return pieces;
}

/** Cuts text with no usable break into slices of at most `maxChars`. */
function hardSplit(text: string, limits: Limits): string[] {
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += limits.maxChars) parts.push(text.slice(start, start + limits.maxChars));
  return parts;
}

/** Prose too long for one chunk: by sentence, then by word, then by character. */
function splitProse(text: string, limits: Limits): string[] {
  // Sentence ends need whitespace after them, so "3.14" and "e.g.x" stay whole.
  const sentences = text.split(/(?<=[.!?]["')\]]*)\s+|\n+/).filter((sentence) => sentence.trim() !== '');
  const byWord = (sentence: string) => pack(sentence.split(/\s+/), limits, ' ', (word) => hardSplit(word, limits));
  return pack(sentences, limits, ' ', byWord);
}

/** A code block too long for one chunk: by line, each piece fenced again so it stays valid markdown. */
function splitCode(block: Extract<Block, { kind: 'code' }>, limits: Limits): string[] {
  const frame = `${block.open}\n\n${block.close}`;
  const inner: Limits = { maxChars: Math.max(1, limits.maxChars - frame.length), maxWords: Math.max(1, limits.maxWords - countWords(frame)) };
  const byChar = (line: string) => (fits(line, inner) ? [line] : pack(line.split(/(?<=\s)/), inner, '', (part) => hardSplit(part, inner)));
  return pack(block.lines, inner, '\n', byChar).map((body) => `${block.open}\n${body}\n${block.close}`);
}

/** Headings (one per line), a blank line, then the block they introduce. */
function unitToText(unit: Block[]): string {
  const body = unit.at(-1)!;
  const headings = unit.filter((block) => block.kind === 'heading').map((block) => block.text).join('\n');
  if (body.kind === 'heading') return headings;
  return headings === '' ? body.text : `${headings}\n\n${body.text}`;
}

/** One unit that does not fit: its headings go with the first piece of its body. */
function splitUnit(unit: Block[], limits: Limits): Piece[] {
  const body = unit.at(-1)!;
  const headings = unit.slice(0, -1).map((block) => block.text).join('\n');
  if (body.kind === 'heading') return splitProse(unit.map((block) => block.text).join('\n'), limits).map((text) => ({ text, isCode: false }));
  const prefix = headings === '' ? '' : `${headings}\n\n`;
  const room: Limits = { maxChars: Math.max(1, limits.maxChars - prefix.length), maxWords: Math.max(1, limits.maxWords - countWords(prefix)) };
  // Headings too long to share a chunk go on their own.
  const leading: Piece[] = prefix !== '' && room.maxChars < limits.maxChars / 4 ? [{ text: headings, isCode: false }] : [];
  const limitsForBody = leading.length > 0 || prefix === '' ? limits : room;
  const parts = body.kind === 'code' ? splitCode(body, limitsForBody) : splitProse(body.text, limitsForBody);
  return [
    ...leading,
    ...parts.map((text, position) => ({
      text: position === 0 && leading.length === 0 ? prefix + text : text,
      isCode: body.kind === 'code' && (position > 0 || prefix === '' || leading.length > 0),
    })),
  ];
}

/**
 * Cuts a message (markdown) into chunks of at most `maxChars` characters and `maxWords` words, in
 * order. A text that fits is one chunk, unchanged but trimmed. Otherwise paragraphs and fenced code
 * blocks are packed whole; a heading stays with the block after it; only a block longer than a
 * chunk is split (prose by sentence, code by line, re-fenced). Whitespace-only text gives no chunks.
 */
export function chunkText(text: string, options: ChunkOptions = {}): Chunk[] {
  const limits: Limits = {
    maxChars: Math.max(1, options.maxChars ?? DEFAULT_CHUNK_MAX_CHARS),
    maxWords: Math.max(1, options.maxWords ?? DEFAULT_CHUNK_MAX_WORDS),
  };
  const normalized = text.replace(/\r\n?/g, '\n').trim();
  if (normalized === '') return [];
  const blocks = parseBlocks(normalized);
  if (fits(normalized, limits)) {
    return [{ index: 0, text: normalized, isCode: blocks.length === 1 && blocks[0]!.kind === 'code' }];
  }

  // Headings bind to the next block.
  const units: Block[][] = [];
  let headings: Block[] = [];
  for (const block of blocks) {
    if (block.kind === 'heading') {
      headings.push(block);
      continue;
    }
    units.push([...headings, block]);
    headings = [];
  }
  if (headings.length > 0) units.push(headings);

  const pieces: Piece[] = [];
  let current: { texts: string[]; isCode: boolean } | undefined;
  const flush = () => {
    if (current) pieces.push({ text: current.texts.join('\n\n'), isCode: current.isCode });
    current = undefined;
  };
  for (const unit of units) {
    const unitText = unitToText(unit);
    const unitIsCode = unit.every((block) => block.kind === 'code');
    if (!fits(unitText, limits)) {
      flush();
      pieces.push(...splitUnit(unit, limits));
      continue;
    }
    if (current && fits([...current.texts, unitText].join('\n\n'), limits)) {
      current.texts.push(unitText);
      current.isCode &&= unitIsCode;
      continue;
    }
    flush();
    current = { texts: [unitText], isCode: unitIsCode };
  }
  flush();
  return pieces.map((piece, index) => ({ index, text: piece.text, isCode: piece.isCode }));
}
