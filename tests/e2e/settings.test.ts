// First run, accounts and administration, end to end in Chromium against a fresh server with Google
// sign-in configured: the first account is created from the landing page and becomes the admin;
// the settings page shows the profile and sessions and signs out the others; API keys are created
// with chosen permissions, shown once, work, and stop working when revoked; the admin page shows
// health, providers, jobs (a self-test runs) and people; a member sees no administration; every
// page is labelled for assistive technology and fits a 375 px phone. Screenshots land in test-results/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, prepareWebApp } from './support.ts';

const ADMIN = 'owner@example.com';
const MEMBER = 'member@example.com';

let browser: Browser;
let t: TestServer;
/** The admin's browser, signed in by the first-run test and reused by the next ones. */
let admin: BrowserContext;

beforeAll(async () => {
  prepareWebApp();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000', GOOGLE_CLIENT_ID: 'e2e-client', GOOGLE_CLIENT_SECRET: 'e2e-secret' } });
});

afterAll(async () => {
  await browser?.close();
  await t?.dispose();
});

/** Form controls and buttons on the page that have no accessible name (label, aria-label or text). */
function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ outerHTML: string; getAttribute(n: string): string | null; textContent: string | null; labels?: ArrayLike<unknown> | null; tagName: string }> } }).document;
    return Array.from(doc.querySelectorAll('input, select, textarea, button, a[href]'))
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !(el.textContent ?? '').trim() && el.getAttribute('type') !== 'hidden')
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

/** How far the page is wider than the viewport (0 when nothing overflows sideways). */
function overflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

