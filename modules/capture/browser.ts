import { existsSync } from 'node:fs';
import type { Browser, Route } from 'playwright-core';
import type { Logger } from 'pino';
import { CaptureError } from './errors.ts';

/** What the browser may load: the decision for each request the page makes. */
export type RouteDecision = { action: 'abort' } | { action: 'fulfill'; status: number; contentType: string; body: string | Buffer; headers?: Record<string, string> };

/** Decides every request of a rendered page: the guarded fetch in production, recorded pages in tests. Nothing else reaches the network. */
export type RouteDecider = (url: URL, method: string) => Promise<RouteDecision>;

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const IDLE_CLOSE_MS = 60_000;

/**
 * Renders pages in Debian's headless Chromium for providers whose share pages are built by scripts.
 * One browser, launched on first use and closed after a minute idle; a fresh context per page (no
 * cookies, no service workers, no WebSockets); every request goes through the route decider.
 */
export class BrowserRenderer {
  private browser: Promise<Browser> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private active = 0;
  private readonly chromiumPath: string;
  private readonly log: Logger;

  constructor(options: { chromiumPath: string; log: Logger }) {
    this.chromiumPath = options.chromiumPath;
    this.log = options.log;
  }

  private launch(): Promise<Browser> {
    if (!existsSync(this.chromiumPath)) {
      throw new CaptureError('BROWSER_UNAVAILABLE', `Chromium is not installed at ${this.chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
    }
    // playwright-core loads on first use: most processes never render a page (keeps boot and idle memory down).
    this.browser ??= import('playwright-core')
      .then(({ chromium }) => chromium.launch({ executablePath: this.chromiumPath, args: ARGS, headless: true }))
      .catch((error: unknown) => {
      this.browser = undefined;
      throw new CaptureError('BROWSER_UNAVAILABLE', `Chromium did not start: ${(error as Error).message.split('\n')[0]}`);
    });
    return this.browser;
  }

  /** Loads the page, waits for `readySelector` (or the network to settle) and returns the rendered HTML. */
  async render(url: URL, options: { decide: RouteDecider; timeoutMs: number; maxBytes: number; readySelector?: string; signal?: AbortSignal }): Promise<string> {
    clearTimeout(this.idleTimer);
    this.active++;
    const browser = await this.launch();
    const context = await browser.newContext({ serviceWorkers: 'block', javaScriptEnabled: true, acceptDownloads: false, userAgent: undefined, locale: 'en-US' });
    try {
      await context.routeWebSocket(/.*/, (socket) => socket.close());
      let bytes = 0;
      await context.route('**/*', async (route: Route) => {
        const requestUrl = new URL(route.request().url());
        if (requestUrl.protocol === 'data:' || requestUrl.protocol === 'blob:') return route.continue();
        const decision = await options.decide(requestUrl, route.request().method()).catch(() => ({ action: 'abort' }) as const);
        if (decision.action === 'fulfill') {
          bytes += decision.body.length;
          return route.fulfill({ status: decision.status, contentType: decision.contentType, body: decision.body, headers: decision.headers });
        }
        // Chromium never fetches by itself: redirects it would follow on its own would skip the guard.
        return route.abort('blockedbyclient');
      });
      const page = await context.newPage();
      const abort = () => void context.close().catch(() => undefined);
      options.signal?.addEventListener('abort', abort, { once: true });
      try {
        const response = await page.goto(url.href, { waitUntil: 'domcontentloaded', timeout: options.timeoutMs });
        if (response && (response.status() === 404 || response.status() === 410)) throw new CaptureError('NOT_FOUND', 'The share link does not exist (deleted or private)', { url: url.href });
        if (options.readySelector) {
          await page.waitForSelector(options.readySelector, { timeout: options.timeoutMs, state: 'attached' }).catch(() => this.log.debug({ url: url.href }, 'ready selector not seen'));
        } else {
          await page.waitForLoadState('networkidle', { timeout: Math.min(options.timeoutMs, 5000) }).catch(() => undefined);
        }
        const html = await page.content();
        if (html.length > options.maxBytes || bytes > options.maxBytes * 4) throw new CaptureError('TOO_LARGE', `The rendered page is larger than ${Math.round(options.maxBytes / 1e6)} MB`, { url: url.href });
        return html;
      } catch (error) {
        if (error instanceof CaptureError) throw error;
        // The worker is shutting down: a plain error, so the job is retried after the restart.
        if (options.signal?.aborted) throw new Error('capture interrupted by shutdown: it is retried', { cause: error });
        if ((error as Error).name === 'TimeoutError') throw new CaptureError('TIMEOUT', `The page did not load within ${options.timeoutMs / 1000} s`, { url: url.href });
        throw new CaptureError('EXTRACTION_FAILED', `The browser could not load the page: ${(error as Error).message.split('\n')[0]}`, { step: 'render', url: url.href });
      } finally {
        options.signal?.removeEventListener('abort', abort);
      }
    } finally {
      await context.close().catch(() => undefined);
      this.active--;
      if (this.active === 0) this.idleTimer = setTimeout(() => void this.close(), IDLE_CLOSE_MS).unref();
    }
  }

  /** Closes the browser (idle or shutdown). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close().catch(() => undefined);
  }
}
