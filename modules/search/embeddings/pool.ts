import type { Embedder, EmbedderHealth } from './embedder.ts';

/** Below this many texts a call goes whole to the least busy member (splitting would cost more than it saves). */
const SPLIT_MIN = 8;

/**
 * Copies of one model (each in its own worker thread) behind one Embedder: a bulk call is dealt
 * over all of them, a small one (a query) goes to the least busy. Members start on first use, so
 * the extra copies load only when a bulk pass needs them.
 */
export class EmbedderPool implements Embedder {
  readonly id: string;
  readonly maxTokens: number;
  readonly #members: readonly Embedder[];
  readonly #inFlight: number[];

  constructor(members: readonly Embedder[]) {
    if (members.length === 0) throw new TypeError('an embedder pool needs at least one member');
    const ids = new Set(members.map((m) => m.id));
    if (ids.size !== 1) throw new TypeError(`an embedder pool holds copies of one model, got ${[...ids].join(', ')}`);
    this.#members = members;
    this.#inFlight = members.map(() => 0);
    this.id = members[0]!.id;
    this.maxTokens = members[0]!.maxTokens;
  }

  get dims(): number {
    return this.#members[0]!.dims;
  }

  get size(): number {
    return this.#members.length;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length < SPLIT_MIN || this.#members.length === 1) {
      const index = this.#inFlight.indexOf(Math.min(...this.#inFlight));
      return this.#call(index, texts, signal);
    }
    // Deal texts sorted by length round-robin, so every member gets a similar share of the work.
    const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
    const parts = this.#members.map(() => [] as number[]);
    order.forEach((index, position) => parts[position % parts.length]!.push(index));
    const results = await Promise.all(parts.map((part, member) => (part.length === 0 ? Promise.resolve([]) : this.#call(member, part.map((i) => texts[i]!), signal))));
    const out = new Array<Float32Array>(texts.length);
    parts.forEach((part, member) => part.forEach((index, offset) => (out[index] = results[member]![offset]!)));
    return out;
  }

  async health(): Promise<EmbedderHealth> {
    const all = await Promise.all(this.#members.map((m) => m.health()));
    const failed = all.find((h) => !h.ok);
    if (failed) return failed;
    return { ok: true, detail: this.#members.length === 1 ? all[0]!.detail : `${all[0]!.detail} (${this.#members.length} worker threads)` };
  }

  async close(): Promise<void> {
    await Promise.all(this.#members.map((m) => m.close()));
  }

  async #call(member: number, texts: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    this.#inFlight[member]! += 1;
    try {
      return await this.#members[member]!.embed(texts, signal);
    } finally {
      this.#inFlight[member]! -= 1;
    }
  }
}
