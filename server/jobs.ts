import { EventEmitter, on } from 'node:events';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { z } from 'zod';
import { NotFoundError } from './errors.ts';
import type { AppServices } from './services.ts';
import { Foreground, inSlices } from './foreground.ts';

/** What a running task receives besides its payload. */
export interface JobContext {
  jobId: string;
  attempt: number;
  maxAttempts: number;
  log: Logger;
  /** Reports progress that watchers see: a step name, optional percent and message. */
  progress(step: string, percent?: number, message?: string): Promise<void>;
  /** Aborted when the worker shuts down: long tasks should stop and let the retry resume. */
  signal: AbortSignal;
  /** Every module's service (a task calls its own module's service). */
  services: AppServices;
}

/** One task: a zod payload schema and an idempotent run function (graphile-worker retries on throw). */
export interface JobDefinition<T = unknown> {
  payload: z.ZodType<T>;
  run(payload: T, ctx: JobContext): Promise<unknown>;
  /** Attempts before the job is marked failed (default 5, exponential backoff). */
  maxAttempts?: number;
}
/** A task of any payload type, as the registry holds it (the wrapper validates before calling). */
export interface AnyJobDefinition {
  payload: z.ZodType;
  run(payload: never, ctx: JobContext): Promise<unknown>;
  maxAttempts?: number;
}
export type JobDefinitions = Record<string, AnyJobDefinition>;

/** Declares a task with its payload type inferred from the schema. */
export function defineJob<T>(definition: JobDefinition<T>): JobDefinition<T> {
  return definition;
}

export const jobState = z.enum(['queued', 'running', 'retrying', 'done', 'failed']);
export type JobState = z.infer<typeof jobState>;

