import type { Readable } from 'node:stream';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const BOM = [0xef, 0xbb, 0xbf];

/** Malformed JSON met while streaming an array (the elements before it were yielded). */
export class JsonStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonStreamError';
  }
}

type State = 'before' | 'between' | 'element' | 'after' | 'done';

/**
 * Finds the elements of a top-level JSON array in a byte stream fed chunk by chunk: one lexical pass
 * tracks strings and nesting; each complete element's bytes go to the native `JSON.parse`.
 */
class ArrayScanner {
  // before: nothing read yet; between: after `[` or `,`; element: inside one; after: after one.
  state: State = 'before';
  index = 0;
  #kind: 'container' | 'string' | 'scalar' = 'container';
  #depth = 0;
  #inString = false;
  #escaped = false;
  #pieces: Buffer[] = [];
  #bomAt = 0;
  #offset = 0;

  /** Scans one chunk; pushes the elements it completes onto `out`; throws JsonStreamError on malformed JSON. */
  scan(buf: Buffer, out: { index: number; value: unknown }[]): void {
    let start = this.state === 'element' ? 0 : -1;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (this.state === 'element') {
        if (this.#inString) {
          if (this.#escaped) this.#escaped = false;
          else if (b === BACKSLASH) this.#escaped = true;
          else if (b === QUOTE) {
            this.#inString = false;
            if (this.#kind === 'string') out.push(this.#finish(buf.subarray(start, i + 1)));
          }
          continue;
        }
        if (this.#kind === 'scalar') {
          if (b === COMMA || b === CLOSE_ARRAY || isSpace(b)) {
            out.push(this.#finish(buf.subarray(start, i)));
            i--; // the separator is read in the 'after' state
          }
          continue;
        }
        if (b === QUOTE) this.#inString = true;
        else if (b === OPEN_OBJECT || b === OPEN_ARRAY) this.#depth++;
        else if ((b === CLOSE_OBJECT || b === CLOSE_ARRAY) && --this.#depth === 0) out.push(this.#finish(buf.subarray(start, i + 1)));
        continue;
      }
      if (this.state === 'before' && this.#bomAt < 3 && b === BOM[this.#bomAt] && this.#offset + i === this.#bomAt) {
        this.#bomAt++;
        continue;
      }
      if (isSpace(b)) continue;
      const where = () => `at byte ${this.#offset + i}`;
      switch (this.state) {
        case 'before':
          if (b !== OPEN_ARRAY) throw new JsonStreamError(`expected a JSON array at the top level, found ${JSON.stringify(String.fromCharCode(b))} ${where()}`);
          this.state = 'between';
          break;
        case 'between':
          if (b === CLOSE_ARRAY && this.index === 0) {
            this.state = 'done';
            break;
          }
          if (b === COMMA || b === CLOSE_ARRAY) throw new JsonStreamError(`expected an array element ${where()}`);
          this.state = 'element';
          start = i;
          if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
            this.#kind = 'container';
            this.#depth = 1;
          } else if (b === QUOTE) {
            this.#kind = 'string';
            this.#inString = true;
          } else {
            this.#kind = 'scalar';
          }
          break;
        case 'after':
          if (b === COMMA) this.state = 'between';
          else if (b === CLOSE_ARRAY) this.state = 'done';
          else throw new JsonStreamError(`expected "," or "]" after element ${this.index - 1} ${where()}`);
          break;
        case 'done':
          throw new JsonStreamError(`unexpected data after the array ${where()}`);
      }
    }
    if (this.state === 'element') this.#pieces.push(buf.subarray(start));
    this.#offset += buf.length;
  }

  /** Throws unless the array was closed. */
  end(): void {
    if (this.state === 'done') return;
    throw new JsonStreamError(this.state === 'before' ? 'the file is empty: expected a JSON array' : `the JSON ends before the array is closed (after ${this.index} elements): the file looks truncated`);
  }

  #finish(last: Buffer): { index: number; value: unknown } {
    this.#pieces.push(last);
    const text = (this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces)).toString('utf8');
    this.#pieces = [];
    this.state = 'after';
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (error) {
      throw new JsonStreamError(`element ${this.index} is not valid JSON (${(error as Error).message})`);
    }
    return { index: this.index++, value };
  }
}

/**
 * Streams the elements of a top-level JSON array, one at a time (exports far larger than memory).
 * One lexical pass finds where each element starts and ends; the element's bytes are then parsed
 * by the native `JSON.parse` (an order of magnitude faster than a token-by-token parser, and far
 * less garbage). A source that fails mid-way, a truncated file or malformed JSON rejects the
 * iteration after the elements read before it; nothing is left waiting.
 */
export async function* streamJsonArray(input: Readable): AsyncGenerator<{ index: number; value: unknown }> {
  const scanner = new ArrayScanner();
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const ready: { index: number; value: unknown }[] = [];
    let failure: JsonStreamError | undefined;
    try {
      scanner.scan(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, ready);
    } catch (error) {
      if (!(error instanceof JsonStreamError)) throw error;
      failure = error;
    }
    yield* ready;
    if (failure) throw failure;
  }
  scanner.end();
}
