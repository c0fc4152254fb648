// The library and the conversation view, end to end: a ChatGPT export with code, a table, math and
// a mermaid diagram (and an edited first question: two branches) plus 300 filler conversations is
// imported; the user signs in to the real PWA, scrolls and filters the library, opens the
// conversation and sees every part rendered, switches branches, follows a #m-<id> link, and the
// first page stays within its JavaScript budget. Screenshots land in test-results/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { lazyLibrariesIn, recordJs } from '../../bench/pwa-size.ts';
import { chatgptConversation } from '../factories/chatgpt-export.ts';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, ROOT, prepareWebApp } from './support.ts';

const PUBLIC = path.join(ROOT, '.output', 'public');
const TITLE = 'Rich rendering sampler';
const FILLERS = 300;

const RICH_ANSWER = [
  'Here is everything at once, with inline math $a^2 + b^2 = c^2$ too.',
  '',
  '```python',
  'def fib(n: int) -> int:',
  '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
  '```',
  '',
  '| Language | Typing |',
  '| --- | --- |',
  '| Python | dynamic |',
  '| Rust | static |',
  '',
  '$$',
  '\\int_0^1 x^2 \\, dx = \\frac{1}{3}',
  '$$',
  '',
  '```mermaid',
  'graph TD',
  '  A[Question] --> B{Known?}',
  '  B -->|yes| C[Answer]',
  '  B -->|no| D[Search]',
  '```',
  '',
  'That is all.',
].join('\n');

/** The sampler: sys → question → rich answer (current branch), and an edited question → its own answer. */
function samplerConversation(): Record<string, unknown> {
  const conversation = chatgptConversation(0, { conversations: 1, messagesPer: 2, branchEvery: 1, idPrefix: 'sampler' }) as {
    title: string; mapping: Record<string, { id: string; parent: string | null; children: string[]; message: { content: { parts: string[] }; create_time: number } | null }>;
  };
  conversation.title = TITLE;
  const mapping = conversation.mapping;
  (mapping['sampler-0-m0']?.message as { content: { parts: string[] } }).content.parts = ['Show me code, a table, math and a diagram.'];
  (mapping['sampler-0-m1']?.message as { content: { parts: string[] } }).content.parts = [RICH_ANSWER];
  const edit = mapping['sampler-0-m0-edit'];
  (edit?.message as { content: { parts: string[] } }).content.parts = ['Only a short answer this time, please.'];
  const answer = structuredClone(mapping['sampler-0-m1']) as NonNullable<typeof edit>;
  answer.id = 'sampler-0-m1-edit';
  answer.parent = 'sampler-0-m0-edit';
  answer.children = [];
  Object.assign(answer.message as object, { id: 'sampler-0-m1-edit', create_time: 1_700_000_200, content: { content_type: 'text', parts: ['Short answer: **42**.'] } });
  mapping['sampler-0-m1-edit'] = answer;
  edit?.children.push('sampler-0-m1-edit');
  return conversation;
}

let browser: Browser;
let t: TestServer;
let cookie = '';
let conversationId = '';

/** Uploads an export as the test user and waits for the import to finish. */
const importJson = async (json: string) => t.waitImport(cookie, await t.upload(cookie, json));

beforeAll(async () => {
  prepareWebApp();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000', CAPTURE_RATE_LIMIT_PER_MINUTE: '1000', EMBEDDING_PROVIDER: 'off' } });
  cookie = (await t.signUp('reader@example.com')).cookie;
  const fillers = Array.from({ length: FILLERS }, (_, i) => chatgptConversation(i + 1, { conversations: FILLERS, messagesPer: 2, idPrefix: 'filler' }));
  await importJson(JSON.stringify(fillers));
  await importJson(JSON.stringify([samplerConversation()]));
  const listed = await t.call('GET', `/api/v1/conversations?q=${encodeURIComponent('Rich rendering')}`, { cookie });
  conversationId = listed.body.items[0].id;
});

afterAll(async () => {
  await browser?.close();
  await t?.dispose();
});

async function signIn(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${t.url}/signin`);
  await page.getByLabel('Email').fill('reader@example.com');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${t.url}/`);
  return page;
}

