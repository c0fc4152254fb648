import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenizerLoaded } from '#modules/context/tokenizer.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.dispose());

const until = async (check: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 25));
  return check();
};

describe('tokenizer preload', () => {
  it('waits while jobs are queued (an import and its indexing), then loads the encoding', async () => {
    const { jobs, services } = t.server.runtime;
    const em = () => t.server.runtime.orm.em.fork();
    // Nothing else may be queued for this test to mean anything: start-up sweeps first.
    for (const end = Date.now() + 20_000; (await jobs.pendingCount()) > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    await jobs.enqueue('search.sweep', {}, { jobKey: 'preload-test', runAt: new Date(Date.now() + 3_600_000) });
    expect(tokenizerLoaded()).toBe(false);
    services.context.schedulePreload(20);
    expect(await until(tokenizerLoaded, 400)).toBe(false);
    await em().execute("select graphile_worker.remove_job('preload-test')");
    expect(await until(tokenizerLoaded, 5_000)).toBe(true);
  });
});
