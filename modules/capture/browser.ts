import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PlaywrightCrawler, PlaywrightCrawlingContext } from '@crawlee/playwright';
import type { Page, Route } from 'playwright';
import type { Logger } from 'pino';
import { CaptureError, type CaptureErrorCode } from './errors.ts';

/** What the browser may load: the decision for each request the page makes. An abort may say why (BLOCKED_HOST…). */
export type RouteDecision = { action: 'abort'; code?: CaptureErrorCode } | { action: 'fulfill'; status: number; contentType: string; body: string | Buffer; headers?: Record<string, string> };

/** Decides every request of a rendered page: the guarded fetch in production, recorded pages in tests. Nothing else reaches the network. */
export type RouteDecider = (url: URL, method: string) => Promise<RouteDecision>;

/** One page to render. */
export interface RenderOptions {
  decide: RouteDecider;
  timeoutMs: number;
  maxBytes: number;
  readySelector?: string;
  signal?: AbortSignal;
}

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const IDLE_CLOSE_MS = 60_000;
/** Pages rendered at once: the useful ceiling on two cores (20 pages: 7.7 s at 1, 6.0 s at 2, 6.4 s at 4). */
const MAX_PAGES = 2;
/** Extra tries of a page that answered 5xx or could not be reached, inside one capture attempt. */
const PAGE_RETRIES = 2;
/** Errors that end a page at once: the same answer would come again. */
const FINAL_CODES: ReadonlySet<CaptureErrorCode> = new Set(['BLOCKED_HOST', 'NOT_FOUND', 'TOO_LARGE', 'RATE_LIMITED', 'TIMEOUT', 'INVALID_CONTENT', 'BROWSER_UNAVAILABLE']);

interface PendingRender {
  url: URL;
  options: RenderOptions;
  resolve(html: string): void;
  reject(error: Error): void;
  /** Set when the route decider refused the page's own navigation: why (BLOCKED_HOST…), EXTRACTION_FAILED when it did not say. */
  navigationRefused?: CaptureErrorCode;
  bytes: number;
}

/** The part of proxy-chain's Server that `importCrawlee` touches. */
interface ProxyChainServer {
  host?: string;
  listen(): Promise<void>;
  close(closeConnections: boolean): Promise<void>;
}

/**
 * Imports crawlee without the HTTP proxy its browser pool opens. On import, @crawlee/browser-pool
 * starts a proxy-chain server on a random port of every interface (for per-context proxies, which
 * VIVIM does not use) and points Chromium at it: an open forward proxy that, from the network,
 * reaches 127.0.0.1 and private addresses past the SSRF guard (verified with curl). Its listen is
 * bound to loopback and closed at once: Chromium's proxy is then a dead address, so a request that
 * ever escaped the routes would fail instead of reaching the network.
 */
async function importCrawlee() {
  const fromCrawlee = createRequire(createRequire(import.meta.url).resolve('@crawlee/playwright'));
  const fromPool = createRequire(fromCrawlee.resolve('@crawlee/browser-pool'));
  const { Server } = fromPool('proxy-chain') as { Server: { prototype: ProxyChainServer } };
  const listen = Server.prototype.listen;
  Server.prototype.listen = async function listenNowhere(this: ProxyChainServer) {
    this.host = '127.0.0.1';
    await listen.call(this);
    await this.close(true);
  };
  try {
    return await Promise.all([import('@crawlee/playwright'), import('playwright')]);
  } finally {
    Server.prototype.listen = listen;
  }
}

/**
 * crawlee leaves a failed browser launch (its BrowserLaunchError) unhandled for a moment before the
 * crawler handles it; Node would end the whole server for it. Anything else is thrown on, as Node
 * itself would.
 */
function ignoreBrowserLaunchErrors(reason: unknown): void {
  if (reason instanceof Error && reason.name === 'BrowserLaunchError') return;
  throw reason;
}

