import { describe, expect, it } from 'vitest';
import { BundleCache, cacheKey } from './cache.ts';
import type { CompileOutput } from './schemas.ts';

const bundle = (text: string): CompileOutput => ({ totalTokens: 1, budget: 100, intent: 'chat', model: null, tokenizer: 'o200k_base', cached: false, tookMs: 1, sections: [], text });

describe('BundleCache', () => {
  it('keys on the normalized input: whitespace does not matter, every option does', () => {
    const base = { prompt: 'hello  world ', budget: 2000, format: 'markdown' as const };
    expect(cacheKey(base, 'o200k_base')).toBe(cacheKey({ ...base, prompt: 'hello world' }, 'o200k_base'));
    expect(cacheKey({ ...base, layers: ['L6', 'L1'] }, 'o200k_base')).not.toBe(cacheKey(base, 'o200k_base'));
    expect(cacheKey({ ...base, layers: ['L6', 'L1'] }, 'x')).toBe(cacheKey({ ...base, layers: ['L1', 'L6', 'L1'] }, 'x'));
    for (const other of [{ ...base, budget: 2001 }, { ...base, format: 'xml' as const }, { ...base, conversationId: '00000000-0000-4000-8000-000000000000' }, { ...base, model: 'gpt-4' }]) {
      expect(cacheKey(other, 'o200k_base')).not.toBe(cacheKey(base, 'o200k_base'));
    }
    expect(cacheKey(base, 'cl100k_base')).not.toBe(cacheKey(base, 'o200k_base'));
  });

  it('invalidates one owner only, and refuses a result computed before the invalidation', () => {
    const cache = new BundleCache({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('alice', 'k', bundle('a'), cache.generation('alice'));
    cache.set('bob', 'k', bundle('b'), cache.generation('bob'));
    const started = cache.generation('alice');
    cache.invalidate('alice');
    expect(cache.get('alice', 'k')).toBeUndefined();
    expect(cache.get('bob', 'k')?.text).toBe('b');
    cache.set('alice', 'k', bundle('stale'), started);
    expect(cache.get('alice', 'k')).toBeUndefined();
    cache.set('alice', 'k', bundle('fresh'), cache.generation('alice'));
    expect(cache.get('alice', 'k')?.text).toBe('fresh');
  });

  it('evicts the least recently used bundle and expires old ones', () => {
    const cache = new BundleCache({ maxEntries: 2, ttlMs: 60_000 });
    cache.set('u', 'a', bundle('a'), 0);
    cache.set('u', 'b', bundle('b'), 0);
    cache.get('u', 'a');
    cache.set('u', 'c', bundle('c'), 0);
    expect(cache.get('u', 'b')).toBeUndefined();
    expect(cache.get('u', 'a')?.text).toBe('a');
    const expired = new BundleCache({ maxEntries: 2, ttlMs: -1 });
    expired.set('u', 'a', bundle('a'), 0);
    expect(expired.get('u', 'a')).toBeUndefined();
  });
});
