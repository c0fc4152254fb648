// The capture and search pages, end to end in Chromium against a real server: paste share links
// (the server "fetches" recorded pages), watch them complete, import an export by drag-and-drop,
// find a phrase from it with the keyboard shortcut and follow the result to its message; links
// pasted offline wait in the browser and go out when it is back online.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chatgptConversation, chatgptExportJson } from '../factories/chatgpt-export.ts';
import { fakeNetwork, type RecordedPage } from '../helpers/fake-network.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CHROMIUM, CHROMIUM_ARGS, CLAUDE_MESSAGES, CLAUDE_SHARE, FIXTURES, RESULTS, claudePage, prepareWebApp } from './support.ts';

/** What the page scripts below touch in the browser (the tests are type-checked without the DOM library; a cast, since the scripts run in the page). */
interface BrowserGlobals {
  seen: string[];
  document: { activeElement: unknown; body: unknown; documentElement: { scrollWidth: number }; querySelector(selector: string): { textContent: string | null } | null };
  localStorage: { getItem(key: string): string | null };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: string[], name: string, options: { type: string }) => unknown;
}

const CHATGPT_SHARE = 'https://chatgpt.com/share/6972e35f-2944-8006-a2ea-b005ff22c02c';
const UNSUPPORTED = 'https://example.com/some/page';
const PHRASE = 'zanzibar lighthouse';
/** More Claude share links, all served the saved page: a batch larger than the page's live streams. */
const MORE_SHARES = [1, 2, 3, 4, 5].map((n) => `https://claude.ai/share/00000000-0000-4000-8000-00000000000${n}`);
const RETRIED_SHARE = 'https://claude.ai/share/00000000-0000-4000-8000-000000000009';

/** A ChatGPT `conversations.json`: two good conversations (one holding PHRASE) and one without messages. */
function exportFile(): string {
  const first = chatgptConversation(0, { conversations: 2, messagesPer: 2, idPrefix: 'e2e' }) as { title: string; mapping: Record<string, { message: { content: { parts: string[] } } | null }> };
  first.title = 'Lighthouse ledgers';
  const answer = first.mapping['e2e-0-m1']?.message;
  if (!answer) throw new Error('factory shape changed: e2e-0-m1 missing');
  answer.content.parts = ['The zanzibar lighthouse keeps its quaternion ledger in a brass drawer, away from the salt.'];
  const second = chatgptConversation(1, { conversations: 2, messagesPer: 2, idPrefix: 'e2e' });
  const broken = { id: 'e2e-broken', conversation_id: 'e2e-broken', title: 'Broken', create_time: 1_700_000_000, mapping: 'not a tree' };
  return JSON.stringify([first, second, broken]);
}

let browser: Browser;
let t: TestServer;
let context: BrowserContext;
let page: Page;
let cookie = '';

beforeAll(async () => {
  if (!readFileSync(path.join(FIXTURES, 'share-pages', 'chatgpt', 'page.html'), 'utf8')) throw new Error(`the saved share pages are missing from ${FIXTURES}`);
  prepareWebApp();
  const pages = new Map<string, RecordedPage>([
    [CLAUDE_SHARE, { body: claudePage({ withCsp: false }) }],
    ...[...MORE_SHARES, RETRIED_SHARE].map((url): [string, RecordedPage] => [url, { body: claudePage({ withCsp: false }) }]),
    [CHATGPT_SHARE, { body: readFileSync(path.join(FIXTURES, 'share-pages', 'chatgpt', 'page.html'), 'utf8') }],
  ]);
  t = await startTestServer({
    // Full-text search only: the page then shows why meaning-based search did not run.
    env: { CAPTURE_RATE_LIMIT_PER_MINUTE: '1000', AUTH_RATE_LIMIT_PER_MINUTE: '1000', EMBEDDING_PROVIDER: 'off' },
    overrides: { captureNetwork: fakeNetwork(pages) },
  });
  cookie = (await t.signUp('alice@example.com')).cookie;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const [name, ...value] = cookie.split('=');
  await context.addCookies([{ name: name ?? '', value: value.join('='), url: t.url }]);
  // The page talks only to VIVIM: nothing else is reachable.
  await context.route('**/*', (route) => (route.request().url().startsWith(t.url) ? route.continue() : route.abort()));
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await t?.dispose();
});

