// Web app budget: the JavaScript (gzip) the first page loads for a signed-in user (the library) and
// for a conversation opened directly, measured in Debian's Chromium against a real server on a
// fresh data dir. Budget: < 200 KB gzip for the first page; KaTeX, mermaid and shiki load on demand.
// Then the library with 10k conversations (bench/pwa-library.ts): first render < 1 s, no long task
// (> 50 ms) while scrolling to the end, cold (first visit) and warm (service worker installed).
// Usage: npm run build && npm run bench:pwa [-- --files] [-- --library N (0 skips)]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { LIBRARY_EMAIL, LIBRARY_PASSWORD, measureLibrary, seedLibrary, type LibraryFigures } from './pwa-library.ts';
import { lazyLibrariesIn, recordJs } from './pwa-size.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PUBLIC = path.join(ROOT, '.output', 'public');
const BUDGET = 200 * 1024;
const FIRST_RENDER_MS = 1000;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const libraryIndex = process.argv.indexOf('--library');
const librarySize = libraryIndex > 0 ? Number(process.argv[libraryIndex + 1]) : 10_000;

const dataDir = mkdtempSync(path.join(tmpdir(), 'vivim-bench-pwa-'));
if (librarySize > 0) {
  const seeded = await seedLibrary(dataDir, librarySize);
  console.log(`library: ${seeded.conversations} conversations imported in ${seeded.seconds} s`);
}
// No worker: the seeded conversations' index jobs would otherwise compete with the browser.
const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'vivim.js'), 'start'], { env: { ...process.env, VIVIM_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', VIVIM_WORKER: 'false' }, stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${stderr}`);
    url = /"url":"(http:\/\/[^"]+)"/.exec(stderr)?.[1];
    if (!url) await sleep(20);
  }
  while ((await fetch(`${url}/ready`).catch(() => undefined))?.status !== 200) await sleep(50);

  const signUp = await fetch(`${url}/api/v1/auth/sign-up`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ email: 'bench@example.com', password: 'correct horse battery staple' }) });
  const [name, value] = (signUp.headers.get('set-cookie') ?? '').split(';')[0]?.split('=') ?? [];
  const cookies = [{ name: name ?? '', value: value ?? '', url }];

  const results: Record<string, { gzip: number; bytes: number; files: number; lazy: string[] }> = {};
  for (const [label, route, ready] of [
    ['library', '/', 'h1:has-text("Library")'],
    ['signed-out landing', '/', 'h1:has-text("VIVIM")'],
  ] as const) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    if (label === 'library') await context.addCookies(cookies);
    const page = await context.newPage();
    const total = recordJs(page, PUBLIC);
    await page.goto(`${url}${route}`);
    await page.waitForSelector(ready);
    await page.waitForLoadState('networkidle');
    const budget = total();
    results[label] = { gzip: budget.gzip, bytes: budget.bytes, files: budget.files.length, lazy: lazyLibrariesIn(budget, PUBLIC) };
    if (process.argv.includes('--files')) for (const file of budget.files) console.log(`  ${file.path} ${kb(file.gzip)}`);
    console.log(`${label}: ${budget.files.length} JS files, ${kb(budget.bytes)} raw, ${kb(budget.gzip)} gzip${results[label].lazy.length ? `; lazy libraries loaded: ${results[label].lazy.join(', ')}` : ''}`);
    await context.close();
  }
  const first = results.library?.gzip ?? 0;
  const library: Record<string, LibraryFigures> = {};
  if (librarySize > 0) {
    const signIn = await fetch(`${url}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ email: LIBRARY_EMAIL, password: LIBRARY_PASSWORD }) });
    const [cookieName, cookieValue] = (signIn.headers.get('set-cookie') ?? '').split(';')[0]?.split('=') ?? [];
    for (const warm of [false, true]) {
      const figures = await measureLibrary(browser, url, { name: cookieName ?? '', value: cookieValue ?? '' }, librarySize, { warm });
      library[warm ? 'warm' : 'cold'] = figures;
      console.log(`library of ${figures.rows} (${warm ? 'warm' : 'cold'}): first rows painted ${figures.firstRenderMs} ms after navigation; scrolled to the end in ${figures.scrollSeconds} s with ${figures.domRows} rows in the DOM; long tasks while scrolling: ${figures.longTasks} (longest ${figures.longestTaskMs} ms); during load: ${figures.loadLongTasks}`);
    }
  }
  const libraryOk = Object.values(library).every((f) => f.firstRenderMs < FIRST_RENDER_MS && f.longTasks === 0 && f.rows === librarySize);
  console.log(JSON.stringify({ initialJsGzipKb: Number((first / 1024).toFixed(1)), budgetKb: BUDGET / 1024, withinBudget: first < BUDGET, library, libraryOk, results }));
  if (first >= BUDGET || !libraryOk) process.exitCode = 1;
} finally {
  await browser.close();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
