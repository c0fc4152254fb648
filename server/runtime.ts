import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Logger } from 'pino';
import { ensureSecretKey, type Config } from '#config';
import { acquireDataDirLock, type DataDirLock } from '#database/data-dir-lock.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '#database/embedded.ts';
import { startMaintenance, type Maintenance } from '#database/maintenance.ts';
import { migrate, openOrm } from '#database/orm.ts';
import { loadProviders } from '#plugins/providers/loader.ts';
import type { ProviderRegistry } from '#plugins/providers/sdk/index.ts';
import { migrateWorkerSchema, startWorker, type WorkerHandle } from '#workers/runner.ts';
import { AuditLog } from './audit.ts';
import { providerSources } from './composition.ts';
import { EventBus } from './events.ts';
import { JobQueue, type JobDefinitions } from './jobs.ts';
import { kernelEntities } from './kernel-entities.ts';
import { orderModules, type KernelInfo, type ModuleDeps, type ModuleManifest, type RuntimeOverrides } from './module.ts';
import type { AppServices } from './services.ts';

/** A failure to start that a person can fix; the message says how. */
export class StartupError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
    this.code = code;
  }
}

export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Everything but HTTP: data dir, database, migrations, modules, services, jobs (and the worker). */
export interface Runtime {
  config: Config;
  log: Logger;
  orm: MikroORM;
  services: AppServices;
  jobs: JobQueue;
  events: EventBus;
  providers: ProviderRegistry;
  audit: AuditLog;
  secretKey: Buffer;
  kernel: KernelInfo;
  modules: readonly ModuleManifest[];
  /** The token the local CLI presents to this process (kept in `<dataDir>/cli.token`). */
  localToken: string;
  lock: DataDirLock;
  /** Migrations applied by this start (empty when the schema was current). */
  migrationsApplied: string[];
  worker: WorkerHandle | undefined;
  /** Vacuum/analyze upkeep of the embedded database (PGlite has no autovacuum); null with DATABASE_URL. */
  maintenance: Maintenance | null;
  /** Bytes of the embedded database's WebAssembly memory (part of this process's RSS); null with DATABASE_URL. */
  databaseMemoryBytes(): number | null;
  deps: ModuleDeps;
  /** Stops the worker, the modules, the ORM and the database, then releases the data dir. */
  stop(): Promise<void>;
}

async function checkExternalDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new StartupError('DATABASE_UNREACHABLE', `Cannot connect to DATABASE_URL: ${(error as Error).message}`, { cause: error });
  }
  try {
    const { rows } = await client.query<{ name: string }>(`select name from pg_available_extensions where name in ('vector', 'pg_trgm')`);
    const names = rows.map((r) => r.name);
    if (!names.includes('vector')) {
      throw new StartupError(
        'DATABASE_NO_PGVECTOR',
        'The PostgreSQL at DATABASE_URL has no pgvector extension. Install pgvector (e.g. the postgresql-<version>-pgvector package) or unset DATABASE_URL to use the embedded database.',
      );
    }
    if (!names.includes('pg_trgm')) {
      throw new StartupError('DATABASE_NO_PG_TRGM', 'The PostgreSQL at DATABASE_URL has no pg_trgm extension (postgresql-contrib).');
    }
  } finally {
    await client.end();
  }
}

