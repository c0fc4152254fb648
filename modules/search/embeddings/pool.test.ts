import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#config';
import { createEmbedder, type Embedder } from './embedder.ts';
import { EmbeddingError } from './errors.ts';
import { EmbedderPool } from './pool.ts';
import { UseLiteEmbedder } from './use-lite.ts';
import { dot } from './vector.ts';

const log = pino({ level: 'silent' });

/** A stand-in member that records what it was asked (the real model is used below). */
class Recording implements Embedder {
  readonly dims = 2;
  readonly maxTokens = 10;
  readonly id: string;
  readonly fail: boolean;
  calls: string[][] = [];
  constructor(options: { fail?: boolean; id?: string } = {}) {
    this.fail = options.fail ?? false;
    this.id = options.id ?? 'rec';
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.calls.push(texts);
    if (this.fail) throw new EmbeddingError('EMBEDDER_UNAVAILABLE', 'member down', { embedder: this.id });
    return texts.map((t) => Float32Array.from([t.length, 1]));
  }
  async health() {
    return this.fail ? { ok: false, detail: 'member down' } : { ok: true, detail: 'fine' };
  }
  async close() {}
}

describe('EmbedderPool', () => {
  const real = createEmbedder(loadConfig({ EMBEDDING_THREADS: '2' }).embeddings, log)!;
  const single = new UseLiteEmbedder({ timeoutMs: 30_000, log });
  afterAll(() => Promise.all([real.close(), single.close()]));

  it('EMBEDDING_THREADS=2 runs two copies of the local model and gives the same vectors as one, in input order', async () => {
    expect(real).toBeInstanceOf(EmbedderPool);
    expect((real as EmbedderPool).size).toBe(2);
    const texts = Array.from({ length: 20 }, (_, i) => `message ${i}: ${'how do I tune a postgres query '.repeat(1 + (i % 5))}`);
    const [pooled, alone] = await Promise.all([real.embed(texts), single.embed(texts)]);
    expect(pooled).toHaveLength(20);
    pooled.forEach((v, i) => expect(dot(v, alone[i]!)).toBeCloseTo(1, 4));
    expect((await real.health()).detail).toMatch(/2 worker threads/);
  });

  it('deals a bulk call over every member by length and sends a small one whole to the least busy', async () => {
    const a = new Recording();
    const b = new Recording();
    const pool = new EmbedderPool([a, b]);
    const texts = ['aaaa', 'a', 'aaaaaa', 'aa', 'aaaaa', 'aaa', 'aaaaaaaa', 'aaaaaaa'];
    const out = await pool.embed(texts);
    expect(out.map((v) => v[0])).toEqual(texts.map((t) => t.length));
    expect(a.calls).toEqual([['a', 'aaa', 'aaaaa', 'aaaaaaa']]);
    expect(b.calls).toEqual([['aa', 'aaaa', 'aaaaaa', 'aaaaaaaa']]);
    await pool.embed(['query']);
    expect(a.calls.at(-1)).toEqual(['query']);
  });

  it('reports a failing member in health and fails the call; rejects mixed models', async () => {
    const pool = new EmbedderPool([new Recording(), new Recording({ fail: true })]);
    await expect(pool.embed(Array.from({ length: 10 }, (_, i) => `t${i}`))).rejects.toMatchObject({ code: 'EMBEDDER_UNAVAILABLE' });
    expect(await pool.health()).toEqual({ ok: false, detail: 'member down' });
    expect(() => new EmbedderPool([new Recording(), new Recording({ id: 'other' })])).toThrow(/copies of one model/);
    expect(() => new EmbedderPool([])).toThrow(/at least one/);
  });
});
