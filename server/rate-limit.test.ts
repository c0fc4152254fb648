import { describe, expect, it } from 'vitest';
import { RateLimitedError } from './errors.ts';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('allows perMinute hits per key, then refuses until the window ends', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 3; i++) limiter.hit('k', 3);
    expect(() => limiter.hit('k', 3)).toThrowError(RateLimitedError);
    limiter.hit('other', 3);
    now = 60_000;
    expect(() => limiter.hit('k', 3)).not.toThrow();
  });
});
