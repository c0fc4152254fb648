// Memories and the context builder, end to end in Chromium against the real server: a conversation
// in which the user tells about themselves is imported, the server learns memories from it; the
// memories page lists them by type with links to the message they came from, pins, edits (history
// shows the change), forgets and adds one; the conversation shows the memories drawn from it; the
// context builder compiles a cited bundle within the budget, shows the token meter and sections by
// layer, and copies the bundle. Both pages fit a 375 px phone. Screenshots land in test-results/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chatgptConversation } from '../factories/chatgpt-export.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, prepareWebApp } from './support.ts';

const TITLE = 'Getting to know Ada';
const ABOUT = 'Hi! My name is Ada Lovelace and I work at Acme Labs as a data engineer. I prefer TypeScript over JavaScript. I live in London.';

let browser: Browser;
let t: TestServer;
let cookie = '';
let context: BrowserContext;
let conversationId = '';

interface MemoryRow {
  id: string;
  type: string;
  content: string;
  provenance: { conversationId: string; messageId: string }[];
}

async function memories(): Promise<MemoryRow[]> {
  return ((await t.call('GET', '/api/v1/memory?limit=100', { cookie })).body as { items: MemoryRow[] }).items;
}

/** How far the page is wider than the viewport (0 when nothing overflows sideways). */
function overflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

/** Uploads an export as the test user and waits for the import to finish. */
const importJson = async (json: string) => t.waitImport(cookie, await t.upload(cookie, json));

beforeAll(async () => {
  prepareWebApp();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
  cookie = (await t.signUp('ada@example.com')).cookie;
  const conversation = chatgptConversation(0, { conversations: 1, messagesPer: 2, idPrefix: 'ada' }) as { title: string; mapping: Record<string, { message: { content: { parts: string[] } } | null }> };
  conversation.title = TITLE;
  (conversation.mapping['ada-0-m0']?.message as { content: { parts: string[] } }).content.parts = [ABOUT];
  (conversation.mapping['ada-0-m1']?.message as { content: { parts: string[] } }).content.parts = ['Nice to meet you, Ada. TypeScript it is: here is a typed data pipeline for Acme Labs.'];
  await importJson(JSON.stringify([conversation]));
  // Memories are learned by a job after the conversation is stored.
  const deadline = Date.now() + 60_000;
  while ((await memories()).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 300));
  conversationId = (await memories())[0]?.provenance[0]?.conversationId ?? '';
  expect(conversationId).not.toBe('');
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.addCookies([{ name: cookie.split('=')[0] ?? '', value: cookie.split('=').slice(1).join('='), url: t.url }]);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
});

afterAll(async () => {
  await browser?.close();
  await t?.dispose();
});

