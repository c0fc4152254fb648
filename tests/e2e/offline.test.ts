// The PWA offline, end to end in Chromium with its service worker: the app is installable (CDP
// Page.getInstallabilityErrors empty, manifest fields and icons), the precache leaves mermaid's big
// chunk to the runtime cache; the library and every opened conversation are saved in IndexedDB, and
// after the network is cut a reload still shows the shell, the saved library (filterable) and the
// saved conversation with its table, code and mermaid diagram; back online the app talks to the
// server again without a reload. Screenshots land in test-results/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chatgptConversation } from '../factories/chatgpt-export.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, ROOT, prepareWebApp } from './support.ts';

const PUBLIC = path.join(ROOT, '.output', 'public');
const TITLE = 'Offline diagrams';
const OTHERS = 12;
const ANSWER = [
  'A table and a diagram:',
  '',
  '| Step | Owner |',
  '| --- | --- |',
  '| Plan | Ada |',
  '| Ship | Lin |',
  '',
  // The ELK layout: mermaid loads its 1.5 MB layout chunk, which the precache leaves to the runtime cache.
  '```mermaid',
  '---',
  'config:',
  '  layout: elk',
  '---',
  'flowchart LR',
  '  Plan --> Ship',
  '```',
  '',
  '```python',
  'print("saved for later")',
  '```',
].join('\n');

let t: TestServer;
/** A profile on disk: Chromium reports an incognito (newContext) window as not installable. */
let profile = '';
let cookie = '';
let context: BrowserContext;
let page: Page;

interface TestGlobals {
  navigator: { serviceWorker: { ready: Promise<unknown>; controller: unknown } };
  caches: { keys(): Promise<string[]>; open(name: string): Promise<{ keys(): Promise<{ url: string }[]> }> };
}

/** Request URLs in the caches whose name matches `name`. */
function cachedUrls(target: Page, name: string): Promise<string[]> {
  return target.evaluate(async (wanted) => {
    const { caches } = globalThis as unknown as TestGlobals;
    const urls: string[] = [];
    for (const key of await caches.keys()) if (key.includes(wanted)) for (const request of await (await caches.open(key)).keys()) urls.push(request.url);
    return urls;
  }, name);
}

/** The largest JavaScript file of the build: mermaid's ELK layout engine. */
function biggestChunk(): string {
  const dir = path.join(PUBLIC, '_nuxt');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => ({ f, size: statSync(path.join(dir, f)).size }));
  return files.sort((a, b) => b.size - a.size)[0]?.f ?? '';
}

/** Uploads an export as the test user and waits for the import to finish. */
const importJson = async (json: string) => t.waitImport(cookie, await t.upload(cookie, json));

