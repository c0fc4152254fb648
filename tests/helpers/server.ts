import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '#config';
import { startServer, type Server } from '#server/main.ts';
import type { RuntimeOverrides } from '#server/module.ts';
import '#modules/capture/index.ts';
import { templateDir } from './template.ts';

/** A fresh data dir holding a copy of the migrated template database. */
export function freshDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vivim-test-'));
  cpSync(path.join(templateDir(), 'pgdata'), path.join(dir, 'pgdata'), { recursive: true });
  return dir;
}

export const TEST_ORIGIN = 'http://localhost:3000';

/**
 * Test config: ephemeral port, silent logs, the given data dir and extra env. Embeddings are off
 * unless a test asks for them (`EMBEDDING_PROVIDER: 'local'`): the real model costs CPU that
 * suites about other things should not pay; the search suites turn it on.
 */
export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({ VIVIM_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'test', PUBLIC_URL: TEST_ORIGIN, VIVIM_JOB_POLL_MS: '50', EMBEDDING_PROVIDER: 'off', ...env });
}

/** A real server on an ephemeral port, with helpers to call it as a browser or an API client would. */
export interface TestServer {
  server: Server;
  url: string;
  dataDir: string;
  config: Config;
  /** fetch() against the server, JSON in and out. */
  call(method: string, route: string, options?: { body?: unknown; cookie?: string; bearer?: string; origin?: string | null }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Signs up and returns the session cookie. */
  signUp(email: string, password?: string): Promise<{ cookie: string; userId: string }>;
  /** Uploads an export (`POST /api/v1/import`) as the signed-in user; returns the import id. */
  upload(cookie: string, file: string | Blob, fileName?: string): Promise<string>;
  /** Resolves when the import is done; throws with its errors when it failed or took too long. */
  waitImport(cookie: string, importId: string, timeoutMs?: number): Promise<void>;
  /** Resolves when no job is queued or running (`/ready?idle=1`). */
  waitIdle(timeoutMs?: number): Promise<void>;
  /** Uploads an export, then waits until every job it caused (ACUs, index, memories…) is done. */
  importAndWait(cookie: string, file: string | Blob, fileName?: string): Promise<void>;
  stop(): Promise<void>;
  /** Stops and deletes the data dir. */
  dispose(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';

export async function startTestServer(options: { dataDir?: string; env?: Record<string, string>; log?: Logger; overrides?: RuntimeOverrides } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? freshDataDir();
  const config = testConfig(dataDir, options.env);
  const server = await startServer(config, { log: options.log, overrides: options.overrides });
  const call: TestServer['call'] = async (method, route, opts = {}) => {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    if (opts.origin !== null && method !== 'GET') headers.origin = opts.origin ?? TEST_ORIGIN;
    const response = await fetch(`${server.url}${route}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), redirect: 'manual' });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers };
  };
  const upload: TestServer['upload'] = async (cookie, file, fileName = 'conversations.json') => {
    const form = new FormData();
    form.append('file', typeof file === 'string' ? new Blob([file], { type: 'application/json' }) : file, fileName);
    const response = await fetch(`${server.url}/api/v1/import`, { method: 'POST', headers: { cookie, origin: TEST_ORIGIN }, body: form });
    const body = (await response.json()) as { importId?: string };
    if (response.status !== 202 || !body.importId) throw new Error(`upload refused: ${response.status} ${JSON.stringify(body)}`);
    return body.importId;
  };
  const waitIdle: TestServer['waitIdle'] = async (timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = await call('GET', '/ready?idle=1');
      if (ready.status === 200) return;
      if (Date.now() > deadline) throw new Error(`still busy: ${JSON.stringify(ready.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  return {
    server,
    url: server.url,
    dataDir,
    config,
    call,
    async signUp(email, password = PASSWORD) {
      const response = await call('POST', '/api/v1/auth/sign-up', { body: { email, password } });
      if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${JSON.stringify(response.body)}`);
      const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      return { cookie, userId: response.body.user.id };
    },
    upload,
    async waitImport(cookie, importId, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const report = (await call('GET', `/api/v1/imports/${importId}`, { cookie })).body as { status: string; errors?: unknown[] };
        if (report.status === 'done') return;
        if (report.status === 'failed' || Date.now() > deadline) throw new Error(`import ${report.status}: ${JSON.stringify(report.errors ?? [])}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    waitIdle,
    async importAndWait(cookie, file, fileName) {
      await upload(cookie, file, fileName);
      await waitIdle();
    },
    stop: () => server.stop(),
    async dispose() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