/** A job's status as callers see it. */
export const jobStatus = z.object({
  id: z.string(),
  task: z.string(),
  state: jobState,
  step: z.string().nullable(),
  percent: z.number().nullable(),
  message: z.string().nullable(),
  attempts: z.number(),
  maxAttempts: z.number(),
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  result: z.unknown().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type JobStatus = z.infer<typeof jobStatus>;

export const TERMINAL_STATES: readonly JobState[] = ['done', 'failed'];

interface JobRow {
  id: string;
  task: string;
  owner_id: string | null;
  state: JobState;
  step: string | null;
  percent: number | null;
  message: string | null;
  attempts: number;
  max_attempts: number;
  error: string | null;
  error_code: string | null;
  result: unknown;
  created_at: Date | string;
  updated_at: Date | string;
}

function toStatus(row: JobRow): JobStatus {
  return {
    id: String(row.id),
    task: row.task,
    state: row.state,
    step: row.step,
    percent: row.percent === null ? null : Number(row.percent),
    message: row.message,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    error: row.error,
    errorCode: row.error_code,
    result: row.result ?? null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** Options of one enqueue. */
export interface EnqueueOptions {
  /** The user the job works for: only they (and admins) may watch it. */
  ownerId?: string | null;
  /** De-duplicates: a pending job with the same key is replaced, not doubled. */
  jobKey?: string;
  /** `replace` (default): the pending job takes the new payload and run time. `preserve_run_at`: it keeps its run time (a steady stream of enqueues cannot postpone it). */
  jobKeyMode?: 'replace' | 'preserve_run_at';
  runAt?: Date;
  maxAttempts?: number;
  priority?: number;
}

/**
 * Enqueues graphile-worker jobs in SQL on the caller's own connection (atomic with the caller's
 * transaction; the embedded database serves one transaction at a time) and keeps a status row
 * per job in `vivim_job` that survives the job's completion.
 */
export class JobQueue {
  /** Requests people are waiting for (marked by the HTTP layer); see `yieldToRequests`. */
  readonly foreground = new Foreground();
  private readonly updates = new EventEmitter();
  private held = 0;
  private readonly definitions: JobDefinitions;
  private readonly em: () => EntityManager;
  private readonly log: Logger;

  constructor(options: { definitions: JobDefinitions; em: () => EntityManager; log: Logger }) {
    this.definitions = options.definitions;
    this.em = options.em;
    this.log = options.log;
    this.updates.setMaxListeners(1000);
  }

  /**
   * Background work that runs in slices (indexing, ACUs, imports) calls this before each slice's
   * transaction: it waits while requests are in flight (at most a second), so a search during an
   * import waits for one slice at most instead of queueing behind them.
   */
  yieldToRequests(): Promise<number> {
    return this.foreground.clear();
  }

  /** Runs `work` over `ids` in slices of about 100 ms each (at most `max` ids), yielding to requests before each (`inSlices`). */
  inSlices<T>(ids: readonly string[], work: (slice: string[]) => Promise<T>, options: { max: number; budgetMs?: number }): Promise<T[]> {
    return inSlices(ids, work, { ...options, foreground: this.foreground });
  }

  /** Names of every registered task. */
  tasks(): string[] {
    return Object.keys(this.definitions);
  }

  /**
   * Adds a job and returns its id. Pass the EntityManager of an open transaction to make the
   * job part of it (rolled back with it).
   */
  async enqueue(task: string, payload: unknown, options: EnqueueOptions = {}, em: EntityManager = this.em()): Promise<{ jobId: string }> {
    const definition = this.definitions[task];
    if (!definition) throw new Error(`Unknown job task '${task}'`);
    const maxAttempts = options.maxAttempts ?? definition.maxAttempts ?? 5;
    const rows = await em.execute<{ id: string }[]>(
      `select (graphile_worker.add_job(?, ?::json, run_at => ?, max_attempts => ?, job_key => ?, priority => ?, job_key_mode => ?)).id::text as id`,
      [task, JSON.stringify(payload ?? {}), options.runAt ?? null, maxAttempts, options.jobKey ?? null, options.priority ?? 0, options.jobKeyMode ?? 'replace'],
    );
    const jobId = rows[0]?.id;
    if (!jobId) throw new Error('graphile_worker.add_job returned no id');
    await em.execute(
      `insert into vivim_job (id, task, owner_id, state, attempts, max_attempts, created_at, updated_at)
       values (?, ?, ?, 'queued', 0, ?, now(), now())
       on conflict (id) do update set state = 'queued', error = null, updated_at = now()`,
      [jobId, task, options.ownerId ?? null, maxAttempts],
    );
    return { jobId };
  }

  /** Makes one owner's jobs of a task that wait for a later run time due now (parked follow-ups). */
  async release(task: string, ownerId: string): Promise<number> {
    const rows = await this.em().execute<{ n: number }[]>(
      `select count(*)::int as n from graphile_worker.reschedule_jobs(array(
         select j.id from graphile_worker.jobs j join vivim_job v on v.id = j.id
         where j.task_identifier = ? and j.run_at > now() and j.locked_at is null and v.owner_id = ?), run_at => now())`,
      [task, ownerId],
    );
    return rows[0]?.n ?? 0;
  }

  /** A job's status; NOT_FOUND for another user's job (unless `ownerId` is null: admin view). */
  async get(jobId: string, ownerId: string | null): Promise<JobStatus> {
    if (!/^\d{1,19}$/.test(jobId)) throw new NotFoundError('JOB_NOT_FOUND', { jobId });
    const rows = await this.em().execute<JobRow[]>(`select * from vivim_job where id = ?`, [jobId]);
    const row = rows[0];
    if (!row || (ownerId !== null && row.owner_id !== ownerId)) throw new NotFoundError('JOB_NOT_FOUND', { jobId });
    return toStatus(row);
  }

  /**
   * Jobs queued (now or later) or running, plus work held in memory before it is enqueued; jobs that
   * failed for good are not counted. With `dueWithinMs`, queued jobs count only when due by then
   * (a retry backing off for an hour is not work in progress).
   */
  async pendingCount(options: { dueWithinMs?: number } = {}): Promise<number> {
    const due = options.dueWithinMs === undefined ? '' : ` and run_at <= now() + make_interval(secs => ${Math.max(0, Math.round(options.dueWithinMs)) / 1000})`;
    const rows = await this.em().execute<{ n: number }[]>(`select count(*)::int as n from graphile_worker.jobs where (attempts < max_attempts${due}) or locked_at is not null`);
    return (rows[0]?.n ?? 0) + this.held;
  }

  /**
   * Marks work that will become a job shortly (e.g. events batched for a few hundred ms) so that
   * `pendingCount` (and /ready?idle=1) does not report idle meanwhile. Returns the release function.
   */
  hold(): () => void {
    this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
    };
  }

  /** Recent jobs, newest first (admin view). */
  async list(limit: number): Promise<JobStatus[]> {
    const rows = await this.em().execute<JobRow[]>(`select * from vivim_job order by created_at desc, id desc limit ?`, [limit]);
    return rows.map(toStatus);
  }

  /**
   * Yields the job's status now and after every change until it is done or failed. Updates from
   * this process arrive at once; from worker processes elsewhere, by polling.
   */
  async *watch(jobId: string, ownerId: string | null, signal?: AbortSignal): AsyncGenerator<JobStatus> {
    let last = await this.get(jobId, ownerId);
    yield last;
    while (!TERMINAL_STATES.includes(last.state) && !signal?.aborted) {
      const waiter = new AbortController();
      const onAbort = () => waiter.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => waiter.abort(), 500);
      try {
        for await (const _ of on(this.updates, jobId, { signal: waiter.signal })) break;
      } catch {
        // Timeout or caller abort: fall through to a fresh read.
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
      if (signal?.aborted) return;
      const next = await this.get(jobId, ownerId);
      if (next.updatedAt.getTime() !== last.updatedAt.getTime() || next.state !== last.state || next.step !== last.step) {
        last = next;
        yield last;
      }
    }
  }

  /** Records a state change (used by the worker's task wrapper). */
  async update(
    jobId: string,
    patch: Partial<{ state: JobState; step: string | null; percent: number | null; message: string | null; attempts: number; error: string | null; errorCode: string | null; result: unknown }>,
  ): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const columns: Record<string, string> = { state: 'state', step: 'step', percent: 'percent', message: 'message', attempts: 'attempts', error: 'error', errorCode: 'error_code', result: 'result' };
    for (const [key, column] of Object.entries(columns)) {
      if (key in patch) {
        sets.push(`${column} = ?${key === 'result' ? '::jsonb' : ''}`);
        const value = patch[key as keyof typeof patch];
        params.push(key === 'result' ? JSON.stringify(value ?? null) : value);
      }
    }
    if (sets.length === 0) return;
    // clock_timestamp(): several updates inside one transaction still get distinct times.
    await this.em().execute(`update vivim_job set ${sets.join(', ')}, updated_at = clock_timestamp() where id = ?`, [...params, jobId]);
    this.updates.emit(jobId);
  }

  /** Waits until a job is done or failed (tests, CLI). */
  async waitFor(jobId: string, timeoutMs = 30_000): Promise<JobStatus> {
    const signal = AbortSignal.timeout(timeoutMs);
    let last: JobStatus | undefined;
    for await (const status of this.watch(jobId, null, signal)) last = status;
    if (!last || !TERMINAL_STATES.includes(last.state)) {
      throw new Error(`job ${jobId} did not finish within ${timeoutMs} ms (state ${last?.state ?? 'unknown'})`);
    }
    this.log.debug({ jobId, state: last.state }, 'job finished');
    return last;
  }
}
