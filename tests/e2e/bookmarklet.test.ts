// The bookmarklet, end to end: a user signs in to the real PWA, creates a capture key on
// /settings/capture and takes the "Save to VIVIM" link; run on a (routed) claude.ai share page, its
// code posts the page to the server and reports in an overlay. Also: the extension download.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { bookmarkletCode } from '../../client/utils/bookmarklet.ts';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';
import { CHROMIUM, CHROMIUM_ARGS, CLAUDE_MESSAGES, CLAUDE_SHARE, RESULTS, claudePage, routeProviders, prepareWebApp } from './support.ts';

const OVERLAY = '#vivim-capture-overlay';
/** The same share page as saved, with SingleFile's `default-src 'none'` CSP tag (as strict as claude.ai's own). */
const CLAUDE_SHARE_WITH_CSP = `${CLAUDE_SHARE}?with-csp`;
const CLAUDE_SETTINGS = 'https://claude.ai/settings';

let browser: Browser;
let t: TestServer;

beforeAll(async () => {
  // The PWA is served from .output/public: build it when its sources changed (npm run build).
  prepareWebApp();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t = await startTestServer({ env: { CAPTURE_RATE_LIMIT_PER_MINUTE: '1000', AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
  await t.signUp('alice@example.com');
});

afterAll(async () => {
  await browser?.close();
  await t?.dispose();
});

/**
 * A browser context showing provider pages: the saved Claude pages under their real URLs, nothing
 * else reachable but VIVIM. Chromium asks before a public site reaches a server on this machine or
 * network (Local Network Access); the test grants it as the user would.
 */
async function providerContext(server: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  await context.grantPermissions(['local-network-access'], { origin: 'https://claude.ai' });
  await routeProviders(context, server, {
    [CLAUDE_SHARE]: claudePage({ withCsp: false }),
    [CLAUDE_SHARE_WITH_CSP]: claudePage({ withCsp: true }),
    [CLAUDE_SETTINGS]: '<!doctype html><title>Settings - Claude</title><h1>Settings</h1>',
  });
  return context;
}

/** Opens `url` and does what clicking the bookmarklet does; returns the page once the overlay's message is final. */
async function runBookmarklet(context: BrowserContext, url: string, code: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.evaluate(code);
  const overlay = page.locator(`${OVERLAY}[aria-busy="false"]`);
  await expect.poll(() => overlay.count(), { timeout: 60_000 }).toBe(1);
  return page;
}

async function overlayText(page: Page): Promise<string> {
  return (await page.locator(OVERLAY).innerText()).replace('×', '').trim();
}

/** Whether the server lets a provider page read a capture's status (CORS on GET /api/v1/capture/:jobId). */
async function statusReadableFrom(origin: string, server: string): Promise<boolean> {
  const preflight = await fetch(`${server}/api/v1/capture/1`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
  return preflight.headers.get('access-control-allow-origin') === origin;
}

describe('/settings/capture', () => {
  let context: BrowserContext;
  let href = '';
  let key = '';
  afterAll(async () => context?.close());

  it('sends a visitor who is not signed in to the sign-in page', async () => {
    const anonymous = await browser.newContext();
    const page = await anonymous.newPage();
    await page.goto(`${t.url}/settings/capture`);
    await page.waitForURL(`${t.url}/signin`);
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).count()).toBe(1);
    await anonymous.close();
  });

  it('creates a capture key once and offers the bookmarklet and the extension', async () => {
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 900, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${t.url}/signin`);
    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.url}/`);
    await page.getByRole('link', { name: 'Save conversations from your browser' }).click();
    await page.waitForURL(`${t.url}/settings/capture`);

    await page.getByRole('button', { name: 'Create a capture key' }).click();
    const keyField = page.getByLabel('Your capture key');
    await expect.poll(() => keyField.count()).toBe(1);
    key = await keyField.inputValue();
    expect(key.length).toBeGreaterThan(20);
    const link = page.getByRole('link', { name: 'Save to VIVIM' });
    href = (await link.getAttribute('href')) ?? '';
    expect(href.startsWith('javascript:')).toBe(true);
    expect(decodeURIComponent(href.slice('javascript:'.length))).toBe(bookmarkletCode(t.url, key));
    expect(await link.getAttribute('draggable')).toBe('true');
    await page.screenshot({ path: path.join(RESULTS, 'settings-capture.png'), fullPage: true });

    // The key exists on the server with the capture scope only.
    const cookie = (await context.cookies(t.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const keys = (await t.call('GET', '/api/v1/auth/api-keys', { cookie })).body;
    const listed = (Array.isArray(keys) ? keys : keys.items) as { prefix: string; scopes: string[] }[];
    expect(listed.find((k) => key.startsWith(k.prefix))?.scopes).toEqual(['capture:write']);

    // The extension zip downloads as a zip, not as the app shell from the service worker's
    // navigation fallback (the worker controls the page by now).
    await expect.poll(() => page.evaluate(() => Boolean((globalThis as unknown as { navigator: { serviceWorker: { controller: unknown } } }).navigator.serviceWorker.controller)), { timeout: 20_000 }).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the extension (.zip)' }).click()]);
    expect(download.suggestedFilename()).toBe('vivim-extension.zip');
    const zip = readFileSync(await download.path());
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    expect(zip.includes(Buffer.from('manifest.json'))).toBe(true);
  });

  it('saves the claude.ai page it is run on', async () => {
    expect(href).not.toBe('');
    const provider = await providerContext(t.url);
    const page = await runBookmarklet(provider, CLAUDE_SHARE, decodeURIComponent(href.slice('javascript:'.length)));
    // The status endpoint is CORS-open to provider pages only if the server says so; without it
    // the page can post but not follow, and the bookmarklet says that instead of "Saved".
    const followable = await statusReadableFrom('https://claude.ai', t.url);
    expect(await overlayText(page)).toBe(followable ? `Saved ${CLAUDE_MESSAGES} messages. Open in VIVIM` : 'Sent to VIVIM, but this page cannot follow the capture. Open VIVIM');
    await page.screenshot({ path: path.join(RESULTS, 'bookmarklet-overlay-sent.png') });

    const cookie = (await context.cookies(t.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const conversations = (await t.call('GET', '/api/v1/conversations?limit=50', { cookie })).body.items;
    expect(conversations).toHaveLength(1);
    expect(conversations[0]).toMatchObject({ provider: 'claude', sourceUrl: CLAUDE_SHARE, messageCount: CLAUDE_MESSAGES });
    await provider.close();
  });

  it('explains what went wrong: unsupported page, rejected key, blocking site, unreachable server', async () => {
    const provider = await providerContext(t.url);
    const unsupported = await runBookmarklet(provider, CLAUDE_SETTINGS, bookmarkletCode(t.url, key));
    expect(await overlayText(unsupported)).toMatch(/^VIVIM cannot save this page: open a conversation \(or its share link\) on ChatGPT, Claude/);

    const rejected = await runBookmarklet(provider, CLAUDE_SHARE, bookmarkletCode(t.url, 'vivim_not_a_real_key'));
    expect(await overlayText(rejected)).toBe('VIVIM rejected the capture key (revoked or mistyped). Create a new key in VIVIM and drag the new bookmarklet.');
    await rejected.screenshot({ path: path.join(RESULTS, 'bookmarklet-overlay-rejected.png') });

    const blocked = await runBookmarklet(provider, CLAUDE_SHARE_WITH_CSP, bookmarkletCode(t.url, key));
    expect(await overlayText(blocked)).toBe('This site blocks connections to VIVIM (its security policy). Use the VIVIM browser extension here.');

    const closed = 'http://127.0.0.1:9';
    const unreachable = await runBookmarklet(provider, CLAUDE_SHARE, bookmarkletCode(closed, key));
    expect(await overlayText(unreachable)).toBe(`VIVIM at ${closed} is unreachable.`);
    await provider.close();
  });
});

describe('a server that lets provider pages read capture status', () => {
  // CORS_ORIGINS opens every endpoint to claude.ai: not a setting to recommend, but until the server
  // opens GET /api/v1/capture/:jobId to provider pages it is the way to see the bookmarklet follow
  // a capture to the end.
  let open: TestServer;
  beforeAll(async () => {
    open = await startTestServer({ env: { CAPTURE_RATE_LIMIT_PER_MINUTE: '1000', CORS_ORIGINS: 'https://claude.ai' } });
  });
  afterAll(async () => open?.dispose());

  it('follows the capture to "Saved 4 messages" with a link to the conversation', async () => {
    const bob = await open.signUp('bob@example.com');
    const key = (await open.call('POST', '/api/v1/auth/api-keys', { cookie: bob.cookie, body: { name: 'Bookmarklet', scopes: ['capture:write'] } })).body.key;
    expect(await statusReadableFrom('https://claude.ai', open.url)).toBe(true);
    const provider = await providerContext(open.url);
    const page = await runBookmarklet(provider, CLAUDE_SHARE, bookmarkletCode(open.url, key));
    expect(await overlayText(page)).toBe(`Saved ${CLAUDE_MESSAGES} messages. Open in VIVIM`);
    await page.screenshot({ path: path.join(RESULTS, 'bookmarklet-overlay-saved.png') });
    await page.locator(OVERLAY).screenshot({ path: path.join(RESULTS, 'bookmarklet-overlay-saved-closeup.png') });

    const conversations = (await open.call('GET', '/api/v1/conversations?limit=50', { cookie: bob.cookie })).body.items;
    expect(conversations).toHaveLength(1);
    expect(conversations[0]).toMatchObject({ provider: 'claude', messageCount: CLAUDE_MESSAGES });
    expect(await page.locator(`${OVERLAY} a`).getAttribute('href')).toBe(`${open.url}/conversations/${conversations[0].id}`);
    await provider.close();
  });
});
