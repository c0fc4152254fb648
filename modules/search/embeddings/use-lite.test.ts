import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddingError } from './errors.ts';
import { truncateText, UseLiteEmbedder, USE_LITE_MAX_CHARS } from './use-lite.ts';
import { dot } from './vector.ts';

const log = pino({ level: 'silent' });
// One model for the file: loading it costs a worker start and ~250 MB.
const embedder = new UseLiteEmbedder({ timeoutMs: 30_000, log });
afterAll(() => embedder.close());

const pairs: [string, string][] = [
  ['How do I reset my password?', 'I forgot my password, how can I change it?'],
  ['The weather is lovely today.', "It's a beautiful sunny day outside."],
  ['Can you recommend a good pasta recipe?', 'What is a nice way to cook spaghetti?'],
  ['My laptop battery drains very quickly.', 'The battery on my notebook runs out fast.'],
];

describe('UseLiteEmbedder', () => {
  it('returns one unit-length 512-d vector per text, in input order, the same every time', async () => {
    const texts = ['a much longer sentence about gardening and tomatoes in the summer', 'hi', 'what time is it'];
    const vectors = await embedder.embed(texts);
    expect(embedder.id).toBe('use-lite-512');
    expect(vectors.map((v) => v.length)).toEqual([512, 512, 512]);
    for (const v of vectors) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 4);
    // Embedded alone (no re-ordering, no batch-mates) each text gets the same vector back.
    for (const [i, text] of texts.entries()) {
      const [alone] = await embedder.embed([text]);
      expect(dot(alone!, vectors[i]!)).toBeCloseTo(1, 5);
    }
  });

  it('places paraphrases closer than unrelated sentences', async () => {
    const vectors = await embedder.embed(pairs.flat());
    for (let i = 0; i < pairs.length; i++) {
      const paraphrase = dot(vectors[2 * i]!, vectors[2 * i + 1]!);
      for (let j = 0; j < pairs.length; j++) {
        if (j !== i) expect(paraphrase).toBeGreaterThan(dot(vectors[2 * i]!, vectors[2 * j + 1]!) + 0.1);
      }
    }
  });

  it('cuts very long texts before embedding them', async () => {
    const long = 'The migration rewrote every index in the database overnight. '.repeat(100);
    expect(long.length).toBeGreaterThan(USE_LITE_MAX_CHARS);
    const cut = truncateText(long, USE_LITE_MAX_CHARS);
    expect(cut.length).toBeLessThanOrEqual(USE_LITE_MAX_CHARS);
    expect(long.startsWith(cut)).toBe(true);
    const [a, b] = await embedder.embed([long, cut]);
    expect(dot(a!, b!)).toBeCloseTo(1, 5);
  });

  it('keeps the main thread responsive while it embeds', async () => {
    const texts = Array.from({ length: 32 }, (_, i) => `Message ${i}: ${'we discussed the deployment plan and the rollback steps. '.repeat(3)}`);
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    await embedder.embed(texts);
    clearInterval(timer);
    const elapsed = performance.now() - started;
    // Inline, the one 32-text batch would block the loop for about all of `elapsed`; the margin
    // absorbs scheduling noise when other processes share the cores.
    expect(elapsed).toBeGreaterThan(100);
    expect(longestGap).toBeLessThan(Math.max(50, elapsed / 3));
  });

  it('reports health before and after loading', async () => {
    const fresh = new UseLiteEmbedder({ timeoutMs: 30_000, log });
    expect(await fresh.health()).toEqual({ ok: true, detail: 'use-lite-512 installed; loads on first use' });
    expect((await embedder.health()).detail).toMatch(/^use-lite-512 loaded in \d+ ms; \d+ texts embedded$/);
    await fresh.close();
    expect(await fresh.health()).toEqual({ ok: false, detail: 'closed' });
    const error = await fresh.embed(['x']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EmbeddingError);
    expect((error as EmbeddingError).code).toBe('EMBEDDER_UNAVAILABLE');
  });

  it('fails with EMBEDDER_TIMEOUT when loading or a batch overruns the timeout, and says so in health', async () => {
    const slow = new UseLiteEmbedder({ timeoutMs: 1, log });
    try {
      const error = await slow.embed(['a sentence that takes more than a millisecond to embed']).catch((caught: unknown) => caught);
      expect((error as EmbeddingError).code).toBe('EMBEDDER_TIMEOUT');
      const health = await slow.health();
      expect(health.ok).toBe(false);
      expect(health.detail).toContain('EMBEDDER_TIMEOUT');
    } finally {
      await slow.close();
    }
  });

  it('rejects with the abort reason when the caller gives up', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(embedder.embed(['x'], controller.signal)).rejects.toThrow('cancelled');
  });
});

describe('truncateText', () => {
  it('cuts at a word boundary near the limit, or hard when there is none', () => {
    expect(truncateText('short', 10)).toBe('short');
    expect(truncateText('alpha beta gamma delta epsilon', 18)).toBe('alpha beta gamma');
    expect(truncateText('x'.repeat(30), 10)).toBe('x'.repeat(10));
  });
});
