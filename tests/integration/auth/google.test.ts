import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGoogle, type FakeGoogle } from '../../helpers/fake-google.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

let google: FakeGoogle;
let t: TestServer;
beforeAll(async () => {
  google = await startFakeGoogle();
  t = await startTestServer({
    env: {
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
      GOOGLE_TOKEN_URL: `${google.url}/token`,
    },
  });
});
afterAll(async () => {
  await t?.dispose();
  await google?.close();
});

function cookiesOf(response: Response): string {
  return response.headers.getSetCookie().map((c) => c.split(';')[0]).filter((c) => !c?.endsWith('=')).join('; ');
}

/** Runs the browser's side: start, "consent" at the fake Google, and return the callback URL with the start cookies. */
async function startFlow(): Promise<{ callback: URL; cookies: string }> {
  const start = await fetch(`${t.url}/api/auth/google`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const consent = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const callback = new URL(consent.headers.get('location') ?? '');
  expect(callback.pathname).toBe('/api/auth/google/callback');
  return { callback, cookies: cookiesOf(start) };
}

describe('Google sign-in', () => {
  it('accepts the callback with the right state: creates the user, signs in and redirects home', async () => {
    const status = await t.call('GET', '/api/v1/auth/status');
    expect(status.body.google).toBe(true);
    const { callback, cookies } = await startFlow();
    const done = await fetch(`${t.url}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie: cookies } });
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/");
    const session = done.headers.getSetCookie().find((c) => c.startsWith('vivim_session='))?.split(';')[0];
    expect(session).toBeDefined();
    const me = await t.call('GET', '/api/v1/auth/me', { cookie: session });
    expect(me.body).toMatchObject({ email: 'gina@example.com', name: 'Gina', isAdmin: true });
  });

  it('signs the same Google account into the same user next time', async () => {
    const { callback, cookies } = await startFlow();
    const done = await fetch(`${t.url}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie: cookies } });
    const session = done.headers.getSetCookie().find((c) => c.startsWith('vivim_session='))?.split(';')[0];
    const users = await t.server.runtime.orm.em.fork().execute<{ n: string }[]>("select count(*)::text as n from auth_user where email = 'gina@example.com'");
    expect(users[0]?.n).toBe('1');
    expect((await t.call('GET', '/api/v1/auth/me', { cookie: session })).status).toBe(200);
  });

  it('rejects a callback whose state does not match the cookie', async () => {
    const before = google.tokenRequests;
    const { callback, cookies } = await startFlow();
    callback.searchParams.set('state', 'forged-state');
    const done = await fetch(`${t.url}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie: cookies } });
    expect(done.status).toBe(400);
    expect(((await done.json()) as { error: { code: string } }).error.code).toBe('AUTH_OAUTH_STATE_MISMATCH');
    expect(done.headers.getSetCookie().some((c) => /^vivim_session=[^;]/.test(c))).toBe(false);
    expect(google.tokenRequests).toBe(before);
  });

  it('rejects a callback without the state cookie (started elsewhere)', async () => {
    const { callback } = await startFlow();
    const done = await fetch(`${t.url}${callback.pathname}${callback.search}`, { redirect: 'manual' });
    expect(done.status).toBe(400);
  });

  it('refuses an unverified Google email and sends the browser to the sign-in page with the reason', async () => {
    google.user = { sub: '999', email: 'unverified@example.com', email_verified: false, name: 'U' };
    const { callback, cookies } = await startFlow();
    const done = await fetch(`${t.url}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie: cookies } });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/signin?error=AUTH_OAUTH_EMAIL_UNVERIFIED');
  });
});

describe('Google sign-in when not configured', () => {
  it('answers 404 with a clear code', async () => {
    const plain = await startTestServer();
    try {
      const response = await plain.call('GET', '/api/auth/google');
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('AUTH_GOOGLE_DISABLED');
    } finally {
      await plain.dispose();
    }
  });
});

describe('Google sign-in never takes over a password account', () => {
  it('refuses to link Google to an existing account that has a password', async () => {
    google.user = { sub: '4242', email: 'owner@example.com', email_verified: true, name: 'Owner' };
    await t.signUp('owner@example.com');
    const { callback, cookies } = await startFlow();
    const done = await fetch(`${t.url}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie: cookies } });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/signin?error=AUTH_OAUTH_ACCOUNT_EXISTS');
    expect(done.headers.getSetCookie().some((c) => /^vivim_session=[^;]/.test(c))).toBe(false);
  });
});
