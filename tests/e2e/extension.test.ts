// The browser extension in extension/, loaded unpacked into headless Chromium: configured through
// its options page, it saves a (routed) claude.ai share page to a real VIVIM server. A headless
// browser cannot open the toolbar popup, so popup.html is opened as a page with ?tabId=<tab>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CHROMIUM, CHROMIUM_ARGS, CLAUDE_MESSAGES, CLAUDE_SHARE, RESULTS, ROOT, claudePage, routeProviders } from './support.ts';

const EXTENSION = path.join(ROOT, 'extension');
const OTHER_PAGE = 'https://example.org/';
/** A Claude chat URL serving a page above the 20 MB the server takes. */
const HUGE_CHAT = 'https://claude.ai/chat/00000000-0000-4000-8000-000000000000';

/** The extension API as the tests use it inside extension pages (the root tsconfig has no chrome types). */
interface ExtensionApi {
  tabs: { create(properties: { url: string; active: boolean }): Promise<{ id?: number }> };
  runtime: { getManifest(): { manifest_version: number; name: string; permissions?: string[]; host_permissions?: string[] } };
}

let t: TestServer;
let alice: { cookie: string; userId: string };
let captureKey: string;
let profile: string;
let context: BrowserContext;
let extensionId: string;

beforeAll(async () => {
  t = await startTestServer({ env: { CAPTURE_RATE_LIMIT_PER_MINUTE: '1000' } });
  alice = await t.signUp('alice@example.com');
  const created = await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'Extension', scopes: ['capture:write'] } });
  expect(created.status).toBe(200);
  captureKey = created.body.key;

  profile = mkdtempSync(path.join(tmpdir(), 'vivim-e2e-extension-'));
  mkdirSync(RESULTS, { recursive: true });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, '--headless=new', `--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`],
  });
  await routeProviders(context, t.url, {
    [CLAUDE_SHARE]: claudePage({ withCsp: true }),
    [OTHER_PAGE]: '<!doctype html><title>Example</title><h1>Not a conversation</h1>',
    [HUGE_CHAT]: `<!doctype html><title>Huge</title><p>${'x'.repeat(21 * 1024 * 1024)}</p>`,
  });
  // The extension's id is the host of its service worker's URL.
  const worker = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ?? (await context.waitForEvent('serviceworker'));
  extensionId = new URL(worker.url()).host;
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await t?.dispose();
});

/**
 * Opens `url` in a new tab; returns the page and its tab id. The tab is created blank through the
 * extension API, which returns its id (the extension cannot read the URL of tabs outside its host
 * permissions, so it could not find them afterwards), then navigated by Playwright so that the
 * routing applies (a navigation started by the extension itself escapes it).
 */
async function openTab(url: string): Promise<{ page: Page; tabId: number }> {
  let known = new Set<Page>();
  const tabId = await extensionPage('options.html', async (options) => {
    known = new Set(context.pages());
    return options.evaluate(async () => (await (globalThis as unknown as { chrome: ExtensionApi }).chrome.tabs.create({ url: 'about:blank', active: false })).id ?? -1);
  });
  await expect.poll(() => context.pages().some((page) => !known.has(page)), { timeout: 30_000 }).toBe(true);
  const page = context.pages().find((p) => !known.has(p)) as Page;
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return { page, tabId };
}

/** Runs `use` on a fresh tab showing one of the extension's pages, then closes it. */
async function extensionPage<T>(file: string, use: (page: Page) => Promise<T>): Promise<T> {
  const page = await context.newPage();
  try {
    await page.goto(`chrome-extension://${extensionId}/${file}`);
    return await use(page);
  } finally {
    await page.close();
  }
}

/** Fills in the options page as a user would; returns what "Test connection" reported. */
async function configure(server: string, key: string, screenshot?: string): Promise<string> {
  return extensionPage('options.html', async (options) => {
    await options.getByLabel('VIVIM server address').fill(server);
    await options.getByLabel('Capture key').fill(key);
    await options.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => options.locator('#message').textContent()).toMatch(/^Saved\./);
    await options.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => options.locator('#message').textContent()).not.toMatch(/^(Saved\.|Contacting)/);
    if (screenshot) await options.screenshot({ path: path.join(RESULTS, screenshot) });
    return (await options.locator('#message').textContent()) ?? '';
  });
}