interface RunningCrawler {
  crawler: PlaywrightCrawler;
  finished: Promise<unknown>;
}

/**
 * Renders pages in Debian's headless Chromium for providers whose share pages are built by scripts,
 * through one crawlee PlaywrightCrawler per process: its request queue takes every render (single
 * captures and batches alike), at most two pages at once, retries a page that answered 5xx or could
 * not be reached, and bounds navigation and handling in time. crawlee (and Chromium) load on the
 * first render and close after a minute idle; its storage stays in memory (nothing under ./storage).
 * Each page has a fresh context (no cookies, no service workers, no WebSockets) and every request it
 * makes goes through the route decider: Chromium itself never touches the network.
 */
export class BrowserRenderer {
  private running: Promise<RunningCrawler> | undefined;
  private readonly pending = new Map<string, PendingRender>();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly chromiumPath: string;
  private readonly timeoutMs: number;
  private readonly log: Logger;

  /** `timeoutMs` bounds a page's navigation and handling (each render may ask for less). */
  constructor(options: { chromiumPath: string; log: Logger; timeoutMs?: number }) {
    this.chromiumPath = options.chromiumPath;
    this.log = options.log;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Queues the page, waits for `readySelector` (or the network to settle) and returns the rendered HTML. */
  async render(url: URL, options: RenderOptions): Promise<string> {
    clearTimeout(this.idleTimer);
    const id = randomUUID();
    const html = new Promise<string>((resolve, reject) => this.pending.set(id, { url, options, resolve, reject, bytes: 0 }));
    const onAbort = () => this.settle(id, new Error('capture interrupted by shutdown: it is retried'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    try {
      const { crawler } = await this.crawler();
      await crawler.addRequests([{ url: url.href, uniqueKey: id, userData: { renderId: id } }]);
      await crawler.autoscaledPool?.notify();
      return await html;
    } catch (error) {
      this.settle(id, error as Error);
      return await html;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.closeWhenIdle();
    }
  }

  /** Closes crawlee and Chromium a minute after the last render, unless another one came meanwhile. */
  private closeWhenIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.pending.size > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0) void this.close();
    }, IDLE_CLOSE_MS).unref();
  }

  /** Closes the browser (idle or shutdown); renders still waiting fail and are retried by their job. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const running = this.running;
    this.running = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, new Error('the browser was closed: the capture is retried'));
    const started = await running?.catch(() => undefined);
    if (!started) return;
    await started.crawler.teardown().catch(() => undefined);
    await started.finished;
    if (!this.running) process.off('unhandledRejection', ignoreBrowserLaunchErrors);
  }

  /** Resolves (html) or rejects (error) a render once and forgets it. */
  private settle(id: string, outcome: string | Error): void {
    const render = this.pending.get(id);
    if (!render) return;
    this.pending.delete(id);
    if (typeof outcome === 'string') render.resolve(outcome);
    else render.reject(outcome);
  }

  private crawler(): Promise<RunningCrawler> {
    this.running ??= this.start().catch((error: unknown) => {
      this.running = undefined;
      if (error instanceof CaptureError) throw error;
      throw new CaptureError('BROWSER_UNAVAILABLE', `Chromium did not start: ${(error as Error).message.split('\n')[0]}`);
    });
    return this.running;
  }

  /** Loads crawlee and starts a crawler that waits for pages (keepAlive) until closed. */
  private async start(): Promise<RunningCrawler> {
    if (!existsSync(this.chromiumPath)) {
      throw new CaptureError('BROWSER_UNAVAILABLE', `Chromium is not installed at ${this.chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
    }
    // Loaded on first use: most processes never render a page (keeps boot and idle memory down).
    const [{ PlaywrightCrawler, Configuration, log, LogLevel }, { chromium }] = await importCrawlee();
    // Outcomes are logged here, per capture; crawlee's own progress lines would only repeat them.
    log.setLevel(LogLevel.OFF);
    const timeoutSecs = Math.ceil(this.timeoutMs / 1000);
    const crawler = new PlaywrightCrawler(
      {
        keepAlive: true,
        minConcurrency: MAX_PAGES,
        maxConcurrency: MAX_PAGES,
        maxRequestRetries: PAGE_RETRIES,
        navigationTimeoutSecs: timeoutSecs,
        requestHandlerTimeoutSecs: timeoutSecs + 5,
        autoscaledPoolOptions: { maybeRunIntervalSecs: 0.1 },
        useSessionPool: false,
        persistCookiesPerSession: false,
        launchContext: { launcher: chromium, useIncognitoPages: true, launchOptions: { executablePath: this.chromiumPath, args: ARGS, headless: true } },
        browserPoolOptions: {
          useFingerprints: false,
          retireInactiveBrowserAfterSecs: IDLE_CLOSE_MS / 1000,
          prePageCreateHooks: [
            (_pageId, _controller, pageOptions) => {
              if (pageOptions) Object.assign(pageOptions, { serviceWorkers: 'block', acceptDownloads: false, javaScriptEnabled: true, locale: 'en-US' });
            },
          ],
        },
        preNavigationHooks: [
          async ({ page, request }, gotoOptions) => {
            const render = this.pending.get(String(request.userData.renderId));
            if (render) {
              render.bytes = 0;
              render.navigationRefused = undefined;
            }
            await this.routeThroughDecider(page, render);
            if (gotoOptions) {
              gotoOptions.waitUntil = 'domcontentloaded';
              gotoOptions.timeout = Math.min(render?.options.timeoutMs ?? this.timeoutMs, this.timeoutMs);
            }
          },
        ],
        requestHandler: (context) => this.handlePage(context),
        errorHandler: ({ request }, error) => {
          const render = this.pending.get(String(request.userData.renderId));
          const failure = render ? this.toCaptureError(render, error) : error;
          // A page that cannot come out differently (or whose capture was abandoned) is not tried again.
          const final = !render || (failure instanceof CaptureError && (FINAL_CODES.has(failure.code) || (render.navigationRefused !== undefined && failure.code !== 'UNREACHABLE')));
          if (final) request.noRetry = true;
          else this.log.debug({ url: request.url, retry: request.retryCount + 1, error: error.message.split('\n')[0] }, 'page failed: trying again');
        },
        failedRequestHandler: ({ request }, error) => {
          const id = String(request.userData.renderId);
          const render = this.pending.get(id);
          if (render) this.settle(id, this.toCaptureError(render, error));
        },
      },
      new Configuration({ persistStorage: false, purgeOnStart: true }),
    );
    if (!process.listeners('unhandledRejection').includes(ignoreBrowserLaunchErrors)) process.on('unhandledRejection', ignoreBrowserLaunchErrors);
    const finished = crawler.run().then(
      () => undefined,
      (error: unknown) => this.stopped(running, error as Error),
    );
    const running: RunningCrawler = { crawler, finished };
    return running;
  }

  /** The crawler ended by itself (Chromium did not launch…): its waiting renders fail, the next render starts a new one. */
  private stopped(running: RunningCrawler, error: Error): void {
    const unavailable = error.name === 'BrowserLaunchError';
    this.log.warn({ err: error }, unavailable ? 'Chromium did not start' : 'browser crawler stopped');
    void this.running?.then((current) => {
      if (current === running) this.running = undefined;
    });
    const failure = unavailable ? new CaptureError('BROWSER_UNAVAILABLE', `Chromium did not start: ${String((error.cause as Error | undefined)?.message ?? error.message).split('\n')[0]}`) : new Error(`the browser stopped: ${error.message.split('\n')[0]}`);
    for (const id of [...this.pending.keys()]) this.settle(id, failure);
  }

  /** Every request of the page's own context goes through the decider; WebSockets are closed. */
  private async routeThroughDecider(page: Page, render: PendingRender | undefined): Promise<void> {
    const context = page.context();
    await context.routeWebSocket(/.*/, (socket) => socket.close());
    await context.route('**/*', async (route: Route) => {
      const request = route.request();
      const requestUrl = new URL(request.url());
      if (requestUrl.protocol === 'data:' || requestUrl.protocol === 'blob:') return route.continue();
      const decision: RouteDecision = render ? await render.options.decide(requestUrl, request.method()).catch(() => ({ action: 'abort' }) as const) : { action: 'abort' };
      if (decision.action === 'fulfill') {
        if (render) render.bytes += decision.body.length;
        // Redirects are the decider's to follow (each hop through the guard): Chromium gets no location to follow on its own.
        const { location: _location, ...headers } = decision.headers ?? {};
        return route.fulfill({ status: decision.status, contentType: decision.contentType, body: decision.body, headers });
      }
      if (render && request.isNavigationRequest() && request.frame() === page.mainFrame()) render.navigationRefused = decision.code ?? 'EXTRACTION_FAILED';
      // Chromium never fetches by itself: redirects it would follow on its own would skip the guard.
      return route.abort('blockedbyclient');
    });
  }

  /** The crawler's page handler: status checks, the ready selector, the rendered HTML. Throwing retries the page (up to PAGE_RETRIES). */
  private async handlePage({ page, request, response }: PlaywrightCrawlingContext): Promise<void> {
    const id = String(request.userData.renderId);
    const render = this.pending.get(id);
    if (!render) return;
    const status = response?.status() ?? 0;
    const url = render.url.href;
    if (status === 404 || status === 410) throw new CaptureError('NOT_FOUND', 'The share link does not exist (deleted or private)', { url });
    if (status === 429) throw new CaptureError('RATE_LIMITED', `${render.url.hostname} is rate-limiting us: try again later`, { host: render.url.hostname });
    if (status >= 500) throw new CaptureError('UNREACHABLE', `${render.url.hostname} answered ${status}`, { host: render.url.hostname, status });
    const { readySelector, timeoutMs, maxBytes } = render.options;
    if (readySelector) {
      await page.waitForSelector(readySelector, { timeout: timeoutMs, state: 'attached' }).catch(() => this.log.debug({ url }, 'ready selector not seen'));
    } else {
      await page.waitForLoadState('networkidle', { timeout: Math.min(timeoutMs, 5000) }).catch(() => undefined);
    }
    const html = await page.content();
    if (html.length > maxBytes || render.bytes > maxBytes * 4) throw new CaptureError('TOO_LARGE', `The rendered page is larger than ${Math.round(maxBytes / 1e6)} MB`, { url });
    this.settle(id, html);
  }

  /** Maps what went wrong with a page to the capture error its job reports. */
  private toCaptureError(render: PendingRender, error: Error): Error {
    if (error instanceof CaptureError) return error;
    const url = render.url.href;
    if (render.navigationRefused) {
      const code = render.navigationRefused;
      if (code === 'BLOCKED_HOST') return new CaptureError(code, `The page at ${render.url.hostname} leads to an address VIVIM does not fetch (not the provider's, or not public)`, { url });
      return new CaptureError(code, `The browser could not load the page (${code === 'EXTRACTION_FAILED' ? 'refused' : code})`, code === 'EXTRACTION_FAILED' ? { step: 'render', url } : { url });
    }
    if (/browserType\.launch|Failed to launch/i.test(error.message)) return new CaptureError('BROWSER_UNAVAILABLE', `Chromium did not start: ${error.message.split('\n')[0]}`);
    if (error.name === 'TimeoutError' || /timed? ?out/i.test(error.message)) return new CaptureError('TIMEOUT', `The page did not load within ${Math.round(Math.min(render.options.timeoutMs, this.timeoutMs) / 1000)} s`, { url });
    return new CaptureError('EXTRACTION_FAILED', `The browser could not load the page: ${error.message.split('\n')[0]}`, { step: 'render', url });
  }
}
