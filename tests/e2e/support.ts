// Shared by the end-to-end tests: Debian's Chromium, the saved provider pages in ../shared/fixtures,
// and request routing that serves those pages under their real URLs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = path.resolve(ROOT, '..', 'shared', 'fixtures');
/** Screenshots land here (gitignored). */
export const RESULTS = path.join(ROOT, 'test-results');

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Before an e2e file: the web app is built (or found current) and the screenshot folder exists. */
export function prepareWebApp(): void {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-client.ts')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`building the web app failed (exit ${build.status})`);
  mkdirSync(RESULTS, { recursive: true });
}

/** A public Claude share whose saved page holds 4 messages. */
export const CLAUDE_SHARE = 'https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5';
export const CLAUDE_MESSAGES = 4;

/**
 * The saved Claude share page. SingleFile, which saved it, added a `default-src 'none'` CSP meta
 * tag; `withCsp: false` removes it so the page behaves like the live one minus claude.ai's own CSP
 * header (which, like that tag, forbids connecting to a VIVIM server).
 */
export function claudePage(options: { withCsp: boolean }): string {
  const html = readFileSync(path.join(FIXTURES, 'share-pages', 'claude', 'page.html'), 'utf8');
  return options.withCsp ? html : html.replace(/<meta http-equiv=content-security-policy[^>]*>/gi, '');
}

/**
 * Routes every web request of `context`: the VIVIM server's own URLs go through, `pages` (URL → HTML)
 * are served as if from their sites, and everything else is aborted — no request leaves the machine.
 */
export async function routeProviders(context: BrowserContext, server: string, pages: Record<string, string>): Promise<void> {
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    // The server, and the extension's own files (chrome-extension://), go through.
    if (url === server || url.startsWith(`${server}/`) || !/^https?:/.test(url)) return route.continue();
    const html = pages[url.split('#')[0] ?? url];
    if (html !== undefined) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
    return route.abort();
  });
}
