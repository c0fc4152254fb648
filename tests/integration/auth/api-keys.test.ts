import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
let admin: { cookie: string; userId: string };
let alice: { cookie: string; userId: string };
let bob: { cookie: string; userId: string };
beforeAll(async () => {
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
  admin = await t.signUp('admin@example.com');
  alice = await t.signUp('alice@example.com');
  bob = await t.signUp('bob@example.com');
});
afterAll(() => t?.dispose());

describe('API keys', () => {
  it('shows the key once, stores only its hash, and authenticates as its user', async () => {
    const created = await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'laptop' } });
    expect(created.status).toBe(200);
    expect(created.body.key).toMatch(/^vivim_[a-z2-7]{52}$/);
    const me = await t.call('GET', '/api/v1/auth/me', { bearer: created.body.key });
    expect(me.body.email).toBe('alice@example.com');
    const rows = await t.server.runtime.orm.em.fork().execute<{ key_hash: string }[]>('select key_hash from auth_api_key where id = ?', [created.body.id]);
    expect(rows[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.key_hash).not.toContain(created.body.key);
    const list = await t.call('GET', '/api/v1/auth/api-keys', { bearer: created.body.key });
    expect(list.body[0]).toMatchObject({ id: created.body.id, name: 'laptop', prefix: created.body.key.slice(0, 12) });
    expect(list.body[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
  });

  it('enforces scopes: a read key reads but cannot write, a capture key cannot read', async () => {
    const read = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { scopes: ['read'] } })).body.key;
    expect((await t.call('GET', '/api/v1/auth/api-keys', { bearer: read })).status).toBe(200);
    const write = await t.call('POST', '/trpc/auth.apiKeys.create', { bearer: read, body: { scopes: ['read'] } });
    expect(write.status).toBe(403);
    expect(write.body.error.data.vivimCode).toBe('AUTH_SCOPE_MISSING');
    const capture = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { scopes: ['capture:write'] } })).body.key;
    expect((await t.call('GET', '/api/v1/auth/me', { bearer: capture })).status).toBe(403);
  });

  it("refuses the admin scope to a non-admin's key and admin procedures to a non-admin", async () => {
    const refused = await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { scopes: ['admin'] } });
    expect(refused.status).toBe(403);
    expect((await t.call('GET', '/api/admin/users', { cookie: alice.cookie })).status).toBe(403);
    const adminKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: admin.cookie, body: { scopes: ['read', 'admin'] } })).body.key;
    const users = await t.call('GET', '/api/admin/users', { bearer: adminKey });
    expect(users.body.map((u: { email: string }) => u.email)).toEqual(['admin@example.com', 'alice@example.com', 'bob@example.com']);
    const plainAdminKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: admin.cookie, body: { scopes: ['read'] } })).body.key;
    expect((await t.call('GET', '/api/admin/users', { bearer: plainAdminKey })).status).toBe(403);
  });

  it('lets only a session or an admin-scoped key create keys: a write key cannot mint any, not even a narrower one', async () => {
    const write = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { scopes: ['read', 'write'] } })).body.key;
    const keys = async () => (await t.server.runtime.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from auth_api_key where user_id = ?', [alice.userId]))[0]?.n;
    const before = await keys();
    for (const scopes of [['read'], ['read', 'write'], ['capture:write'], ['admin']]) {
      const refused = await t.call('POST', '/api/v1/auth/api-keys', { bearer: write, body: { scopes } });
      expect([scopes, refused.status]).toEqual([scopes, 403]);
    }
    const refusedTrpc = await t.call('POST', '/trpc/auth.apiKeys.create', { bearer: write, body: { scopes: ['read'] } });
    expect(refusedTrpc.body.error.data.vivimCode).toBe('AUTH_SCOPE_NOT_ALLOWED');
    expect(await keys()).toBe(before);
    const adminKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: admin.cookie, body: { scopes: ['read', 'write', 'admin'] } })).body.key;
    const minted = await t.call('POST', '/api/v1/auth/api-keys', { bearer: adminKey, body: { scopes: ['read'] } });
    expect(minted.status).toBe(200);
    expect(minted.body.scopes).toEqual(['read']);
  });

  it('revokes: the key stops working at once', async () => {
    const created = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: {} })).body;
    const revoked = await t.call('DELETE', `/api/v1/auth/api-keys/${created.id}`, { cookie: alice.cookie });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await t.call('GET', '/api/v1/auth/me', { bearer: created.key });
    expect(after.status).toBe(401);
    expect((await t.call('GET', '/api/v1/auth/me', { bearer: 'vivim_not-a-real-key' })).status).toBe(401);
  });
});

describe('per-user isolation', () => {
  it("gives user B NOT_FOUND for user A's key and A's job", async () => {
    const aliceKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: {} })).body;
    const byBob = await t.call('DELETE', `/api/v1/auth/api-keys/${aliceKey.id}`, { cookie: bob.cookie });
    expect(byBob.status).toBe(404);
    expect((await t.call('GET', '/api/v1/auth/me', { bearer: aliceKey.key })).status).toBe(200);
    const bobKeys = await t.call('GET', '/api/v1/auth/api-keys', { cookie: bob.cookie });
    expect(bobKeys.body).toEqual([]);
    const { jobId } = await t.server.runtime.jobs.enqueue('admin.selfTest', { durationMs: 0, failTimes: 0, maxAttempts: 1 }, { ownerId: alice.userId });
    expect((await t.call('GET', `/api/v1/jobs/${jobId}`, { cookie: alice.cookie })).status).toBe(200);
    const bobJob = await t.call('GET', `/api/v1/jobs/${jobId}`, { cookie: bob.cookie });
    expect(bobJob.status).toBe(404);
    expect(bobJob.body.code).toBe('NOT_FOUND');
  });
});
