import type { Actor } from '#server/actor.ts';
import type { ModuleDeps } from '#server/module.ts';
import type { SelfTestInput, SystemOutput } from './schemas.ts';

/** System status and operational self-tests for administrators. */
export class AdminService {
  private readonly deps: ModuleDeps;

  constructor(deps: ModuleDeps) {
    this.deps = deps;
  }

  /** Versions, memory, database and worker state, modules, providers. */
  async system(): Promise<SystemOutput> {
    const { kernel, providers, jobs } = this.deps;
    return {
      version: kernel.version,
      node: process.version,
      uptimeSeconds: Math.round((Date.now() - kernel.startedAt.getTime()) / 1000),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
      database: kernel.database,
      databaseReady: await kernel.databaseReady(),
      workerRunning: kernel.workerRunning(),
      modules: [...kernel.modules],
      jobTasks: jobs.tasks(),
      providers: providers.status().map((s) => ({ id: s.id, source: s.source, loaded: s.loaded, error: s.error })),
    };
  }

  /** Newest audit events. */
  audit(limit: number) {
    return this.deps.audit.list(limit);
  }

  /** Enqueues a job that sleeps and reports progress: proves the worker end to end. */
  selfTest(actor: Actor, input: SelfTestInput): Promise<{ jobId: string }> {
    return this.deps.jobs.enqueue('admin.selfTest', input, { ownerId: actor.via === 'local' ? null : actor.userId, maxAttempts: input.maxAttempts });
  }
}