/** Opens the popup for `tabId`, clicks Save (unless told not to), and returns its final message. */
async function savePopup(tabId: number, options: { click?: boolean; screenshot?: string } = {}): Promise<{ text: string; link: string | null; enabled: boolean }> {
  return extensionPage(`popup.html?tabId=${tabId}`, async (popup) => {
    await popup.setViewportSize({ width: 372, height: 300 });
    const button = popup.getByRole('button', { name: 'Save to VIVIM' });
    if (options.click ?? true) {
      await expect.poll(() => button.isEnabled()).toBe(true);
      await button.click();
    }
    // The status line is aria-busy while the capture is under way.
    const final = popup.locator('#message:not([aria-busy="true"])');
    await expect.poll(async () => (await final.count()) === 1 && Boolean((await final.textContent())?.trim()), { timeout: 60_000 }).toBe(true);
    if (options.screenshot) await popup.screenshot({ path: path.join(RESULTS, options.screenshot) });
    return {
      text: (await popup.locator('#message').textContent()) ?? '',
      link: (await popup.locator('#message a').count()) ? await popup.locator('#message a').getAttribute('href') : null,
      enabled: await button.isEnabled(),
    };
  });
}

describe('the Save to VIVIM extension', () => {
  it('is a Manifest V3 extension with the declared permissions', async () => {
    const manifest = await extensionPage('options.html', (page) => page.evaluate(() => (globalThis as unknown as { chrome: ExtensionApi }).chrome.runtime.getManifest()));
    expect(manifest).toMatchObject({ manifest_version: 3, name: 'Save to VIVIM', permissions: ['storage', 'activeTab', 'scripting'] });
    expect(manifest.host_permissions).toContain('https://claude.ai/*');
  });

  it('tests the connection from its options page', async () => {
    expect(await configure(t.url, captureKey, 'extension-options.png')).toBe(`Connected to VIVIM ${(await t.call('GET', '/health')).body.version} at ${t.url}. The capture key works.`);
  });

  it('saves the conversation open in a claude.ai tab and links to it', async () => {
    await configure(t.url, captureKey);
    const { tabId } = await openTab(CLAUDE_SHARE);
    const result = await savePopup(tabId, { screenshot: 'extension-popup-saved.png' });
    expect(result.text).toBe(`Saved ${CLAUDE_MESSAGES} messages. Open in VIVIM`);

    const conversations = (await t.call('GET', '/api/v1/conversations?limit=50', { cookie: alice.cookie })).body.items;
    expect(conversations).toHaveLength(1);
    expect(conversations[0]).toMatchObject({ provider: 'claude', sourceUrl: CLAUDE_SHARE, messageCount: CLAUDE_MESSAGES });
    expect(result.link).toBe(`${t.url}/conversations/${conversations[0].id}`);
  });

  it('says so on a page that is not a conversation, without offering to save it', async () => {
    await configure(t.url, captureKey);
    const { tabId } = await openTab(OTHER_PAGE);
    const result = await savePopup(tabId, { click: false, screenshot: 'extension-popup-unsupported.png' });
    expect(result.text).toMatch(/^VIVIM cannot save this page\. Open a conversation \(or its share link\) on ChatGPT, Claude/);
    expect(result.enabled).toBe(false);
  });

  it('refuses a page above 20 MB before sending it', async () => {
    await configure(t.url, captureKey);
    const { page, tabId } = await openTab(HUGE_CHAT);
    expect((await savePopup(tabId)).text).toBe('This page is too large to save (over 20 MB).');
    await page.close();
  });

  it('reports a rejected key', async () => {
    expect(await configure(t.url, 'vivim_not_a_real_key')).toBe(`Connected to VIVIM ${(await t.call('GET', '/health')).body.version} at ${t.url}, but it rejected the capture key. Create a new one in VIVIM.`);
    const { tabId } = await openTab(CLAUDE_SHARE);
    const result = await savePopup(tabId, { screenshot: 'extension-popup-rejected.png' });
    expect(result.text).toBe('VIVIM rejected the capture key (revoked or mistyped). Create a new key in VIVIM and enter it in the options.');
  });

  it('reports an unreachable server', async () => {
    const closed = 'http://127.0.0.1:9';
    expect(await configure(closed, captureKey)).toBe(`VIVIM at ${closed} is unreachable. Check the address and that the server is running.`);
    const { tabId } = await openTab(CLAUDE_SHARE);
    expect((await savePopup(tabId)).text).toBe(`VIVIM at ${closed} is unreachable. Check that the server is running and its address in the options.`);
  });
});
