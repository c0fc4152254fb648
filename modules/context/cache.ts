import type { CompileInput, CompileOutput } from './schemas.ts';

/** The cache key of an input: whitespace-normalized prompt plus every option that changes the bundle. */
export function cacheKey(input: CompileInput, tokenizer: string): string {
  const layers = input.layers ? [...new Set(input.layers)].sort().join(',') : 'all';
  const prompt = input.prompt.replace(/\s+/g, ' ').trim();
  return JSON.stringify([prompt, input.conversationId ?? null, input.budget, tokenizer, input.model ?? null, layers, input.format]);
}

interface Entry {
  ownerId: string;
  value: CompileOutput;
  at: number;
}

/**
 * An in-memory LRU of compiled bundles, per owner. `generation(owner)` changes on every
 * invalidation: a compile that started before new data landed must not store its (stale) result.
 */
export class BundleCache {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;

  constructor(options: { maxEntries: number; ttlMs: number }) {
    this.maxEntries = options.maxEntries;
    this.ttlMs = options.ttlMs;
  }

  /** A fresh bundle for this owner and key, or undefined. */
  get(ownerId: string, key: string): CompileOutput | undefined {
    const id = `${ownerId}\u0000${key}`;
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (Date.now() - entry.at > this.ttlMs) return undefined;
    this.entries.set(id, entry);
    return entry.value;
  }

  /** Stores a bundle unless the owner's data changed since `generation` was read. */
  set(ownerId: string, key: string, value: CompileOutput, generation: number): void {
    if (this.generation(ownerId) !== generation) return;
    const id = `${ownerId}\u0000${key}`;
    this.entries.delete(id);
    this.entries.set(id, { ownerId, value, at: Date.now() });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The owner's current generation (read it before compiling). */
  generation(ownerId: string): number {
    return this.generations.get(ownerId) ?? 0;
  }

  /** Drops every bundle of one owner. */
  invalidate(ownerId: string): void {
    this.generations.set(ownerId, this.generation(ownerId) + 1);
    for (const [id, entry] of this.entries) if (entry.ownerId === ownerId) this.entries.delete(id);
  }

  /** Drops everything (benchmarks: cold runs). */
  clear(): void {
    for (const ownerId of new Set([...this.entries.values()].map((e) => e.ownerId))) this.generations.set(ownerId, this.generation(ownerId) + 1);
    this.entries.clear();
  }

  /** Bundles held (all owners). */
  get size(): number {
    return this.entries.size;
  }
}
