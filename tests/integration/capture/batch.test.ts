import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { BrowserRenderer } from '#modules/capture/browser.ts';
import type { CaptureError } from '#modules/capture/errors.ts';
import { fakeNetwork, type RecordedPage } from '../../helpers/fake-network.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const examplePage = readFileSync(new URL('../../../plugins/providers/example/fixtures/two-turns.html', import.meta.url), 'utf8');
const scriptedPlugin = fileURLToPath(new URL('../../fixtures/plugins/scripted-chat.mjs', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A script-built share page (the static HTML has no turns: only Chromium sees the conversation). */
function scriptedPage(name: string): RecordedPage {
  return {
    body: `<!doctype html><html><head><title>${name}</title><script src="https://static.scripted.example/${name}.js"></script></head><body><main id="app">Loading…</main></body></html>`,
  };
}
function scriptedApp(name: string): RecordedPage {
  return {
    contentType: 'application/javascript',
    body: `addEventListener('DOMContentLoaded', () => {
      document.getElementById('app').innerHTML = '<div class="turn" data-role="user">Question ${name}</div><div class="turn" data-role="assistant">Answer ${name}</div>';
    });`,
  };
}

const embedded = ['https://chat.example.com/share/batch-e1', 'https://chat.example.com/share/batch-e2'];
const rendered = ['https://chat.scripted.example/s/batch-r1', 'https://chat.scripted.example/s/batch-r2', 'https://chat.scripted.example/s/batch-r3'];
const flaky = 'https://chat.scripted.example/s/batch-flaky';
const redirectsToPrivate = 'https://chat.scripted.example/s/batch-private';

const pages = new Map<string, RecordedPage>([
  ...embedded.map((url) => [url, { body: examplePage.replace('abc123', url.split('/').at(-1) ?? '') }] as const),
  ...[...rendered, flaky].flatMap((url) => {
    const name = url.split('/').at(-1) ?? '';
    return [[url, scriptedPage(name)], [`https://static.scripted.example/${name}.js`, scriptedApp(name)]] as const;
  }),
  [redirectsToPrivate, { status: 302, headers: { location: 'https://10.0.0.7/admin' }, body: '' }],
]);
pages.set(flaky, { ...scriptedPage('batch-flaky'), failFirst: 1 });
const network = fakeNetwork(pages);

let t: TestServer;
let alice: { cookie: string; userId: string };
beforeAll(async () => {
  t = await startTestServer({ env: { VIVIM_PLUGINS: scriptedPlugin, AUTH_RATE_LIMIT_PER_MINUTE: '1000', CAPTURE_RATE_LIMIT_PER_MINUTE: '1000' }, overrides: { captureNetwork: network } });
  alice = await t.signUp('alice@example.com');
});
afterAll(() => t?.dispose());

describe('batch capture', () => {
  it('captures embedded-data and rendered pages in one batch, each with its own job; crawlee retries a flaky page; a blocked host fails alone', async () => {
    const urls = [...embedded, ...rendered, flaky, redirectsToPrivate, 'http://chat.example.com/share/plain-http'];
    const response = await t.call('POST', '/api/v1/capture/batch', { cookie: alice.cookie, body: { urls } });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const queued = response.body as { url: string; jobId: string | null; error: { code: string } | null }[];
    expect(queued.map((q) => [q.url, q.jobId !== null, q.error?.code ?? null])).toEqual([
      ...[...embedded, ...rendered, flaky, redirectsToPrivate].map((url) => [url, true, null]),
      ['http://chat.example.com/share/plain-http', false, 'BLOCKED_HOST'],
    ]);

    const statuses = new Map<string, { state: string; step: string; messages: number | null; error: { code: string } | null }>();
    for (const { url, jobId } of queued.filter((q) => q.jobId)) {
      await t.server.runtime.jobs.waitFor(jobId as string, 60_000);
      statuses.set(url, (await t.call('GET', `/api/v1/capture/${jobId}`, { cookie: alice.cookie })).body);
    }
    for (const url of [...embedded, ...rendered, flaky]) expect(statuses.get(url), url).toMatchObject({ state: 'done', step: 'done', messages: 2, error: null });
    expect(statuses.get(redirectsToPrivate)).toMatchObject({ state: 'failed', error: { code: 'BLOCKED_HOST' } });

    // The embedded-data pages never went near the browser; the rendered ones loaded through the routes.
    for (const url of embedded) {
      expect(network.requests).toContain(`fetch ${url}`);
      expect(network.requests).not.toContain(`route ${url}`);
    }
    for (const url of rendered) expect(network.requests.filter((r) => r === `route ${url}`)).toHaveLength(1);
    // The flaky page answered 503 once and crawlee loaded it again within the same job attempt.
    expect(network.requests.filter((r) => r === `route ${flaky}`)).toHaveLength(2);
    const flakyJob = queued.find((q) => q.url === flaky)?.jobId as string;
    expect((await t.server.runtime.jobs.get(flakyJob, null)).attempts).toBe(1);
    // The redirect was followed outside Chromium, where the guard refused the private address.
    expect(network.requests).toContain(`redirect ${redirectsToPrivate} -> https://10.0.0.7/admin`);

    const titles = (await t.call('GET', '/api/v1/conversations?provider=scripted', { cookie: alice.cookie })).body.items.map((c: { title: string }) => c.title).sort();
    expect(titles).toEqual(['batch-flaky', 'batch-r1', 'batch-r2', 'batch-r3']);
    expect(existsSync(path.join(repoRoot, 'storage'))).toBe(false);
    expect(existsSync(path.join(process.cwd(), 'storage'))).toBe(false);
  }, 120_000);

  it('fails a page with BROWSER_UNAVAILABLE when Chromium cannot start (the render does not hang)', async () => {
    const decide = async () => ({ action: 'fulfill' as const, status: 200, contentType: 'text/html', body: '<html><body><p id="ok">ok</p></body></html>' });
    const broken = new BrowserRenderer({ chromiumPath: '/bin/false', log: pino({ level: 'silent' }) });
    try {
      const failure = await broken.render(new URL('https://chat.scripted.example/s/no-browser'), { decide, timeoutMs: 10_000, maxBytes: 1_000_000 }).catch((error: CaptureError) => error.code);
      expect(failure).toBe('BROWSER_UNAVAILABLE');
    } finally {
      await broken.close();
    }
  }, 60_000);
});