async function conversations(): Promise<{ id: string; title: string; sourceUrl: string | null; messageCount: number }[]> {
  return (await t.call('GET', '/api/v1/conversations?limit=50', { cookie })).body.items;
}

function item(url: string) {
  return page.locator(`li.item[data-url="${url}"]`);
}

describe('an empty library', () => {
  it('points the search page to capture', async () => {
    await page.goto(`${t.url}/search`);
    await expect.poll(() => page.getByText('Nothing to search yet.').count()).toBe(1);
    await page.screenshot({ path: path.join(RESULTS, 'search-nothing-yet.png') });
    await page.getByRole('link', { name: 'Save share links or import an export' }).click();
    await page.waitForURL(`${t.url}/capture`);
  });
});

describe('the capture page', () => {
  it('captures a share link with live progress and explains a link it cannot take', async () => {
    await page.goto(`${t.url}/capture`);
    await page.getByRole('textbox', { name: 'Share links (one per line)' }).fill(`${CLAUDE_SHARE}\n${UNSUPPORTED}\n`);
    // Record every status line the capture shows, to see the progress go by.
    await page.evaluate(() => {
      const seen: string[] = [];
      const window = globalThis as unknown as BrowserGlobals;
      window.seen = seen;
      new window.MutationObserver(() => {
        const label = window.document.querySelector('li.item[data-url^="https://claude.ai"] .label')?.textContent ?? '';
        if (label && seen.at(-1) !== label) seen.push(label);
      }).observe(window.document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Capture' }).click();
    await expect.poll(() => item(CLAUDE_SHARE).getAttribute('data-phase')).not.toBe('sending');
    await page.screenshot({ path: path.join(RESULTS, 'capture-progress.png') });

    await expect.poll(() => item(UNSUPPORTED).getAttribute('data-phase')).toBe('failed');
    expect(await item(UNSUPPORTED).innerText()).toContain('VIVIM does not know this site.');
    await expect.poll(() => item(CLAUDE_SHARE).getAttribute('data-phase'), { timeout: 60_000 }).toBe('done');
    expect(await item(CLAUDE_SHARE).locator('.label').innerText()).toBe(`Saved ${CLAUDE_MESSAGES} messages`);
    const seen = await page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen);
    console.log('capture progress shown:', seen.join(' → '));
    expect(seen.at(-1)).toBe(`Saved ${CLAUDE_MESSAGES} messages`);
    await page.screenshot({ path: path.join(RESULTS, 'capture-links.png'), fullPage: true });

    const [stored] = (await conversations()).filter((c) => c.sourceUrl === CLAUDE_SHARE);
    expect(stored?.messageCount).toBe(CLAUDE_MESSAGES);
    expect(await item(CLAUDE_SHARE).getByRole('link', { name: 'Open the conversation' }).getAttribute('href')).toBe(`/conversations/${stored?.id}`);
  });

  it('imports an export dropped on the page and shows its report; the same file again changes nothing', async () => {
    const content = exportFile();
    const dataTransfer = await page.evaluateHandle((text) => {
      const window = globalThis as unknown as BrowserGlobals;
      const transfer = new window.DataTransfer();
      transfer.items.add(new window.File([text], 'conversations.json', { type: 'application/json' }));
      return transfer;
    }, content);
    await page.dispatchEvent('.zone', 'dragenter', { dataTransfer });
    await page.screenshot({ path: path.join(RESULTS, 'capture-import-dragging.png') });
    await page.dispatchEvent('.zone', 'drop', { dataTransfer });

    const report = page.getByRole('region', { name: 'Import report' });
    await expect.poll(() => report.count(), { timeout: 60_000 }).toBe(1);
    const summary = await report.getByRole('status').innerText();
    expect(summary).toMatch(/^Import finished\. ChatGPT export: 2 conversations saved \(4 messages\), 0 unchanged, 1 with errors\.$/);
    await page.screenshot({ path: path.join(RESULTS, 'capture-import-report.png'), fullPage: true });
    expect(await report.getByRole('row', { name: /Broken/ }).innerText()).toMatch(/INVALID_CONTENT/);

    await page.getByLabel('Export file').setInputFiles({ name: 'conversations.json', mimeType: 'application/json', buffer: Buffer.from(content) });
    await expect.poll(() => report.getByRole('status').innerText().catch(() => ''), { timeout: 60_000 }).toMatch(/0 conversations saved \(0 messages\), 2 unchanged/);
  });
});

describe('a slow upload', () => {
  it('shows the upload going and cancels it before the server has the file', async () => {
    const before = (await t.call('GET', '/api/v1/imports', { cookie })).body.length;
    // The upload is held on its way to the server (as a slow link would) until the test lets it go.
    // The server side of a cut-off upload (no import, no file left) is tested in import-limits.test.ts; here a
    // request the page has cancelled is not let go (Chromium may still send a paused request after its page
    // dropped it, which no real link does).
    let held = false;
    let cancelled = false;
    const onFailed = (request: { url(): string }) => {
      if (request.url().endsWith('/api/v1/import')) cancelled = true;
    };
    page.on('requestfailed', onFailed);
    onTestFinished(async () => {
      page.off('requestfailed', onFailed);
      await page.unroute('**/api/v1/import');
    });
    await page.route('**/api/v1/import', async (route) => {
      held = true;
      for (let waited = 0; waited < 5_000 && !cancelled; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      await (cancelled ? route.abort() : route.continue()).catch(() => undefined);
    });
    // Not an export: should the cancel come too late, its import fails without adding conversations.
    const big = JSON.stringify({ padding: 'x'.repeat(600 * 1024) });
    await page.getByLabel('Export file').setInputFiles({ name: 'slow-export.json', mimeType: 'application/json', buffer: Buffer.from(big) });
    const bar = page.getByRole('progressbar', { name: 'Upload' });
    await expect.poll(() => held).toBe(true);
    expect(await bar.count()).toBe(1);
    await page.screenshot({ path: path.join(RESULTS, 'capture-import-uploading.png') });
    await page.getByRole('button', { name: 'Cancel upload' }).click();
    await expect.poll(() => bar.count()).toBe(0);
    // The browser dropped the request: the page aborted it.
    await expect.poll(() => cancelled).toBe(true);
    expect((await t.call('GET', '/api/v1/imports', { cookie })).body.length).toBe(before);
  });
});

describe('the search page', () => {
  it('opens with "/", suggests while typing, finds the phrase and leads to the message', async () => {
    // Indexing runs in the background after the import: wait until the server finds the phrase.
    await expect
      .poll(async () => (await t.call('GET', `/api/unified/search?q=${encodeURIComponent(PHRASE)}`, { cookie })).body.results?.length ?? 0, { timeout: 60_000 })
      .toBeGreaterThan(0);

    await page.getByRole('heading', { name: 'Capture', level: 1 }).click();
    await page.keyboard.press('/');
    await page.waitForURL(`${t.url}/search`);
    const box = page.getByRole('combobox', { name: 'Search your conversations' });
    await expect.poll(() => box.evaluate((el) => el === (globalThis as unknown as BrowserGlobals).document.activeElement)).toBe(true);

    await box.pressSequentially('lighth', { delay: 40 });
    const listbox = page.getByRole('listbox', { name: 'Suggestions' });
    await expect.poll(() => listbox.isVisible()).toBe(true);
    await page.keyboard.press('ArrowDown');
    expect(await box.getAttribute('aria-activedescendant')).toBe('search-suggestion-0');
    expect(await page.getByRole('option', { selected: true }).innerText()).toMatch(/lighthouse/i);
    await page.screenshot({ path: path.join(RESULTS, 'search-suggestions.png') });
    await page.keyboard.press('Escape');
    expect(await listbox.isVisible()).toBe(false);

    await box.fill(PHRASE);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${t.url}/search?q=${encodeURIComponent(PHRASE).replace(/%20/g, '+')}`);
    const results = page.locator('ol.results article');
    await expect.poll(() => results.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const first = results.first();
    expect((await first.locator('mark').allInnerTexts()).map((m) => m.toLowerCase())).toContain('zanzibar');
    expect(await first.innerText()).toContain('ChatGPT');
    expect(await page.getByText('Matched by words only').count()).toBe(1);
    await page.screenshot({ path: path.join(RESULTS, 'search-results.png'), fullPage: true });

    const lighthouse = (await conversations()).find((c) => c.title === 'Lighthouse ledgers');
    expect(lighthouse).toBeDefined();
    const href = (await first.getByRole('link').getAttribute('href')) ?? '';
    expect(href).toMatch(new RegExp(`^/conversations/${lighthouse?.id}#m-[0-9a-f-]{36}$`));
    await first.getByRole('link').click();
    await page.waitForURL(`${t.url}${href}`);
    await page.goBack();
    await page.waitForURL(/\/search\?q=/);
    await expect.poll(() => page.locator('ol.results article').count()).toBeGreaterThan(0);
  });

  it('opens with Ctrl+K from another page', async () => {
    await page.goto(`${t.url}/`);
    await page.waitForLoadState('networkidle');
    await page.keyboard.press('Control+k');
    await page.waitForURL(`${t.url}/search`);
    const box = page.getByRole('combobox', { name: 'Search your conversations' });
    await expect.poll(() => box.evaluate((el) => el === (globalThis as unknown as BrowserGlobals).document.activeElement)).toBe(true);
    await page.keyboard.type(PHRASE);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=/);
    await expect.poll(() => page.locator('ol.results article').count(), { timeout: 20_000 }).toBeGreaterThan(0);
  });

  it('narrows by a facet, and says so when nothing matches', async () => {
    await page.getByRole('button', { name: /^Messages/ }).click();
    await page.waitForURL(/kind=message/);
    await expect.poll(async () => (await page.locator('section.group h2').allInnerTexts()).map((h) => h.split(' ')[0])).toEqual(['MESSAGES']);
    await page.getByLabel('To').fill('2020-01-01');
    await page.waitForURL(/to=2020-01-01/);
    await page.screenshot({ path: path.join(RESULTS, 'search-empty.png'), fullPage: true });
    await expect.poll(() => page.getByText(`Nothing matches “${PHRASE}”.`).count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await expect.poll(() => page.locator('ol.results article').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByLabel('One result per conversation').check();
    await page.waitForURL(/collapse=1/);
    await expect.poll(() => page.locator('ol.results article').count(), { timeout: 20_000 }).toBe(1);
    await page.getByLabel('One result per conversation').uncheck();
    await expect.poll(() => page.locator('ol.results article').count(), { timeout: 20_000 }).toBeGreaterThan(1);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(RESULTS, 'search-phone.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(RESULTS, 'search-phone-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1000, height: 900 });
  });
});

describe('more results', () => {
  it('loads the next page with "More results", without repeating a result', async () => {
    // 15 more conversations: every user message starts with "Question".
    const form = new FormData();
    form.append('file', new Blob([chatgptExportJson({ conversations: 15, messagesPer: 2, idPrefix: 'bulk' })], { type: 'application/json' }), 'bulk.json');
    const upload = await fetch(`${t.url}/api/v1/import`, { method: 'POST', body: form, headers: { cookie, origin: t.url } });
    expect(upload.status).toBe(202);
    // Indexing trails the import: wait until the count of hits stops growing (and spans two pages).
    let last = -1;
    await expect
      .poll(
        async () => {
          const count = (await t.call('GET', '/api/unified/search?q=question&kind=message&limit=100', { cookie })).body.results?.length ?? 0;
          const settled = count > 20 && count === last;
          last = count;
          return settled;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(true);

    await page.goto(`${t.url}/search?q=question&kind=message`);
    const results = page.locator('ol.results article');
    await expect.poll(() => results.count(), { timeout: 20_000 }).toBe(20);
    await page.getByRole('button', { name: 'More results' }).click();
    await expect.poll(() => results.count(), { timeout: 20_000 }).toBeGreaterThan(20);
    const links = await page.locator('ol.results article a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(new Set(links).size).toBe(links.length);
  });
});

describe('errors and access', () => {
  it('says when the server cannot be reached, and tries again', async () => {
    await context.route('**/trpc/search.query**', (route) => route.abort());
    await page.getByRole('button', { name: /^User/ }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.innerText().catch(() => '')).toContain('The server could not be reached.');
    await page.screenshot({ path: path.join(RESULTS, 'search-unreachable.png') });
    await context.unroute('**/trpc/search.query**');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => page.locator('ol.results article').count(), { timeout: 20_000 }).toBeGreaterThan(0);
  });

  it('sends a visitor who is not signed in to the sign-in page', async () => {
    const anonymous = await browser.newContext();
    const visitor = await anonymous.newPage();
    await visitor.goto(`${t.url}/capture`);
    await visitor.waitForURL(`${t.url}/signin`);
    await visitor.goto(`${t.url}/search?q=anything`);
    await visitor.waitForURL(`${t.url}/signin`);
    await anonymous.close();
  });
});

describe('offline', () => {
  it('queues a link while offline and captures it when back online', async () => {
    await page.goto(`${t.url}/capture`);
    await page.getByRole('textbox', { name: 'Share links (one per line)' }).waitFor();
    // The reload below comes from the service worker: it must be installed and in control first (its
    // precache download can still be running on a busy machine).
    await page.evaluate(async () => void (await (globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<unknown> } } }).navigator.serviceWorker.ready));
    await expect.poll(() => page.evaluate(() => Boolean((globalThis as unknown as { navigator: { serviceWorker: { controller: unknown } } }).navigator.serviceWorker.controller)), { timeout: 30_000 }).toBe(true);
    await context.setOffline(true);
    onTestFinished(() => context.setOffline(false));
    await page.getByRole('textbox', { name: 'Share links (one per line)' }).fill(CHATGPT_SHARE);
    await page.getByRole('button', { name: 'Queue for later' }).click();
    await expect.poll(() => item(CHATGPT_SHARE).getAttribute('data-phase')).toBe('offline');
    expect(await item(CHATGPT_SHARE).innerText()).toContain('Queued offline');
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).localStorage.getItem('vivim.capture.offline-queue'))).toContain(CHATGPT_SHARE);
    await page.screenshot({ path: path.join(RESULTS, 'capture-offline.png'), fullPage: true });
    // The queue is in the browser: a reload (the app comes from its service worker) still shows it.
    await page.reload();
    await expect.poll(() => item(CHATGPT_SHARE).getAttribute('data-phase').catch(() => null), { timeout: 20_000 }).toBe('offline');

    await context.setOffline(false);
    await expect.poll(() => item(CHATGPT_SHARE).getAttribute('data-phase'), { timeout: 60_000 }).toBe('done');
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).localStorage.getItem('vivim.capture.offline-queue'))).toBeNull();
    expect((await conversations()).some((c) => c.sourceUrl === CHATGPT_SHARE)).toBe(true);
    await page.screenshot({ path: path.join(RESULTS, 'capture-back-online.png'), fullPage: true });
  });
});