beforeAll(async () => {
  prepareWebApp();
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
  cookie = (await t.signUp('offline@example.com')).cookie;
  const rich = chatgptConversation(0, { conversations: 1, messagesPer: 2, idPrefix: 'rich' }) as { title: string; update_time: number; mapping: Record<string, { message: { content: { parts: string[] } } | null }> };
  rich.title = TITLE;
  rich.update_time = 1_900_000_000; // newest: first in the library
  (rich.mapping['rich-0-m1']?.message as { content: { parts: string[] } }).content.parts = [ANSWER];
  await importJson(JSON.stringify([rich, ...Array.from({ length: OTHERS }, (_, i) => chatgptConversation(i + 1, { conversations: OTHERS, messagesPer: 2, idPrefix: 'other' }))]));
  profile = mkdtempSync(path.join(tmpdir(), 'vivim-e2e-profile-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1100, height: 850 } });
  await context.addCookies([{ name: cookie.split('=')[0] ?? '', value: cookie.split('=').slice(1).join('='), url: t.url }]);
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close();
  await t?.dispose();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('installable PWA', () => {
  it('has no installability errors, a complete manifest, and leaves mermaid out of the precache', async () => {
    await page.goto(`${t.url}/`);
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.evaluate(async () => void (await (globalThis as unknown as TestGlobals).navigator.serviceWorker.ready));
    await expect.poll(() => page.evaluate(() => Boolean((globalThis as unknown as TestGlobals).navigator.serviceWorker.controller)), { timeout: 15_000 }).toBe(true);

    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[]; data?: string };
    expect(manifest.errors).toEqual([]);
    const data = JSON.parse(manifest.data ?? '{}') as { name: string; short_name: string; start_url: string; display: string; theme_color: string; icons: { src: string; sizes: string; purpose?: string }[] };
    expect(data).toMatchObject({ name: 'VIVIM', short_name: 'VIVIM', start_url: '/', display: 'standalone' });
    expect(data.icons.map((i) => `${i.sizes}${i.purpose ? ` ${i.purpose}` : ''}`)).toEqual(['192x192', '512x512', '512x512 maskable']);
    for (const icon of data.icons) {
      const response = await fetch(`${t.url}${icon.src}`);
      expect(response.headers.get('content-type')).toBe('image/png');
    }

    const precached = await cachedUrls(page, 'precache');
    expect(precached.length).toBeGreaterThan(20);
    expect(precached.some((url) => url.includes(biggestChunk()))).toBe(false);
  });
});

describe('offline reading', () => {
  it('saves the opened conversation (mermaid chunk runtime-cached) and marks it in the library', async () => {
    await page.getByRole('link', { name: TITLE }).click();
    await page.getByRole('heading', { name: TITLE }).waitFor();
    await expect.poll(() => page.locator('.mermaid .diagram svg').count(), { timeout: 30_000 }).toBe(1);
    await page.getByText('Saved for offline').waitFor();
    await expect.poll(() => cachedUrls(page, 'vivim-lazy-chunks').then((urls) => urls.some((url) => url.includes(biggestChunk())))).toBe(true);
    await page.getByRole('link', { name: '← Library' }).click();
    const row = page.locator('ul[aria-label="Conversations"] > li', { hasText: TITLE });
    await expect.poll(() => row.innerText()).toContain('Saved');
  });

  it('shows the shell, the saved library and the saved conversation after a reload with the network cut', async () => {
    await context.setOffline(true);
    await page.reload();
    await page.getByText('Offline', { exact: true }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.getByText(`Offline: showing the ${OTHERS + 1} conversations saved on this device.`).waitFor();
    const rows = page.locator('ul[aria-label="Conversations"] > li');
    expect(await rows.count()).toBe(OTHERS + 1);
    await page.screenshot({ path: path.join(RESULTS, 'offline-library.png') });

    // Filtering works on the saved copy.
    await page.getByLabel('Filter by title').fill('diagrams');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('link', { name: TITLE }).click();
    await page.getByRole('heading', { name: TITLE }).waitFor();
    await page.getByText(/Offline copy saved/).waitFor();
    expect(await page.locator('.table-wrap td').allInnerTexts()).toEqual(['Plan', 'Ada', 'Ship', 'Lin']);
    expect(await page.locator('figure.code').first().innerText()).toContain('print("saved for later")');
    await expect.poll(() => page.locator('.mermaid .diagram svg').count(), { timeout: 30_000 }).toBe(1);
    await page.screenshot({ path: path.join(RESULTS, 'offline-conversation.png'), fullPage: true });

    // A reload of the conversation's own address works offline too; one never opened says why it is missing.
    await page.reload();
    await page.getByText(/Offline copy saved/).waitFor();
    await page.goto(`${t.url}/`);
    await page.getByRole('link', { name: 'Conversation 1', exact: true }).click();
    await page.getByText('this conversation was not saved on this device').waitFor();

    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${t.url}/`);
    await rows.first().waitFor();
    expect(await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    })).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(RESULTS, 'offline-library-phone.png') });
    await page.setViewportSize({ width: 1100, height: 850 });
  });

  it('comes back online without a reload: the shell stays and the server answers again', async () => {
    await context.setOffline(false);
    // Chromium may not fire 'online' here (navigator.onLine can stay true under emulation): the app
    // then notices on its own, asking the server again every 10 s while it does not answer.
    await expect.poll(() => page.getByText('Offline', { exact: true }).count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => page.getByText(/^Offline: showing/).count(), { timeout: 15_000 }).toBe(0);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.getByRole('link', { name: 'Conversation 1', exact: true }).click();
    await page.getByRole('heading', { name: 'Conversation 1' }).waitFor();
    await page.getByText('Saved for offline').waitFor();
  });
});
