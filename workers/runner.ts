import { Logger as WorkerLogger, run, runMigrations, type Runner, type Task, type TaskList } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from 'pino';
import { DomainError, PermanentJobError } from '#server/errors.ts';
import type { JobDefinitions, JobQueue } from '#server/jobs.ts';
import type { AppServices } from '#server/services.ts';

/** Bridges graphile-worker's logger to pino (its info chatter goes to debug). */
function workerLogger(log: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta };
    if (level === 'error') log.error(fields, message);
    else if (level === 'warning') log.warn(fields, message);
    else log.debug(fields, message);
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps every task: validates the payload, records state and progress, maps permanent failures. */
export function buildTaskList(definitions: JobDefinitions, queue: JobQueue, log: Logger, shutdown: AbortSignal, services: AppServices): TaskList {
  const tasks: TaskList = {};
  for (const [name, definition] of Object.entries(definitions)) {
    const task: Task = async (payload, helpers) => {
      const jobId = String(helpers.job.id);
      const attempt = helpers.job.attempts;
      const maxAttempts = helpers.job.max_attempts;
      const jobLog = log.child({ job: name, jobId });
      const parsed = definition.payload.safeParse(payload);
      if (!parsed.success) {
        const error = `invalid payload: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`;
        jobLog.error({ error }, 'job payload rejected');
        await queue.update(jobId, { state: 'failed', attempts: attempt, error, errorCode: 'JOB_INVALID_PAYLOAD' });
        return;
      }
      await queue.update(jobId, { state: 'running', attempts: attempt, error: null, errorCode: null });
      try {
        const result = await definition.run(parsed.data as never, {
          jobId,
          attempt,
          maxAttempts,
          log: jobLog,
          signal: shutdown,
          services,
          progress: (step, percent, message) => queue.update(jobId, { step, percent: percent ?? null, message: message ?? null }),
        });
        // A job cancelled while it ran keeps its cancelled state (the cancel came first).
        if ((await queue.get(jobId, null)).errorCode === 'CANCELLED') return;
        await queue.update(jobId, { state: 'done', result: result ?? null, percent: 100 });
      } catch (error) {
        if (error instanceof PermanentJobError) {
          jobLog.warn({ error: error.message }, 'job failed permanently');
          await queue.update(jobId, { state: 'failed', error: error.message, errorCode: error.code ?? null });
          return;
        }
        const final = attempt >= maxAttempts;
        jobLog.warn({ err: error, attempt, maxAttempts }, final ? 'job failed' : 'job will be retried');
        const code = error instanceof DomainError ? error.code : null;
        await queue.update(jobId, { state: final ? 'failed' : 'retrying', error: describe(error), errorCode: code });
        throw error;
      }
    };
    tasks[name] = task;
  }
  return tasks;
}

/** A running graphile-worker pool inside this process. */
export interface WorkerHandle {
  runner: Runner;
  /** Stops taking jobs, waits for running ones (aborting them after the deadline), closes the pool. */
  stop(): Promise<void>;
}

/** Installs or upgrades graphile-worker's schema. */
export async function migrateWorkerSchema(connectionString: string, log: Logger): Promise<void> {
  const pool = new pg.Pool({ connectionString, max: 1 });
  pool.on('error', (err) => log.error({ err }, 'worker database connection failed'));
  pool.on('connect', (client) => client.on('error', (err) => log.error({ err }, 'worker database client failed')));
  try {
    await runMigrations({ pgPool: pool, logger: workerLogger(log), noPreparedStatements: true });
  } finally {
    await pool.end();
  }
}

/** Starts graphile-worker with the modules' tasks. */
export async function startWorker(options: {
  connectionString: string;
  definitions: JobDefinitions;
  queue: JobQueue;
  log: Logger;
  concurrency: number;
  pollIntervalMs: number;
  services: AppServices;
}): Promise<WorkerHandle> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.concurrency + 2 });
  pool.on('error', (err) => options.log.error({ err }, 'worker database connection failed'));
  pool.on('connect', (client) => client.on('error', (err) => options.log.error({ err }, 'worker database client failed')));
  const shutdown = new AbortController();
  const runner = await run({
    pgPool: pool,
    taskList: buildTaskList(options.definitions, options.queue, options.log, shutdown.signal, options.services),
    concurrency: options.concurrency,
    pollInterval: options.pollIntervalMs,
    // One backend session behind the embedded database: named statements would collide.
    noPreparedStatements: true,
    noHandleSignals: true,
    logger: workerLogger(options.log),
    gracefulShutdownAbortTimeout: 5_000,
  });
  let stopped = false;
  return {
    runner,
    async stop() {
      if (stopped) return;
      stopped = true;
      const timer = setTimeout(() => shutdown.abort(), 4_000);
      try {
        await runner.stop();
      } finally {
        clearTimeout(timer);
        await pool.end();
      }
    },
  };
}