describe('the library', () => {
  it('lists 301 conversations with a small DOM, loads pages as it scrolls, filters by title', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await signIn(context);
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    const rows = page.locator('ul[aria-label="Conversations"] > li');
    await expect.poll(() => rows.count()).toBeGreaterThan(5);
    expect(await rows.count()).toBeLessThan(40); // windowed: the first 100 are loaded, ~20 rendered
    await expect.poll(() => page.getByRole('link', { name: TITLE }).count()).toBe(1); // newest first
    await page.screenshot({ path: path.join(RESULTS, 'library.png') });

    // Scrolling to the bottom pulls every page in; the DOM stays small.
    // Each poll scrolls to the current bottom, as a reader flicking down would, and reads the list's height.
    const scrolledHeight = async () => {
      await page.keyboard.press('End');
      await page.mouse.wheel(0, 5_000);
      return Number.parseInt((await page.locator('ul[aria-label="Conversations"]').getAttribute('style'))?.match(/height: (\d+)px/)?.[1] ?? '0', 10);
    };
    await expect.poll(scrolledHeight, { timeout: 30_000, interval: 300 }).toBe((FILLERS + 1) * 76);
    expect(await rows.count()).toBeLessThan(40);
    await expect.poll(() => rows.last().getAttribute('aria-posinset')).toBe(String(FILLERS + 1));
    await page.screenshot({ path: path.join(RESULTS, 'library-end.png') });

    await page.getByLabel('Filter by title').fill('rich render');
    await expect.poll(() => rows.count()).toBe(1);
    expect(page.url()).toContain('q=rich+render');
    await context.close();
  });

  it('tags two selected conversations at once', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await signIn(context);
    const rows = page.locator('ul[aria-label="Conversations"] > li');
    await rows.nth(2).waitFor();
    const titles = [await rows.nth(1).locator('a').innerText(), await rows.nth(2).locator('a').innerText()];
    await rows.nth(1).getByRole('checkbox').check();
    await rows.nth(2).getByRole('checkbox').check();
    await page.getByText('2 selected').waitFor();
    await page.getByLabel('Tag to add').fill('Reading');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect.poll(() => rows.filter({ hasText: '#reading' }).count()).toBe(2);
    await page.screenshot({ path: path.join(RESULTS, 'library-bulk.png') });
    const tagged = await t.call('GET', '/api/v1/conversations?tag=reading', { cookie });
    expect(tagged.body.items.map((c: { title: string }) => c.title).sort()).toEqual(titles.sort());
    await context.close();
  });

  it('keeps the first page under 200 KB of gzipped JavaScript, without KaTeX, mermaid or shiki', async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await context.addCookies([{ name: cookie.split('=')[0] ?? '', value: cookie.split('=').slice(1).join('='), url: t.url }]);
    const page = await context.newPage();
    const total = recordJs(page, PUBLIC);
    await page.goto(`${t.url}/`);
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.waitForLoadState('networkidle');
    const budget = total();
    console.log(`first page: ${budget.files.length} JS files, ${(budget.gzip / 1024).toFixed(1)} KB gzip`);
    expect(budget.gzip).toBeLessThan(200 * 1024);
    expect(lazyLibrariesIn(budget, PUBLIC)).toEqual([]);
    await context.close();
  });
});

describe('the conversation view', () => {
  it('renders highlighted code, a table, KaTeX math and a mermaid diagram', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await signIn(context);
    await page.getByLabel('Filter by title').fill('sampler');
    await page.getByRole('link', { name: TITLE }).click();
    await page.waitForURL(`${t.url}/conversations/${conversationId}`);
    await page.getByRole('heading', { name: TITLE }).waitFor();

    const code = page.locator('figure.code[data-language="python"]');
    await expect.poll(() => code.locator('pre.shiki span[style*="color"]').count(), { timeout: 20_000 }).toBeGreaterThan(3);
    expect(await code.innerText()).toContain('def fib(n: int) -> int:');
    expect(await page.locator('.table-wrap th').allInnerTexts()).toEqual(['Language', 'Typing']);
    expect(await page.locator('.table-wrap td').allInnerTexts()).toEqual(['Python', 'dynamic', 'Rust', 'static']);
    await expect.poll(() => page.locator('.math.display .katex-display').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.locator('.math-inline .katex').count()).toBe(1);
    await expect.poll(() => page.locator('.mermaid .diagram svg').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('.mermaid .diagram svg').innerHTML()).toContain('Question');
    await page.screenshot({ path: path.join(RESULTS, 'conversation.png'), fullPage: true });

    // Copy button: the code, not the highlighted markup, goes to the clipboard.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    await code.getByRole('button', { name: 'Copy python code' }).click();
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toContain('return n if n < 2');

    // The knowledge-unit panel opens beside the messages.
    await page.getByRole('button', { name: 'Knowledge units' }).click();
    await page.getByRole('heading', { name: /Knowledge units/ }).waitFor();
    await page.screenshot({ path: path.join(RESULTS, 'conversation-acus.png') });
    await context.close();
  });

  it('switches to the edited branch and back', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await signIn(context);
    await page.goto(`${t.url}/conversations/${conversationId}`);
    const versions = page.getByRole('navigation', { name: 'Versions of this message' });
    await versions.getByText('1 / 2').waitFor();
    await versions.getByRole('button', { name: 'Next version' }).click();
    await versions.getByText('2 / 2').waitFor();
    await page.getByText('Only a short answer this time, please.').waitFor();
    expect(await page.getByText('Short answer:').count()).toBe(1);
    expect(await page.locator('figure.code').count()).toBe(0);
    await page.screenshot({ path: path.join(RESULTS, 'conversation-branch.png') });
    await versions.getByRole('button', { name: 'Previous version' }).click();
    await page.locator('figure.code').first().waitFor();
    await context.close();
  });

  it('opens a #m-<id> link on the message\'s own branch and highlights it', async () => {
    const detail = (await t.call('GET', `/api/v1/conversations/${conversationId}?allBranches=true`, { cookie })).body as { messages: { id: string; sourceMessageId: string }[] };
    const target = detail.messages.find((m) => m.sourceMessageId === 'sampler-0-m1-edit')?.id;
    expect(target).toBeDefined();
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await signIn(context);
    await page.goto(`${t.url}/conversations/${conversationId}#m-${target}`);
    const message = page.locator(`#m-${target}`);
    await expect.poll(() => message.getAttribute('class'), { timeout: 10_000 }).toContain('highlighted');
    expect(await message.innerText()).toContain('Short answer');
    await context.close();
  });

  it('reads well on a phone in the dark theme', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await signIn(context);
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.screenshot({ path: path.join(RESULTS, 'library-phone-dark.png') });
    await page.goto(`${t.url}/conversations/${conversationId}`);
    await expect.poll(() => page.locator('.mermaid .diagram svg').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.locator('pre.shiki').count(), { timeout: 20_000 }).toBe(1);
    await page.screenshot({ path: path.join(RESULTS, 'conversation-phone-dark.png'), fullPage: true });
    // Nothing wider than the screen: long lines scroll inside their own boxes.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await context.close();
  });
});
