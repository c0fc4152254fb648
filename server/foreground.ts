/**
 * Requests a person is waiting for, so that background jobs let them through first.
 *
 * The embedded database runs one statement at a time and a transaction holds it to its commit:
 * while an import is being indexed, a search waited behind index and ACU transactions (p95 680 ms
 * at 200k messages). Jobs that work in slices call `clear()` before each slice's transaction:
 * while a request is in flight they wait for it (at most `maxWaitMs`, so background work never
 * starves), then run. A request then waits for at most the one slice already running.
 *
 * A request counts for `LONG_MS` at most: streams (SSE, subscriptions) and slow uploads stay open
 * far longer without using the database, and must not hold background work back.
 */
export const LONG_MS = 5_000;

export class Foreground {
  private readonly started = new Map<number, number>();
  private next = 0;
  private waiters: (() => void)[] = [];

  /** Marks a request as started; call the returned function when it ends (idempotent). */
  enter(): () => void {
    const id = this.next++;
    this.started.set(id, Date.now());
    return () => {
      if (!this.started.delete(id)) return;
      if (this.inFlight() === 0) this.wake();
    };
  }

  /** Requests in flight for less than `LONG_MS`. */
  inFlight(now = Date.now()): number {
    let n = 0;
    for (const at of this.started.values()) if (now - at < LONG_MS) n++;
    return n;
  }

  /** Resolves once no request is in flight, or after `maxWaitMs`; returns how long it waited (ms). */
  async clear(maxWaitMs = 1_000): Promise<number> {
    const begun = Date.now();
    while (this.inFlight() > 0) {
      const now = Date.now();
      const left = maxWaitMs - (now - begun);
      if (left <= 0) break;
      // Wake on the last request's end, or when the oldest one stops counting, or at the deadline.
      const oldest = Math.min(...[...this.started.values()].filter((at) => now - at < LONG_MS));
      const timeout = Math.max(1, Math.min(left, oldest + LONG_MS - now));
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== done);
          resolve();
        };
        const timer = setTimeout(done, timeout);
        this.waiters.push(done);
      });
    }
    return Date.now() - begun;
  }

  private wake(): void {
    for (const done of [...this.waiters]) done();
  }
}

/**
 * Runs `work` over `ids` in slices sized to take about `budgetMs` each (from `start` ids, at most
 * `max`), yielding to requests in flight before each slice: a slice is one read and one
 * transaction, and the database serves nothing else meanwhile. Returns the results in order.
 */
export async function inSlices<T>(
  ids: readonly string[],
  work: (slice: string[]) => Promise<T>,
  options: { foreground: Foreground; budgetMs?: number; start?: number; max: number },
): Promise<T[]> {
  const budget = options.budgetMs ?? 100;
  const results: T[] = [];
  let size = Math.min(options.start ?? 5, options.max);
  for (let i = 0; i < ids.length; ) {
    await options.foreground.clear();
    const slice = ids.slice(i, i + size);
    const began = performance.now();
    results.push(await work(slice));
    i += slice.length;
    const perId = (performance.now() - began) / slice.length;
    size = Math.max(1, Math.min(options.max, Math.floor(budget / Math.max(perId, 0.001))));
  }
  return results;
}
