import { describe, expect, it } from 'vitest';
import { followUpAt } from './import.ts';

describe('followUpAt', () => {
  const now = 1_000_000;
  it('waits for the rest of the import at the rate read so far, at most a minute', () => {
    // Nothing read yet, or the file read to its end: half a second.
    expect(followUpAt({ read: 0, total: 1000 }, 0, now).getTime()).toBe(now + 500);
    expect(followUpAt({ read: 1000, total: 1000 }, 4000, now).getTime()).toBe(now + 500);
    // A quarter read in 2 s: 6 s to go.
    expect(followUpAt({ read: 250, total: 1000 }, 2000, now).getTime()).toBe(now + 6500);
    // A 1 GB export barely started: capped.
    expect(followUpAt({ read: 1e6, total: 1e9 }, 1000, now).getTime()).toBe(now + 60_000);
  });
});
