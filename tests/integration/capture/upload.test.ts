import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinProviders } from '#plugins/providers/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

// Pages saved from providers (../shared/fixtures) posted as the user's browser would.
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'fixtures');
const PAGES = [
  { file: 'share-pages/chatgpt/page.html', url: 'https://chatgpt.com/share/6972e35f-2944-8006-a2ea-b005ff22c02c' },
  { file: 'share-pages/claude/page.html', url: 'https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5', messages: 4 },
  { file: 'share-pages/deepseek/page.html', url: 'https://chat.deepseek.com/share/4ymfwectd144n9rq28', messages: 6 },
  { file: 'share-pages/gemini-2026/page.html', url: 'https://gemini.google.com/share/61e1c5a8d372', messages: 4 },
  { file: 'share-pages/grok/page.html', url: 'https://grok.com/share/bGVnYWN5LWNvcHk_32845a54-452d-4563-b9ca-8d9871b40595', messages: 6 },
  { file: 'share-pages/kimi/page.html', url: 'https://www.kimi.com/share/19be85a5-0c42-8bc7-8000-0000f26198c2', messages: 2 },
  { file: 'share-pages/zai/page.html', url: 'https://chat.z.ai/s/e6b0a2c9-8439-4869-94aa-e46bed7e8040', messages: 6 },
  { file: 'app-pages/mistral/page.html', url: 'https://chat.mistral.ai/chat/5e3f0b8a-2c4d-4e6f-8a9b-1c2d3e4f5a6b', messages: 2 },
  { file: 'app-pages/qwen/page.html', url: 'https://chat.qwen.ai/c/5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d' },
  { file: 'app-pages/perplexity/page.html', url: 'https://www.perplexity.ai/search/please-write-a-short-response-GPCo4Y.WSeeeFKYf3m.wYw', messages: 2 },
];

let t: TestServer;
let alice: { cookie: string; userId: string };
let captureKey: string;
let beacon: Server;
let beaconHits = 0;
beforeAll(async () => {
  if (!existsSync(FIXTURES)) throw new Error(`the shared fixtures are missing at ${FIXTURES}`);
  beacon = createServer((_req, res) => {
    beaconHits++;
    res.end('pwned');
  });
  await new Promise<void>((resolve) => beacon.listen(0, '127.0.0.1', resolve));
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000', CAPTURE_RATE_LIMIT_PER_MINUTE: '1000' } });
  alice = await t.signUp('alice@example.com');
  captureKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'bookmarklet', scopes: ['capture:write'] } })).body.key;
});
afterAll(async () => {
  await t?.dispose();
  await new Promise<void>((resolve) => beacon.close(() => resolve()));
});

async function post(body: unknown) {
  const started = await t.call('POST', '/api/v1/capture', { bearer: captureKey, body });
  if (started.status !== 200) return { status: started.status, body: started.body };
  await t.server.runtime.jobs.waitFor(started.body.jobId, 60_000);
  return { status: 200, body: (await t.call('GET', `/api/v1/capture/${started.body.jobId}`, { bearer: captureKey })).body };
}

describe('pages posted by the user’s browser (shared fixtures)', () => {
  it('extracts every saved page exactly as its provider does, without fetching anything', async () => {
    for (const page of PAGES) {
      const html = readFileSync(path.join(FIXTURES, page.file), 'utf8');
      const url = new URL(page.url);
      const provider = builtinProviders.find((p) => p.hosts.includes(url.hostname));
      const expected = await provider?.extract?.({ url, html, via: 'upload' }, { info: () => undefined, warn: () => undefined, debug: () => undefined });
      const visible = expected?.messages.filter((m) => !m.hidden).length;
      if (page.messages !== undefined) expect([page.file, visible]).toEqual([page.file, page.messages]);
      const status = (await post({ url: page.url, html })).body;
      expect([page.file, status.state, status.error]).toEqual([page.file, 'done', null]);
      expect([page.file, status.messages, status.sourceConversationId]).toEqual([page.file, visible, expected?.sourceId]);
    }
    const conversations = (await t.call('GET', '/api/v1/conversations?limit=50', { cookie: alice.cookie })).body.items;
    expect(conversations).toHaveLength(PAGES.length);
    expect(conversations.every((c: { origin: string }) => c.origin === 'upload')).toBe(true);
  });

  it('posting the same page again changes nothing', async () => {
    const page = PAGES[1] as (typeof PAGES)[number];
    const status = (await post({ url: page.url, html: readFileSync(path.join(FIXTURES, page.file), 'utf8') })).body;
    expect(status).toMatchObject({ state: 'done', changed: false });
  });

  it('refuses another provider’s page or a page without a conversation with EXTRACTION_FAILED, storing nothing', async () => {
    const claudePage = readFileSync(path.join(FIXTURES, 'share-pages/claude/page.html'), 'utf8');
    const wrong = (await post({ url: 'https://grok.com/share/bGVnYWN5LWNvcHk_00000000-0000-0000-0000-000000000000', html: claudePage })).body;
    expect(wrong.error.code).toBe('EXTRACTION_FAILED');
    const empty = (await post({ url: 'https://claude.ai/share/00000000-0000-0000-0000-000000000000', html: '<html><body><h1>Settings</h1></body></html>' })).body;
    expect(empty.error.code).toMatch(/EXTRACTION_FAILED|NOT_FOUND/);
    const unsupported = await t.call('POST', '/api/v1/capture', { bearer: captureKey, body: { url: 'https://example.org/chat/1', html: claudePage } });
    expect(unsupported.status).toBe(400);
    const count = await t.server.runtime.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from capture_conversation where source_id like '00000000%' or source_id like '%00000000-0000'");
    expect(count[0]?.n).toBe(0);
  });
});

