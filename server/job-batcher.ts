import type { Logger } from 'pino';
import type { JobQueue } from './jobs.ts';

export interface JobBatcherOptions {
  jobs: JobQueue;
  log: Logger;
  /** The task enqueued with `{ ownerId, conversationIds }` (plus `payload`'s extra fields). */
  task: string;
  /** Most ids per job; this many gathered enqueue at once. */
  batch: number;
  /** How long requests are gathered before they are enqueued. */
  delayMs: number;
  /** graphile-worker priority (lower runs first; search indexing is 0). */
  priority?: number;
  /** Extra payload fields of every job. */
  payload?: Record<string, unknown>;
}

/**
 * Gathers per-conversation requests (an import produces thousands of events) for a moment and
 * enqueues them as one job per owner and batch. While requests are held in memory the job queue
 * does not report idle; if the process dies first, the module's start-up sweep finds the difference.
 */
export class JobBatcher {
  private readonly options: JobBatcherOptions;
  private readonly pending = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | null = null;
  private releaseHold: (() => void) | null = null;

  constructor(options: JobBatcherOptions) {
    this.options = options;
  }

  /** Queues one conversation of an owner (resolves once enqueued when the batch is full, at once otherwise). */
  add(ownerId: string, conversationId: string): Promise<void> {
    const set = this.pending.get(ownerId) ?? new Set<string>();
    set.add(conversationId);
    this.pending.set(ownerId, set);
    this.releaseHold ??= this.options.jobs.hold();
    let total = 0;
    for (const ids of this.pending.values()) total += ids.size;
    if (total >= this.options.batch) return this.flush();
    this.timer ??= setTimeout(() => void this.flush().catch((error: unknown) => this.options.log.error({ err: error, task: this.options.task }, 'could not queue gathered work')), this.options.delayMs);
    return Promise.resolve();
  }

  /** Enqueues everything gathered now. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batches = [...this.pending.entries()];
    this.pending.clear();
    const release = this.releaseHold;
    this.releaseHold = null;
    const { jobs, task, batch, priority, payload } = this.options;
    try {
      for (const [ownerId, ids] of batches) {
        const all = [...ids];
        for (let i = 0; i < all.length; i += batch) {
          await jobs.enqueue(task, { ...payload, ownerId, conversationIds: all.slice(i, i + batch) }, { ownerId, ...(priority === undefined ? {} : { priority }) });
        }
      }
    } finally {
      release?.();
    }
  }
}
