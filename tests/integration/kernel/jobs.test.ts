import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '#server/app-router.ts';
import { freshDataDir, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
let key: string;
beforeAll(async () => {
  t = await startTestServer();
  const admin = await t.signUp('ops@example.com');
  key = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: admin.cookie, body: { scopes: ['read', 'write', 'admin'] } })).body.key;
});
afterAll(() => t?.dispose());

/** A job status as it crosses the wire (dates as ISO strings). */
type WatchedStatus = { state: string; percent: number | null; result?: unknown };

function client(url: string, bearer: string) {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          EventSource,
          eventSourceOptions: () => ({ fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${bearer}` } }) }),
        }),
        false: httpBatchLink({ url: `${url}/trpc`, headers: { authorization: `Bearer ${bearer}` } }),
      }),
    ],
  });
}

describe('jobs', () => {
  it('returns a job id and streams progress until done (tRPC subscription over SSE)', async () => {
    const api = client(t.url, key);
    const { jobId } = await api.admin.selfTest.mutate({ durationMs: 500 });
    expect(jobId).toMatch(/^\d+$/);
    const seen = await new Promise<WatchedStatus[]>((resolve, reject) => {
      const statuses: WatchedStatus[] = [];
      const subscription = api.jobs.watch.subscribe(
        { id: jobId },
        {
          onData: (status) => {
            statuses.push(status);
            if (status.state === 'done' || status.state === 'failed') {
              subscription.unsubscribe();
              resolve(statuses);
            }
          },
          onError: reject,
        },
      );
    });
    expect(seen.at(-1)).toMatchObject({ state: 'done', percent: 100, result: { attempts: 1 } });
    expect(seen.some((s) => s.state === 'running' && s.percent !== null && s.percent < 100)).toBe(true);
    const percents = seen.map((s) => s.percent ?? 0);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
  });

  it('retries a failing job with backoff and records the attempts', async () => {
    const { jobId } = (await t.call('POST', '/api/admin/self-test', { bearer: key, body: { failTimes: 1, maxAttempts: 3 } })).body;
    const status = await t.server.runtime.jobs.waitFor(jobId, 30_000);
    expect(status).toMatchObject({ state: 'done', attempts: 2, error: null });
  });

  it('marks a job failed after its last attempt, with the error', async () => {
    const { jobId } = (await t.call('POST', '/api/admin/self-test', { bearer: key, body: { failTimes: 5, maxAttempts: 1 } })).body;
    const status = await t.server.runtime.jobs.waitFor(jobId, 30_000);
    expect(status).toMatchObject({ state: 'failed', attempts: 1, error: 'self-test failing on purpose (attempt 1)' });
  });

  it('completes an invalid payload as failed instead of retrying it', async () => {
    const { jobId } = await t.server.runtime.jobs.enqueue('admin.selfTest', { durationMs: 'soon' });
    const status = await t.server.runtime.jobs.waitFor(jobId, 30_000);
    expect(status.state).toBe('failed');
    expect(status.error).toMatch(/^invalid payload: durationMs/);
  });
});

describe('graceful shutdown', () => {
  it('stops within 10 s while a job runs, letting the job finish, and the next start is clean', async () => {
    const dataDir = freshDataDir();
    const server = await startTestServer({ dataDir });
    const { jobId } = await server.server.runtime.jobs.enqueue('admin.selfTest', { durationMs: 2000 });
    const deadline = Date.now() + 10_000;
    while ((await server.server.runtime.jobs.get(jobId, null)).state !== 'running') {
      if (Date.now() > deadline) throw new Error('job never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    const started = Date.now();
    await server.stop();
    const took = Date.now() - started;
    expect(took).toBeLessThan(10_000);
    const again = await startTestServer({ dataDir });
    try {
      const status = await again.server.runtime.jobs.waitFor(jobId, 30_000);
      expect(status.state).toBe('done');
      expect((await again.call('GET', '/ready')).body).toMatchObject({ ready: true, worker: true, database: 'embedded' });
    } finally {
      await again.dispose();
    }
  });
});

describe('enqueueing inside a transaction', () => {
  it('commits the job with the data and rolls it back with it', async () => {
    const { orm, jobs } = t.server.runtime;
    let rolledBackId = '';
    await expect(
      orm.em.fork().transactional(async (tx) => {
        rolledBackId = (await jobs.enqueue('admin.selfTest', { durationMs: 0 }, {}, tx)).jobId;
        throw new Error('abort the transaction');
      }),
    ).rejects.toThrowError('abort the transaction');
    await expect(jobs.get(rolledBackId, null)).rejects.toThrowError(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    const pending = await orm.em.fork().execute<{ n: string }[]>('select count(*)::text as n from graphile_worker.jobs where id = ?', [rolledBackId]);
    expect(pending[0]?.n).toBe('0');
    const committed = await orm.em.fork().transactional(async (tx) => (await jobs.enqueue('admin.selfTest', { durationMs: 0 }, {}, tx)).jobId);
    expect((await jobs.waitFor(committed, 30_000)).state).toBe('done');
  });
});