describe('hostile pages', () => {
  it('runs no script of a posted page', async () => {
    const page = PAGES[1] as (typeof PAGES)[number];
    const html = readFileSync(path.join(FIXTURES, page.file), 'utf8').replace(
      '</body>',
      `<script>fetch('http://127.0.0.1:${(beacon.address() as AddressInfo).port}/x')</script><img src="http://127.0.0.1:${(beacon.address() as AddressInfo).port}/img"></body>`,
    );
    const status = (await post({ url: page.url.replace('ca5ad573', 'ca5ad574'), html })).body;
    expect(status.state).toBe('done');
    expect(beaconHits).toBe(0);
  });

  it('refuses a <br> flood and a very wide element before parsing (timed in capture-url.test.ts)', async () => {
    for (const html of [`<html><body><main>${'<br>'.repeat(2_000_000)}</main></body></html>`, `<html><body><div>${'<i></i>'.repeat(1_000_000)}</div></body></html>`]) {
      const status = (await post({ url: 'https://claude.ai/share/33333333-3333-3333-3333-333333333333', html })).body;
      expect(status.state).toBe('failed');
      expect(status.error).toMatchObject({ code: 'INVALID_CONTENT', message: expect.stringContaining('more than 10000 children') });
    }
  });

  it('answers TOO_LARGE above 20 MB, and copes with deep nesting and broken encoding', async () => {
    const huge = await t.call('POST', '/api/v1/capture', { bearer: captureKey, body: { url: PAGES[1]?.url, html: `<html>${'x'.repeat(21 * 1024 * 1024)}</html>` } });
    expect(huge.status).toBe(413);
    const deep = (await post({ url: 'https://claude.ai/share/11111111-1111-1111-1111-111111111111', html: `${'<div>'.repeat(50_000)}hi${'</div>'.repeat(50_000)}` })).body;
    expect(deep.state).toBe('failed');
    expect(deep.error.code).toBe('INVALID_CONTENT');
    const form = new FormData();
    form.append('url', 'https://claude.ai/share/22222222-2222-2222-2222-222222222222');
    form.append('html', new Blob([Buffer.from([0x3c, 0x68, 0x31, 0x3e, 0xff, 0xfe, 0xc3, 0x28, 0x3c, 0x2f, 0x68, 0x31, 0x3e])]), 'page.html');
    const broken = await fetch(`${t.url}/api/v1/capture`, { method: 'POST', headers: { authorization: `Bearer ${captureKey}` }, body: form });
    expect(broken.status).toBe(200);
    const { jobId } = (await broken.json()) as { jobId: string };
    expect((await t.server.runtime.jobs.waitFor(jobId)).errorCode).toMatch(/EXTRACTION_FAILED|NOT_FOUND/);
  });
});

describe('the capture-only key and CORS', () => {
  it('lets the capture key post pages (also as multipart) but read nothing', async () => {
    const page = PAGES[5] as (typeof PAGES)[number];
    const form = new FormData();
    form.append('url', page.url);
    form.append('html', new Blob([readFileSync(path.join(FIXTURES, page.file))]), 'page.html');
    const response = await fetch(`${t.url}/api/v1/capture`, { method: 'POST', headers: { authorization: `Bearer ${captureKey}` }, body: form });
    expect(response.status).toBe(200);
    const { jobId } = (await response.json()) as { jobId: string };
    expect((await t.server.runtime.jobs.waitFor(jobId)).state).toBe('done');
    for (const route of ['/api/v1/conversations', '/api/v1/acus', '/api/v1/auth/me', '/api/v1/imports']) {
      expect([route, (await t.call('GET', route, { bearer: captureKey })).status]).toEqual([route, 403]);
    }
  });

  it('opens CORS to provider pages on the capture endpoint only, without credentials', async () => {
    const preflight = await fetch(`${t.url}/api/v1/capture`, {
      method: 'OPTIONS',
      headers: { origin: 'https://claude.ai', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://claude.ai');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const statusPreflight = await fetch(`${t.url}/api/v1/capture/123`, { method: 'OPTIONS', headers: { origin: 'https://claude.ai', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(statusPreflight.headers.get('access-control-allow-origin')).toBe('https://claude.ai');
    const other = await fetch(`${t.url}/api/v1/conversations`, { method: 'OPTIONS', headers: { origin: 'https://claude.ai', 'access-control-request-method': 'GET' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const stranger = await fetch(`${t.url}/api/v1/capture`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const withCookie = await t.call('POST', '/api/v1/capture', { cookie: alice.cookie, origin: 'https://claude.ai', body: { url: PAGES[1]?.url, html: '<p>x</p>' } });
    expect(withCookie.status).toBe(403);
  });
});
