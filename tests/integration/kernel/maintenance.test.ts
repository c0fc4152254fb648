import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { modules } from '#server/composition.ts';
import { createLogger } from '#server/logger.ts';
import { startRuntime, type Runtime } from '#server/runtime.ts';
import { freshDataDir, testConfig } from '../../helpers/server.ts';

const PROBE = '"public"."upkeep_probe"';
let dir: string;
let runtime: Runtime;
beforeAll(async () => {
  dir = freshDataDir();
  const config = testConfig(dir);
  runtime = await startRuntime({ config, log: createLogger(config), modules, worker: false });
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const stats = async () => {
  const [row] = await runtime.orm.em.fork().execute<{ tuples: number; columns: number }[]>(
    `select c.reltuples::int as tuples, (select count(*)::int from pg_stats where tablename = 'upkeep_probe') as columns from pg_class c where c.oid = 'upkeep_probe'::regclass`,
  );
  return row!;
};
const probe = async () => (await runtime.maintenance!.runOnce()).tables.find((t) => t.table === PROBE);

describe('embedded database upkeep (PGlite has no autovacuum)', () => {
  it('analyzes a table that was never analyzed, vacuums one with many dead rows, and leaves a settled one alone', async () => {
    expect(runtime.maintenance).not.toBeNull();
    const em = runtime.orm.em.fork();
    await em.execute('create table upkeep_probe (id int primary key, body text not null)');
    try {
      await em.execute(`insert into upkeep_probe select i, 'row ' || i from generate_series(1, 5000) i`);
      expect(await stats()).toEqual({ tuples: -1, columns: 0 });

      const first = await probe();
      expect(first).toMatchObject({ analyze: true, reason: expect.stringMatching(/never analyzed/) });
      expect(await stats()).toEqual({ tuples: 5000, columns: 2 });
      expect(await probe()).toBeUndefined();

      await em.execute('delete from upkeep_probe where id > 1000');
      // The activity counters reach pg_stat at the end of a transaction (at most once a second).
      let upkeep = await probe();
      for (let i = 0; !upkeep && i < 20; i++) {
        await new Promise((r) => setTimeout(r, 250));
        upkeep = await probe();
      }
      expect(upkeep).toMatchObject({ vacuum: true, analyze: true, reason: expect.stringMatching(/4000 dead rows/) });
      expect((await stats()).tuples).toBe(1000);
      expect(await probe()).toBeUndefined();
    } finally {
      await em.execute('drop table upkeep_probe');
    }
  });

  it('is off when the process asks so', async () => {
    const other = freshDataDir();
    const config = testConfig(other);
    const quiet = await startRuntime({ config, log: createLogger(config), modules, worker: false, maintenance: false });
    try {
      expect(quiet.maintenance).toBeNull();
    } finally {
      await quiet.stop();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