describe('first run', () => {
  it('creates the first account from the landing page, which becomes the administrator', async () => {
    admin = await browser.newContext({ viewport: { width: 1200, height: 850 } });
    const page = await admin.newPage();
    await page.goto(`${t.url}/`);
    await page.getByRole('link', { name: 'Create the first account' }).click();
    await page.getByRole('heading', { name: 'Welcome to VIVIM' }).waitFor();
    await page.getByText('administers this server').waitFor();
    // Google sign-in is configured: its button starts the OAuth flow on the server.
    expect(await page.getByRole('link', { name: 'Continue with Google' }).getAttribute('href')).toBe('/api/auth/google');
    expect(await unlabelled(page)).toEqual([]);
    await page.screenshot({ path: path.join(RESULTS, 'first-run.png') });

    await page.getByLabel('Name').fill('Ada Owner');
    await page.getByLabel('Email').fill(ADMIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByText('Administrator', { exact: true }).waitFor();
    expect(await page.locator('.facts').innerText()).toContain('Ada Owner');
    await page.getByRole('link', { name: 'Administration' }).waitFor();
  });
});

describe('sessions', () => {
  it('lists the sessions with this device marked, and signs out the others', async () => {
    // A second sign-in elsewhere (a script, as another device would).
    const other = await t.call('POST', '/api/v1/auth/sign-in', { body: { email: ADMIN, password: PASSWORD } });
    const otherCookie = (other.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await t.call('GET', '/api/v1/auth/me', { cookie: otherCookie })).status).toBe(200);

    const page = await admin.newPage();
    await page.goto(`${t.url}/settings`);
    const rows = page.getByRole('table', { name: 'Sessions' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.filter({ hasText: 'This device' }).innerText()).toContain('Chrome on Linux');
    expect(await unlabelled(page)).toEqual([]);
    await page.screenshot({ path: path.join(RESULTS, 'settings-account.png'), fullPage: true });

    await page.getByRole('button', { name: 'Sign out 1 other session' }).click();
    await page.getByText('Signed out 1 other session.').waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    expect((await t.call('GET', '/api/v1/auth/me', { cookie: otherCookie })).status).toBe(401);
    await page.close();
  });
});

describe('API keys', () => {
  it('creates a key with chosen permissions, shows it once, and revokes it', async () => {
    await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    const page = await admin.newPage();
    await page.goto(`${t.url}/settings/api-keys`);
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    // Keyboard only: type a name, tick "write" with the space bar, submit with Enter.
    await page.getByLabel('Name').focus();
    await page.keyboard.type('Laptop CLI');
    await page.getByRole('checkbox', { name: /^write/ }).focus();
    await page.keyboard.press('Space');
    await page.getByLabel('Name').focus();
    await page.keyboard.press('Enter');
    const field = page.getByLabel('New API key');
    await field.waitFor();
    // Focus moves to the new key so it can be copied at once.
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe('new-key');
    const key = await field.inputValue();
    expect(key.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(key);
    const row = page.getByRole('table', { name: 'Your keys' }).locator('tbody tr', { hasText: 'Laptop CLI' });
    expect(await row.innerText()).toMatch(/read[\s\S]*write/);
    expect(await row.innerText()).toContain(key.slice(0, 8));
    expect(await unlabelled(page)).toEqual([]);
    await page.screenshot({ path: path.join(RESULTS, 'settings-api-keys.png'), fullPage: true });

    // The key works against the API; after a reload it is no longer shown anywhere.
    expect((await t.call('GET', '/api/v1/conversations', { bearer: key })).status).toBe(200);
    await page.reload();
    await row.waitFor();
    expect(await page.getByLabel('New API key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke Laptop CLI' }).click();
    await page.getByText('Revoked Laptop CLI.').waitFor();
    expect((await t.call('GET', '/api/v1/conversations', { bearer: key })).status).toBe(401);
    await page.close();
  });
});

describe('administration', () => {
  it('shows health, providers and plugins, jobs (a self-test runs) and people', async () => {
    await t.call('POST', '/api/v1/auth/sign-up', { body: { email: MEMBER, password: PASSWORD } });
    const page = await admin.newPage();
    await page.goto(`${t.url}/settings/admin`);
    await page.getByText('Healthy', { exact: true }).waitFor();
    const providers = page.getByRole('table', { name: 'Providers and plugins' });
    expect(await providers.locator('tr', { hasText: 'chatgpt' }).innerText()).toContain('Loaded');
    expect(await providers.locator('tbody tr').count()).toBeGreaterThan(5);
    await page.getByRole('button', { name: 'Run a worker self-test' }).click();
    const job = page.getByRole('table', { name: 'Jobs' }).locator('tr', { hasText: 'admin.selfTest' });
    await expect.poll(() => job.first().innerText(), { timeout: 20_000 }).toContain('done');
    expect(await page.getByRole('table', { name: 'People' }).innerText()).toContain(MEMBER);
    expect(await unlabelled(page)).toEqual([]);
    await page.screenshot({ path: path.join(RESULTS, 'settings-admin.png'), fullPage: true });
    await page.close();
  });

  it('is not offered to members', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${t.url}/signin`);
    await page.getByLabel('Email').fill(MEMBER);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.goto(`${t.url}/settings`);
    await page.getByText('Member', { exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    await page.goto(`${t.url}/settings/admin`);
    await page.getByText('This page is for administrators.').waitFor();
    // The admin scope is not offered to a member's keys.
    await page.goto(`${t.url}/settings/api-keys`);
    await page.getByRole('checkbox', { name: /^read/ }).waitFor();
    expect(await page.getByRole('checkbox', { name: /^admin/ }).count()).toBe(0);
    await context.close();
  });
});

describe('on a phone', () => {
  it('fits every settings page in 375 px and signs out', async () => {
    const page = await admin.newPage();
    await page.setViewportSize({ width: 375, height: 812 });
    for (const [route, heading, shot] of [
      ['/settings', 'Settings', 'settings-account-phone.png'],
      ['/settings/api-keys', 'API keys', 'settings-api-keys-phone.png'],
      ['/settings/admin', 'Administration', 'settings-admin-phone.png'],
    ] as const) {
      await page.goto(`${t.url}${route}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.locator('table tbody tr').first().waitFor();
      expect(await overflow(page), route).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(RESULTS, shot), fullPage: true });
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${t.url}/signin`);
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('vivim.session.user'))).toBeNull();
    await page.close();
  });
});