describe('an unreachable server', () => {
  it('keeps a link whose capture could not reach the server and sends it again later', async () => {
    const url = RETRIED_SHARE;
    await context.route('**/trpc/capture.create**', (route) => route.abort());
    onTestFinished(() => context.unroute('**/trpc/capture.create**'));
    await page.getByRole('textbox', { name: 'Share links (one per line)' }).fill(url);
    await page.getByRole('button', { name: 'Capture' }).click();
    await expect.poll(() => item(url).getAttribute('data-phase').catch(() => null)).toBe('offline');
    await context.unroute('**/trpc/capture.create**');
    // The browser never went offline, so no 'online' event: the page tries again on its own.
    await expect.poll(() => item(url).getAttribute('data-phase'), { timeout: 60_000 }).toBe('done');
  });
});

describe('many links at once', () => {
  it('follows every capture of a batch to the end (a few live streams, the rest polled)', async () => {
    await page.getByRole('textbox', { name: 'Share links (one per line)' }).fill(MORE_SHARES.join('\n'));
    await page.getByRole('button', { name: 'Capture' }).click();
    for (const url of MORE_SHARES) await expect.poll(() => item(url).getAttribute('data-phase'), { timeout: 90_000 }).toBe('done');
    // The page still answers other calls meanwhile (no connection starved by streams).
    expect(await page.getByRole('link', { name: 'Open the conversation' }).count()).toBeGreaterThanOrEqual(MORE_SHARES.length);
    await page.screenshot({ path: path.join(RESULTS, 'capture-batch.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(RESULTS, 'capture-phone.png'), fullPage: true });
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
});
