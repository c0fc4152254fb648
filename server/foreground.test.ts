import { describe, expect, it, vi } from 'vitest';
import { Foreground, inSlices, LONG_MS } from './foreground.ts';

describe('Foreground', () => {
  it('lets background work through at once when no request is in flight', async () => {
    expect(await new Foreground().clear()).toBeLessThan(20);
  });

  it('holds background work until the last request in flight ends', async () => {
    const foreground = new Foreground();
    const first = foreground.enter();
    const second = foreground.enter();
    let cleared = false;
    const waiting = foreground.clear(5_000).then(() => (cleared = true));
    first();
    first(); // idempotent: the second request still counts
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cleared).toBe(false);
    second();
    await waiting;
    expect(cleared).toBe(true);
    expect(foreground.inFlight()).toBe(0);
  });

  it('never waits longer than asked, and stops counting a request open longer than LONG_MS (a stream)', async () => {
    const foreground = new Foreground();
    foreground.enter();
    const waited = await foreground.clear(50);
    expect(waited).toBeGreaterThanOrEqual(45);
    expect(waited).toBeLessThan(1_000);
    vi.useFakeTimers({ now: Date.now() });
    try {
      const stream = new Foreground();
      stream.enter();
      const cleared = stream.clear(60_000);
      await vi.advanceTimersByTimeAsync(LONG_MS + 10);
      expect(await cleared).toBeLessThan(LONG_MS + 100);
      expect(stream.inFlight()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('inSlices', () => {
  it('covers every id once, in order, sizing slices to the time budget within [1, max]', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const sizes: number[] = [];
    const seen = (await inSlices(ids, async (slice) => {
      sizes.push(slice.length);
      await new Promise((resolve) => setTimeout(resolve, slice.length * 10)); // 10 ms an id
      return slice;
    }, { foreground: new Foreground(), budgetMs: 50, start: 2, max: 25 })).flat();
    expect(seen).toEqual(ids);
    expect(sizes[0]).toBe(2);
    // ~10 ms an id against a 50 ms budget: slices settle around 5 (timers may run late, never early).
    expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(5);
    expect(sizes.length).toBeGreaterThanOrEqual(8);
  });

  it('waits for requests in flight before each slice', async () => {
    const foreground = new Foreground();
    const events: string[] = [];
    const leave = foreground.enter();
    const run = inSlices(['a', 'b'], async (slice) => void events.push(`slice ${slice.join()}`), { foreground, max: 1 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    events.push('request ends');
    leave();
    await run;
    expect(events).toEqual(['request ends', 'slice a', 'slice b']);
  });
});
