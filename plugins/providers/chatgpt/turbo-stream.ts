/**
 * Decoder for the React Router "turbo-stream" payload that chatgpt.com inlines into its
 * server-rendered pages as `window.__reactRouterContext.streamController.enqueue("…")` calls.
 *
 * The stream is text lines. The first line is a JSON array: a flat list of values where objects
 * are `{"_<key index>": <value index>}`, arrays hold value indices, a few negative numbers stand for
 * special values, and arrays starting with a type letter encode Dates, Maps, promises…
 * Later lines `P<id>:<json>` resolve promises (their values are appended to the flat list).
 */

const HOLE = -1;
const NAN = -2;
const NEGATIVE_INFINITY = -3;
const NEGATIVE_ZERO = -4;
const NULL = -5;
const POSITIVE_INFINITY = -6;
const UNDEFINED = -7;

/** The string chunks passed to `streamController.enqueue(…)`, unescaped, in page order. */
export function enqueuedChunks(html: string): string[] {
  const chunks: string[] = [];
  const pattern = /streamController\.enqueue\(\s*("(?:[^"\\]|\\[\s\S])*")\s*\)/g;
  for (let match = pattern.exec(html); match; match = pattern.exec(html)) {
    chunks.push(JSON.parse(match[1] as string) as string);
  }
  return chunks;
}

/** Decodes the stream text; returns the root value (the route data: `{ loaderData, actionData, errors }`). */
export function decodeTurboStream(stream: string): unknown {
  const lines = stream.split('\n').filter((line) => line.trim() !== '');
  const first = lines.shift();
  if (first === undefined) throw new Error('empty turbo-stream payload');
  const values = JSON.parse(first) as unknown[];
  if (!Array.isArray(values) || values.length === 0) throw new Error('turbo-stream payload is not a flat array');
  const promises = new Map<number, number>();
  for (const line of lines) {
    const match = /^P(\d+):([\s\S]*)$/.exec(line);
    // Error (E…) and other chunk kinds carry nothing a conversation needs.
    if (!match) continue;
    const value = JSON.parse(match[2] as string) as unknown;
    if (Array.isArray(value)) {
      promises.set(Number(match[1]), values.length);
      values.push(...(value as unknown[]));
    } else if (typeof value === 'number') promises.set(Number(match[1]), value);
  }
  return new Decoder(values, promises).hydrate(0);
}

class Decoder {
  private readonly values: unknown[];
  private readonly promises: Map<number, number>;
  private readonly hydrated = new Map<number, unknown>();

  constructor(values: unknown[], promises: Map<number, number>) {
    this.values = values;
    this.promises = promises;
  }

  hydrate(index: number): unknown {
    switch (index) {
      case HOLE:
      case UNDEFINED:
        return undefined;
      case NULL:
        return null;
      case NAN:
        return Number.NaN;
      case NEGATIVE_INFINITY:
        return Number.NEGATIVE_INFINITY;
      case POSITIVE_INFINITY:
        return Number.POSITIVE_INFINITY;
      case NEGATIVE_ZERO:
        return -0;
    }
    if (index < 0 || !Number.isInteger(index)) return undefined;
    if (this.hydrated.has(index)) return this.hydrated.get(index);
    const value = this.values[index];
    if (value === null || typeof value !== 'object') {
      this.hydrated.set(index, value);
      return value;
    }
    if (Array.isArray(value)) return typeof value[0] === 'string' ? this.typed(index, value) : this.array(index, value);
    const object: Record<string, unknown> = {};
    this.hydrated.set(index, object);
    for (const [key, ref] of Object.entries(value as Record<string, unknown>)) {
      const keyIndex = Number(key.startsWith('_') ? key.slice(1) : key);
      const name = this.hydrate(keyIndex);
      object[String(name)] = typeof ref === 'number' ? this.hydrate(ref) : undefined;
    }
    return object;
  }

  private array(index: number, refs: unknown[]): unknown[] {
    const array: unknown[] = [];
    this.hydrated.set(index, array);
    for (const ref of refs) array.push(typeof ref === 'number' && ref !== HOLE ? this.hydrate(ref) : undefined);
    return array;
  }

  /** `["D", ms]`, `["P", id]`, `["M", k, v, …]`… (only what JSON-like page data uses is rebuilt faithfully). */
  private typed(index: number, value: unknown[]): unknown {
    const [type, a] = value;
    let result: unknown;
    switch (type) {
      case 'D':
        result = new Date(Number(a));
        break;
      case 'B':
      case 'U':
        result = String(a);
        break;
      case 'Y':
        result = Symbol.for(String(a));
        break;
      case 'R':
        result = String(a);
        break;
      case 'E':
        result = new Error(String(a));
        break;
      case 'P': {
        const at = this.promises.get(Number(a));
        result = at === undefined ? undefined : this.hydrate(at);
        break;
      }
      case 'Z':
        result = typeof a === 'number' ? this.hydrate(a) : undefined;
        break;
      case 'M': {
        const map = new Map<unknown, unknown>();
        this.hydrated.set(index, map);
        for (let k = 1; k + 1 < value.length; k += 2) map.set(this.hydrate(value[k] as number), this.hydrate(value[k + 1] as number));
        return map;
      }
      case 'S': {
        const set = new Set<unknown>();
        this.hydrated.set(index, set);
        for (const ref of value.slice(1)) set.add(this.hydrate(ref as number));
        return set;
      }
      case 'N': {
        const object: Record<string, unknown> = {};
        this.hydrated.set(index, object);
        const refs = (a ?? {}) as Record<string, number>;
        for (const [key, ref] of Object.entries(refs)) object[String(this.hydrate(Number(key.replace(/^_/, ''))))] = this.hydrate(ref);
        return object;
      }
      default:
        result = undefined;
    }
    this.hydrated.set(index, result);
    return result;
  }
}
