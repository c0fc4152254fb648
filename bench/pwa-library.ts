// The library at scale, for bench:pwa: a data dir seeded with N conversations through the real
// importer (a generated ChatGPT export, in this process, before the server starts), then measured
// in Chromium: how long after navigation the first rows are painted, and the long tasks
// (PerformanceObserver 'longtask', > 50 ms) while wheel-scrolling to the end of the list, which
// pulls in every page of 100 from the server and saves each in IndexedDB.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../config/index.ts';
import { modules } from '../server/composition.ts';
import { createLogger } from '../server/logger.ts';
import { startRuntime } from '../server/runtime.ts';
import { chatgptConversation } from '../tests/factories/chatgpt-export.ts';

export const LIBRARY_EMAIL = 'library@example.com';
export const LIBRARY_PASSWORD = 'correct horse battery staple';

/** Writes an export of `count` two-message conversations and imports it for a new user in `dataDir`. */
export async function seedLibrary(dataDir: string, count: number): Promise<{ conversations: number; seconds: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vivim-bench-library-'));
  const file = path.join(dir, 'conversations.json');
  try {
    const out = createWriteStream(file);
    out.write('[');
    for (let i = 0; i < count; i++) {
      if (!out.write(`${i ? ',' : ''}${JSON.stringify(chatgptConversation(i, { conversations: count, messagesPer: 2, idPrefix: 'lib' }))}`)) await once(out, 'drain');
    }
    out.end(']');
    await once(out, 'finish');
    // No worker: the index and ACU jobs wait, so they do not compete with the browser while it is measured.
    const config = loadConfig({ VIVIM_DATA_DIR: dataDir, LOG_LEVEL: 'warn', EMBEDDING_PROVIDER: 'off', VIVIM_WORKER: 'false' });
    const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: false });
    try {
      const owner = await runtime.services.auth.createUser({ email: LIBRARY_EMAIL, password: LIBRARY_PASSWORD, isAdmin: false });
      const started = performance.now();
      const { importId } = await runtime.services.capture.importer.create(owner.id, { path: file, fileName: 'conversations.json', copy: true }, false);
      const report = await runtime.services.capture.importer.run(importId, { log: runtime.log });
      return { conversations: report.conversations, seconds: Math.round((performance.now() - started) / 100) / 10 };
    } finally {
      await runtime.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What one library measurement saw. */
export interface LibraryFigures {
  /** Navigation start → the first conversation rows painted (ms). */
  firstRenderMs: number;
  /** Rows in the list once scrolled to the end (all loaded). */
  rows: number;
  /** Rows in the DOM at the end (windowing keeps it small). */
  domRows: number;
  scrollSeconds: number;
  /** Long tasks (> 50 ms) while scrolling, and the longest. */
  longTasks: number;
  longestTaskMs: number;
  /** Long tasks during the first load (before scrolling), for information. */
  loadLongTasks: number;
}

const OBSERVE = `
  window.__vivimBench = { longTasks: [], firstRows: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__vivimBench.longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
  const watcher = new MutationObserver(() => {
    if (!document.querySelector('ul[aria-label="Conversations"] > li')) return;
    watcher.disconnect();
    requestAnimationFrame(() => setTimeout(() => (window.__vivimBench.firstRows = performance.now()), 0));
  });
  document.addEventListener('DOMContentLoaded', () => watcher.observe(document.body, { childList: true, subtree: true }));
`;

interface BenchWindow {
  __vivimBench: { longTasks: { start: number; duration: number }[]; firstRows: number };
}

/** Signs in (cookie), loads the library and scrolls it to the end; `warm` loads once before (service worker and HTTP caches filled). */
export async function measureLibrary(browser: Browser, url: string, cookie: { name: string; value: string }, expected: number, options: { warm: boolean }): Promise<LibraryFigures> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await context.addCookies([{ ...cookie, url }]);
    const page = await context.newPage();
    await page.addInitScript(OBSERVE);
    if (options.warm) {
      await page.goto(`${url}/`);
      await page.waitForSelector('ul[aria-label="Conversations"] > li');
      await page.evaluate(async () => void (await (globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<unknown> } } }).navigator.serviceWorker.ready));
      await page.reload();
      await page.waitForSelector('ul[aria-label="Conversations"] > li');
      await page.reload();
    } else await page.goto(`${url}/`);
    await page.waitForFunction(() => (globalThis as unknown as BenchWindow).__vivimBench.firstRows > 0);
    await page.waitForLoadState('networkidle');
    const firstRenderMs = await page.evaluate(() => (globalThis as unknown as BenchWindow).__vivimBench.firstRows);
    const scrollStart = await page.evaluate(() => performance.now());
    const started = Date.now();
    const last = page.locator('ul[aria-label="Conversations"] > li').last();
    await page.mouse.move(600, 500);
    // Flick down like a reader: a wheel turn every frame or two until the last row is on screen.
    while (Date.now() - started < 240_000) {
      await page.mouse.wheel(0, 1600);
      await page.waitForTimeout(25);
      if ((await last.getAttribute('aria-posinset')) === String(expected)) break;
    }
    const scrollSeconds = (Date.now() - started) / 1000;
    await page.waitForTimeout(300);
    const tasks = await page.evaluate(() => (globalThis as unknown as BenchWindow).__vivimBench.longTasks);
    const during = tasks.filter((task) => task.start >= scrollStart);
    return {
      firstRenderMs: Math.round(firstRenderMs),
      rows: Number(await last.getAttribute('aria-posinset')),
      domRows: await page.locator('ul[aria-label="Conversations"] > li').count(),
      scrollSeconds: Math.round(scrollSeconds * 10) / 10,
      longTasks: during.length,
      longestTaskMs: Math.round(Math.max(0, ...during.map((task) => task.duration))),
      loadLongTasks: tasks.length - during.length,
    };
  } finally {
    await context.close();
  }
}