/** Starts the runtime. With `worker: false` no jobs run here (CLI, or `VIVIM_WORKER=0`). */
export async function startRuntime(options: {
  config: Config;
  log: Logger;
  modules: readonly ModuleManifest[];
  worker?: boolean;
  overrides?: RuntimeOverrides;
  /** Upkeep timer of the embedded database (default on with it; its first check is 5 s after start). */
  maintenance?: boolean;
}): Promise<Runtime> {
  const { config, log } = options;
  const startedAt = new Date();
  const ordered = orderModules(options.modules);
  // Everything VIVIM writes (database files, keys, uploads, blobs) is private to its user.
  process.umask(0o077);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  // The embedded database belongs to one process: lock its data dir. With DATABASE_URL, any number
  // of app and worker processes may share the data dir (scale-out).
  const lock: DataDirLock = config.database.url ? { setUrl: () => undefined, release: () => undefined } : acquireDataDirLock(config.dataDir);
  const cleanup: (() => Promise<void> | void)[] = [() => lock.release()];
  const unwind = async () => {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch((err: unknown) => log.error({ err }, 'cleanup failed'));
  };
  try {
    const secretKey = ensureSecretKey(config);
    let embedded: EmbeddedDatabase | undefined;
    let url = config.database.url;
    if (url) {
      await checkExternalDatabase(url);
    } else {
      embedded = await startEmbeddedDatabase({ dataDir: config.dataDir, maxConnections: config.database.maxConnections, sharedBuffersMb: config.database.sharedBuffersMb });
      cleanup.push(() => embedded?.stop());
      url = embedded.url;
    }
    const entities = [...kernelEntities, ...ordered.flatMap((m) => m.entities ?? [])];
    const orm = await openOrm({ url, entities, poolMax: 4, log: log.child({ component: 'orm' }) });
    cleanup.push(() => orm.close());
    const applied = await migrate(orm);
    if (applied.length) log.info({ applied }, 'migrations applied');
    await migrateWorkerSchema(url, log.child({ component: 'worker' }));
    if (embedded) {
      // This process holds the data dir alone: any job still locked was running in a process that
      // died (kill -9, power loss). Unlock it now so it resumes, instead of after graphile-worker's 4 h.
      await orm.em.fork().execute(
        `select graphile_worker.force_unlock_workers(coalesce(array(select distinct locked_by from graphile_worker._private_jobs where locked_by is not null), '{}'::text[]))`,
      );
    }

    const providers = await loadProviders(providerSources(config), { log: log.child({ component: 'providers' }) });
    const em = () => orm.em.fork();
    const maintenance = embedded && options.maintenance !== false ? startMaintenance({ em, log: log.child({ component: 'database' }) }) : null;
    if (maintenance) cleanup.push(() => maintenance.stop());
    const definitions: JobDefinitions = Object.assign({}, ...ordered.map((m) => m.jobs ?? {}));
    const jobs = new JobQueue({ definitions, em, log: log.child({ component: 'jobs' }) });
    const events = new EventBus(log.child({ component: 'events' }));
    const audit = new AuditLog(em, log.child({ component: 'audit' }));
    let worker: WorkerHandle | undefined;
    const kernel: KernelInfo = {
      startedAt,
      version: VERSION,
      modules: ordered.map((m) => m.name),
      database: embedded ? 'embedded' : 'external',
      workerRunning: () => worker !== undefined,
      databaseReady: async () => {
        try {
          await em().execute('select 1');
          return true;
        } catch {
          return false;
        }
      },
    };
    const services: Partial<AppServices> = {};
    const deps: ModuleDeps = { orm, em, log, config, services, jobs, events, providers, secretKey, audit, kernel, overrides: options.overrides ?? {} };
    for (const module of ordered) {
      Object.assign(services, module.services?.({ ...deps, log: log.child({ module: module.name }) }) ?? {});
    }
    if (!services.authenticator) throw new StartupError('MODULE_NO_AUTHENTICATOR', 'No module provides the authenticator service (is the auth module loaded?)');
    const started: ModuleManifest[] = [];
    cleanup.push(async () => {
      for (const module of started.reverse()) await module.onStop?.({ ...deps, log: log.child({ module: module.name }) });
    });
    for (const module of ordered) {
      await module.onStart?.({ ...deps, log: log.child({ module: module.name }) });
      started.push(module);
    }
    if (options.worker ?? config.worker.inProcess) {
      worker = await startWorker({
        connectionString: url,
        definitions,
        queue: jobs,
        log: log.child({ component: 'worker' }),
        concurrency: config.worker.concurrency,
        pollIntervalMs: config.worker.pollIntervalMs,
        services: services as AppServices,
      });
      cleanup.push(async () => {
        await worker?.stop();
        worker = undefined;
      });
    }
    const localToken = `vivim_local_${randomBytes(32).toString('base64url')}`;
    const tokenFile = path.join(config.dataDir, 'cli.token');
    writeFileSync(tokenFile, localToken, { mode: 0o600 });
    cleanup.push(() => rmSync(tokenFile, { force: true }));

    let stopping: Promise<void> | undefined;
    return {
      config,
      log,
      orm,
      services: services as AppServices,
      jobs,
      events,
      providers,
      audit,
      secretKey,
      kernel,
      modules: ordered,
      localToken,
      lock,
      migrationsApplied: applied,
      get worker() {
        return worker;
      },
      maintenance,
      databaseMemoryBytes: () => embedded?.memoryBytes() ?? null,
      deps,
      stop() {
        stopping ??= unwind();
        return stopping;
      },
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