describe('the memories page', () => {
  it('lists what was learned by type, with a link to the message each came from', async () => {
    const page = await context.newPage();
    await page.goto(`${t.url}/memories`);
    await page.getByRole('heading', { name: 'Memories', level: 1 }).waitFor();
    const learned = await memories();
    const typescript = learned.find((m) => /typescript/i.test(m.content));
    expect(typescript, JSON.stringify(learned)).toBeDefined();
    const item = page.locator(`#memory-${typescript?.id}`);
    await item.waitFor();
    // Grouped: the item sits under its type's heading.
    expect(await page.getByRole('heading', { name: /Preferences/ }).count()).toBe(1);
    const source = item.getByRole('link', { name: /From a ChatGPT conversation/ });
    expect(await source.getAttribute('href')).toBe(`/conversations/${conversationId}#m-${typescript?.provenance[0]?.messageId}`);
    expect(await item.locator('q').innerText()).toContain('TypeScript');
    await page.screenshot({ path: path.join(RESULTS, 'memories.png'), fullPage: true });

    // Pin it, edit it (the history shows the change), then follow its source to the message.
    await item.getByRole('button', { name: 'Pin', exact: true }).click();
    await item.getByRole('button', { name: 'Unpin' }).waitFor();
    await item.getByRole('button', { name: 'Edit' }).click();
    await item.getByLabel('Memory').fill('Prefers TypeScript with strict mode over JavaScript');
    await item.getByRole('button', { name: 'Save' }).click();
    await item.getByText('Prefers TypeScript with strict mode over JavaScript').waitFor();
    await item.getByRole('button', { name: 'History' }).click();
    const history = item.getByRole('list', { name: /History of/ });
    await history.getByText('Edited').waitFor();
    expect(await history.locator('del').first().innerText()).toBe(typescript?.content);
    expect((await memories()).find((m) => m.id === typescript?.id)?.content).toBe('Prefers TypeScript with strict mode over JavaScript');
    await page.screenshot({ path: path.join(RESULTS, 'memories-history.png'), fullPage: true });

    await source.click();
    await page.waitForURL(`${t.url}/conversations/${conversationId}#m-${typescript?.provenance[0]?.messageId}`);
    await page.getByRole('heading', { name: TITLE }).waitFor();
    await page.getByRole('button', { name: /Memories & knowledge units/ }).click();
    const beside = page.getByRole('region', { name: /Memories from here/ });
    await beside.getByText('Prefers TypeScript with strict mode over JavaScript').waitFor();
    await page.screenshot({ path: path.join(RESULTS, 'conversation-memories.png') });
    await page.close();
  });

  it('forgets one and adds one by hand', async () => {
    const page = await context.newPage();
    await page.goto(`${t.url}/memories`);
    const victim = (await memories()).find((m) => !/typescript/i.test(m.content));
    const item = page.locator(`#memory-${victim?.id}`);
    page.once('dialog', (dialog) => void dialog.accept());
    await item.getByRole('button', { name: 'Forget' }).click();
    await expect.poll(() => item.count()).toBe(0);
    expect((await memories()).some((m) => m.id === victim?.id)).toBe(false);

    await page.getByRole('button', { name: 'Add a memory' }).click();
    await page.getByLabel('Memory', { exact: true }).fill('Always answer in British English');
    await page.getByLabel('Type', { exact: true }).first().selectOption('instruction');
    await page.getByRole('button', { name: 'Save memory' }).click();
    await page.getByRole('heading', { name: /Instructions/ }).waitFor();
    await page.getByText('Always answer in British English').waitFor();
    expect((await memories()).some((m) => m.type === 'instruction' && m.content === 'Always answer in British English')).toBe(true);

    await page.getByLabel('Filter memories').fill('british');
    await expect.poll(() => page.locator('li.memory').count()).toBe(1);
    await page.close();
  });
});

describe('the context builder', () => {
  it('builds a cited bundle within the budget, by layer, and copies it', async () => {
    const page = await context.newPage();
    await page.goto(`${t.url}/context`);
    await page.getByLabel('Prompt').fill('Help me set up a TypeScript data pipeline at Acme Labs');
    await page.getByLabel('Budget (tokens)').fill('1000');
    await page.getByRole('button', { name: 'Build context' }).click();
    const meter = page.getByRole('meter');
    await meter.waitFor();
    const used = Number(await meter.getAttribute('aria-valuenow'));
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(1000);
    expect(await meter.getAttribute('aria-valuemax')).toBe('1000');
    // Memories land in their layers, each cited back to its source.
    const sections = page.locator('.section h3');
    expect((await sections.allInnerTexts()).join('\n')).toMatch(/L[12]/);
    await page.getByText('Prefers TypeScript with strict mode over JavaScript').first().waitFor();
    const sources = page.getByRole('link', { name: /^Source of/ });
    expect(await sources.count()).toBeGreaterThan(0);
    expect(await sources.first().getAttribute('href')).toMatch(/^\/(memories#memory-|conversations\/)/);
    const bundle = await page.locator('#bundle-text').innerText();
    expect(bundle).toContain('TypeScript');
    await page.getByRole('button', { name: 'Copy the bundle' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(bundle);
    await page.screenshot({ path: path.join(RESULTS, 'context-builder.png'), fullPage: true });

    await page.getByLabel('Format').selectOption('xml');
    await page.getByRole('button', { name: 'Build context' }).click();
    await expect.poll(async () => (await page.locator('#bundle-text').innerText()).trimStart().startsWith('<')).toBe(true);
    await page.close();
  });

  it('fits a 375 px phone, as do the memories', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${t.url}/context?prompt=${encodeURIComponent('What do I prefer for typed code?')}`);
    await page.getByRole('button', { name: 'Build context' }).click();
    await page.getByRole('meter').waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(RESULTS, 'context-builder-phone.png'), fullPage: true });
    await page.goto(`${t.url}/memories`);
    await page.locator('li.memory').first().waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(RESULTS, 'memories-phone.png'), fullPage: true });
    await page.close();
  });
});
