import { afterAll, describe, expect, it } from 'vitest';
import { migrationsList } from '#database/migrations/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { patchSocketServer } from '#database/pglite-socket-patch.ts';
import { modules } from '#server/composition.ts';
import { createLogger } from '#server/logger.ts';
import { startRuntime, StartupError } from '#server/runtime.ts';
import { startTestServer, testConfig } from '../../helpers/server.ts';

// These tests exercise the DATABASE_URL path (an external PostgreSQL reached over the network).
// No PostgreSQL with pgvector can be installed on these machines, so the "external" server is a
// PGlite served over the wire protocol on loopback: with and without its pgvector extension.

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function externalPostgres(withExtensions: boolean): Promise<string> {
  const db = await PGlite.create(withExtensions ? { extensions: { vector, pg_trgm } } : {});
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
  patchSocketServer(server);
  await server.start();
  cleanups.push(async () => {
    await server.stop();
    await db.close();
  });
  return `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
}

function scratchDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vivim-external-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('DATABASE_URL', () => {
  it('refuses a PostgreSQL without pgvector with a message that says how to fix it', async () => {
    const config = testConfig(scratchDir(), { DATABASE_URL: await externalPostgres(false) });
    const attempt = startRuntime({ config, log: createLogger(config), modules, worker: false });
    await expect(attempt).rejects.toThrowError(StartupError);
    await expect(attempt).rejects.toThrowError(/has no pgvector extension\. Install pgvector .* or unset DATABASE_URL/);
  });

  it('reports an unreachable database clearly', async () => {
    const config = testConfig(scratchDir(), { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' });
    await expect(startRuntime({ config, log: createLogger(config), modules, worker: false })).rejects.toThrowError(/^Cannot connect to DATABASE_URL: /);
  });

  it('migrates and serves on an external database, and lets a second process share the data dir (scale-out)', async () => {
    const url = await externalPostgres(true);
    const dataDir = scratchDir();
    const server = await startTestServer({ dataDir, env: { DATABASE_URL: url } });
    cleanups.push(() => server.stop());
    expect((await server.call('GET', '/ready')).body).toMatchObject({ ready: true, database: 'external' });
    expect(server.server.runtime.migrationsApplied).toEqual(migrationsList.map((m) => m.name));
    await server.signUp('external@example.com');
    const config = testConfig(dataDir, { DATABASE_URL: url });
    const worker = await startRuntime({ config, log: createLogger(config), modules, worker: true });
    try {
      expect(worker.migrationsApplied).toEqual([]);
      // An external PostgreSQL runs its own autovacuum: VIVIM's upkeep is for the embedded one.
      expect(worker.maintenance).toBeNull();
      const { jobId } = await server.server.runtime.jobs.enqueue('admin.selfTest', { durationMs: 0 });
      expect((await server.server.runtime.jobs.waitFor(jobId, 30_000)).state).toBe('done');
    } finally {
      await worker.stop();
    }
  });
});
