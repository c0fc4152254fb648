import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthSession } from '#modules/auth/entities.ts';
import { PASSWORD, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
});
afterAll(() => t?.dispose());

describe('sign-up, sign-in, sign-out', () => {
  it('makes the first account an admin and sets an HttpOnly SameSite session cookie', async () => {
    const response = await t.call('POST', '/api/v1/auth/sign-up', { body: { email: 'First@Example.com', password: PASSWORD } });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ email: 'first@example.com', isAdmin: true });
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^vivim_session=[a-z2-7]{32};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    const second = await t.signUp('second@example.com');
    const me = await t.call('GET', '/api/v1/auth/me', { cookie: second.cookie });
    expect(me.body).toMatchObject({ email: 'second@example.com', isAdmin: false });
  });

  it('refuses a taken email, a short password and a malformed email with typed errors', async () => {
    const taken = await t.call('POST', '/api/v1/auth/sign-up', { body: { email: 'first@example.com', password: PASSWORD } });
    expect(taken.status).toBe(409);
    const short = await t.call('POST', '/trpc/auth.signUp', { body: { email: 'x@example.com', password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.error.data.issues).toEqual([{ path: 'password', message: 'use at least 10 characters' }]);
    const malformed = await t.call('POST', '/api/v1/auth/sign-up', { body: { email: 'not-an-email', password: PASSWORD } });
    expect(malformed.status).toBe(400);
  });

  it('signs in with the right password and refuses a wrong one with the same error as an unknown email', async () => {
    const ok = await t.call('POST', '/api/v1/auth/sign-in', { body: { email: 'first@example.com', password: PASSWORD } });
    expect(ok.status).toBe(200);
    const wrong = await t.call('POST', '/trpc/auth.signIn', { body: { email: 'first@example.com', password: 'wrong password!' } });
    const unknown = await t.call('POST', '/trpc/auth.signIn', { body: { email: 'nobody@example.com', password: 'wrong password!' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.data.vivimCode).toBe('AUTH_INVALID_CREDENTIALS');
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const { cookie } = await t.signUp('leaver@example.com');
    const out = await t.call('POST', '/api/v1/auth/sign-out', { cookie, body: {} });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/vivim_session=;/);
    const me = await t.call('GET', '/api/v1/auth/me', { cookie });
    expect(me.status).toBe(401);
  });

  it('signs out every other session but keeps the current one', async () => {
    await t.signUp('many@example.com');
    const a = await t.call('POST', '/api/v1/auth/sign-in', { body: { email: 'many@example.com', password: PASSWORD } });
    const b = await t.call('POST', '/api/v1/auth/sign-in', { body: { email: 'many@example.com', password: PASSWORD } });
    const cookieA = (a.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const cookieB = (b.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const sessions = await t.call('GET', '/api/v1/auth/sessions', { cookie: cookieA });
    expect(sessions.body).toHaveLength(3);
    expect(sessions.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const ended = await t.call('POST', '/api/v1/auth/sign-out-others', { cookie: cookieA, body: {} });
    expect(ended.body).toEqual({ ended: 2 });
    expect((await t.call('GET', '/api/v1/auth/me', { cookie: cookieA })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/auth/me', { cookie: cookieB })).status).toBe(401);
  });
});

describe('session expiry', () => {
  it('rejects an expired session and deletes it', async () => {
    const { cookie, userId } = await t.signUp('expired@example.com');
    const em = t.server.runtime.orm.em.fork();
    await em.nativeUpdate(AuthSession, { userId }, { expiresAt: new Date(Date.now() - 1000) });
    const me = await t.call('GET', '/api/v1/auth/me', { cookie });
    expect(me.status).toBe(401);
    expect(await em.count(AuthSession, { userId })).toBe(0);
  });

  it('slides: a session past half its lifetime is extended and the cookie refreshed', async () => {
    const { cookie, userId } = await t.signUp('sliding@example.com');
    const em = t.server.runtime.orm.em.fork();
    const soon = new Date(Date.now() + 2 * 24 * 3600 * 1000);
    await em.nativeUpdate(AuthSession, { userId }, { expiresAt: soon });
    const me = await t.call('GET', '/api/v1/auth/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.headers.get('set-cookie')).toMatch(/^vivim_session=/);
    const session = await em.fork().findOneOrFail(AuthSession, { userId });
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
  });
});

describe('request defences', () => {
  it('refuses a cookie-authenticated mutation from another origin (CSRF) but accepts our own', async () => {
    const { cookie } = await t.signUp('csrf@example.com');
    const foreign = await t.call('POST', '/api/v1/auth/api-keys', { cookie, body: { name: 'x' }, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('CSRF_ORIGIN_REFUSED');
    const missing = await t.call('POST', '/api/v1/auth/api-keys', { cookie, body: { name: 'x' }, origin: null });
    expect(missing.status).toBe(403);
    const own = await t.call('POST', '/api/v1/auth/api-keys', { cookie, body: { name: 'x' } });
    expect(own.status).toBe(200);
  });

  it('rate-limits sign-in and sign-up attempts per address', async () => {
    const limited = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '5' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await limited.call('POST', '/api/v1/auth/sign-in', { body: { email: 'nobody@example.com', password: 'wrong password!' } })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      const again = await limited.call('POST', '/trpc/auth.signUp', { body: { email: 'new@example.com', password: PASSWORD } });
      expect(again.status).toBe(429);
      expect(again.body.error.data.vivimCode).toBe('RATE_LIMITED');
    } finally {
      await limited.dispose();
    }
  });

  it('sends security headers, a request id, and CORS only to allowed origins', async () => {
    const response = await fetch(`${t.url}/health`, { headers: { origin: 'http://localhost:3000' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const foreign = await fetch(`${t.url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
