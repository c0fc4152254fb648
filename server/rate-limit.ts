import { RateLimitedError } from './errors.ts';

/**
 * Fixed one-minute windows per key, in memory. Enough for one process; several app processes
 * each keep their own count (documented limit, not a correctness issue for auth throttling).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Counts one attempt for `key`; throws RateLimitedError past `perMinute`. */
  hit(key: string, perMinute: number): void {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= 60_000) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
      if (this.windows.size > 10_000) this.sweep(now);
    }
    window.count += 1;
    if (window.count > perMinute) {
      throw new RateLimitedError('RATE_LIMITED', Math.ceil((window.startedAt + 60_000 - now) / 1000));
    }
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.startedAt >= 60_000) this.windows.delete(key);
    }
  }
}
