import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '#server/logger.ts';
import { PASSWORD, startTestServer, type TestServer } from '../../helpers/server.ts';

let lines = '';
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines += chunk.toString();
    done();
  },
});
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ log: createLogger({ log: { level: 'trace' } }, sink) });
});
afterAll(() => t?.dispose());

describe('logs', () => {
  it('carry request ids and never a password, session token or API key', async () => {
    const { cookie } = await t.signUp('logged@example.com');
    const key = (await t.call('POST', '/api/v1/auth/api-keys', { cookie, body: {} })).body.key as string;
    await t.call('GET', '/api/v1/auth/me', { bearer: key });
    await t.call('POST', '/api/v1/auth/sign-in', { body: { email: 'logged@example.com', password: PASSWORD } });
    await t.call('POST', '/api/v1/auth/sign-in', { body: { email: 'logged@example.com', password: 'a wrong password' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const entries = lines.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.some((e) => typeof e.reqId === 'string' && e.msg === 'request completed')).toBe(true);
    expect(lines).not.toContain(PASSWORD);
    expect(lines).not.toContain('a wrong password');
    expect(lines).not.toContain(key);
    expect(lines).not.toContain(cookie.split('=')[1]);
  });
});
