import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { makeWorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { DataDirLockedError } from '#database/data-dir-lock.ts';
import { migrate } from '#database/orm.ts';
import { modules } from '#server/composition.ts';
import { createLogger } from '#server/logger.ts';
import { startRuntime } from '#server/runtime.ts';
import { AuthUser } from '#modules/auth/entities.ts';
import { freshDataDir, startTestServer, testConfig } from '../../helpers/server.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = freshDataDir();
  dirs.push(dir);
  return dir;
}

describe('embedded database', () => {
  it('keeps data across a restart of the server', async () => {
    const dir = dataDir();
    const first = await startTestServer({ dataDir: dir });
    await first.signUp('keeper@example.com');
    await first.stop();
    const second = await startTestServer({ dataDir: dir });
    try {
      const signIn = await second.call('POST', '/api/v1/auth/sign-in', { body: { email: 'keeper@example.com', password: 'correct horse battery staple' } });
      expect(signIn.status).toBe(200);
      expect(second.server.runtime.migrationsApplied).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('refuses a second process on the same data dir with a clear error', async () => {
    const dir = dataDir();
    const holder = await startTestServer({ dataDir: dir });
    try {
      const config = testConfig(dir);
      const attempt = startRuntime({ config, log: createLogger(config), modules, worker: false });
      await expect(attempt).rejects.toThrowError(DataDirLockedError);
      await expect(attempt).rejects.toThrowError(`is in use by another VIVIM process (pid ${process.pid}, serving ${holder.url})`);
      expect((await holder.call('GET', '/ready')).status).toBe(200);
    } finally {
      await holder.stop();
    }
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = dataDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/vivim.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: new Date().toISOString() }));
    const server = await startTestServer({ dataDir: dir });
    await server.stop();
  });

  it('applies migrations idempotently and the entities match the migrated schema', async () => {
    const dir = dataDir();
    const config = testConfig(dir);
    const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: false });
    try {
      expect(await migrate(runtime.orm)).toEqual([]);
      expect(await migrate(runtime.orm)).toEqual([]);
      const executed = await runtime.orm.migrator.getExecuted();
      expect(executed.map((m) => m.name)).toContain('Migration20261126000000_foundation');
      const diff = await runtime.orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false });
      expect(diff.trim()).toBe('');
    } finally {
      await runtime.stop();
    }
  });

  it('answers a pgvector KNN query through the ORM connection', async () => {
    const dir = dataDir();
    const config = testConfig(dir);
    const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: false });
    try {
      const em = runtime.orm.em.fork();
      await em.execute('create temporary table knn_probe (id int primary key, embedding vector(3)) on commit preserve rows');
      await em.execute('create index on knn_probe using hnsw (embedding vector_cosine_ops)');
      await em.execute(`insert into knn_probe values (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]'), (4, '[0,0,1]')`);
      const rows = await em.execute<{ id: number; distance: number }[]>(`select id, embedding <=> '[1,0,0]' as distance from knn_probe order by embedding <=> '[1,0,0]' limit 2`);
      expect(rows.map((r) => r.id)).toEqual([1, 3]);
      expect(rows[0]?.distance).toBeCloseTo(0, 5);
      const trigram = await em.execute<{ s: number }[]>(`select similarity('conversation', 'convresation') as s`);
      expect(trigram[0]?.s).toBeGreaterThan(0.3);
      await em.execute('drop table knn_probe');
    } finally {
      await runtime.stop();
    }
  });
});

// Regression for electric-sql/pglite#1046 (see database/pglite-socket-patch.ts): without the patch,
// ORM transactions beside job enqueues failed with "unnamed prepared statement does not exist", then hung.
describe('pglite-socket under mixed ORM and job traffic', () => {
  it('runs 200 ORM writes, 200 reads, 50 job enqueues and 100 parameterized queries in parallel without an error', async () => {
    const server = await startTestServer({ dataDir: dataDir() });
    const { orm, jobs } = server.server.runtime;
    const url = (orm.config.get('clientUrl') as string);
    const pool = new pg.Pool({ connectionString: url, max: 3 });
    const utils = await makeWorkerUtils({ pgPool: pool });
    try {
      const started = Date.now();
      const writes = Array.from({ length: 200 }, (_, i) =>
        orm.em.fork().transactional(async (em) => {
          em.create(AuthUser, { id: crypto.randomUUID(), email: `load${i}@example.com`, name: `Load ${i}`, passwordHash: null, isAdmin: false, createdAt: new Date(), updatedAt: new Date() });
        }),
      );
      const reads = Array.from({ length: 200 }, (_, i) => orm.em.fork().find(AuthUser, { email: { $like: `load${i % 50}%` } }, { limit: 5 }));
      const enqueues = Array.from({ length: 25 }, () => jobs.enqueue('admin.selfTest', { durationMs: 0, failTimes: 0, maxAttempts: 1 }));
      // graphile-worker's own utils send parameterized (extended-protocol) queries on other connections.
      const utilsEnqueues = Array.from({ length: 25 }, () => utils.addJob('admin.selfTest', { durationMs: 0, failTimes: 0, maxAttempts: 1 }));
      const parameterized = Array.from({ length: 100 }, (_, i) => pool.query('select $1::int + $2::int as n', [i, 1]).then((r) => expect(r.rows[0].n).toBe(i + 1)));
      const results = await Promise.allSettled([...writes, ...reads, ...enqueues, ...utilsEnqueues, ...parameterized]);
      const failures = results.filter((r) => r.status === 'rejected');
      expect(failures.map((f) => String((f as PromiseRejectedResult).reason))).toEqual([]);
      expect(await orm.em.fork().count(AuthUser, { email: { $like: 'load%' } })).toBe(200);
      expect(Date.now() - started).toBeLessThan(30_000);
      const last = (results[424] as PromiseFulfilledResult<{ jobId: string }>).value.jobId;
      expect((await jobs.waitFor(last, 30_000)).state).toBe('done');
    } finally {
      await utils.release();
      await pool.end();
      await server.dispose();
    }
  });
});
