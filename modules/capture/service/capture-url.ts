import type { Logger } from 'pino';
import { capturedConversation, ProviderError, type CapturedConversation, type ProviderPlugin, type ProviderRegistry } from '#plugins/providers/sdk/index.ts';
import { MAX_ELEMENT_CHILDREN, widestElement } from '#plugins/providers/sdk/page.ts';
import type { BrowserRenderer, RouteDecider } from '../browser.ts';
import { CaptureError } from '../errors.ts';
import { fetchPage, fetchResource, type FetchedPage, type FetchLimits, type GuardOptions } from '../fetcher.ts';

/** How capture reaches the outside world: the SSRF-guarded network in production; recorded pages in tests. */
export interface CaptureNetwork {
  /** Fetches a share page (static HTML). */
  fetch(url: URL, guard: GuardOptions, limits: FetchLimits): Promise<FetchedPage>;
  /** Answers each request a rendered page makes (the browser itself never touches the network). */
  route(url: URL, guard: GuardOptions, method: string): Promise<Awaited<ReturnType<RouteDecider>>>;
}

const RESOURCE_LIMITS = { timeoutMs: 15_000, maxBytes: 10 * 1024 * 1024, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36 VIVIM' };

/**
 * Production network: pages and every subresource of a rendered page are fetched by VIVIM through
 * the SSRF guard (provider hosts only, https, public addresses checked at connect time, one hop at
 * a time), then handed to Chromium. Only GET/HEAD leave; anything else the page tries is refused.
 */
export const guardedNetwork: CaptureNetwork = {
  fetch: fetchPage,
  async route(url, guard, method) {
    if (method !== 'GET' && method !== 'HEAD') return { action: 'abort' };
    try {
      const resource = await fetchResource(url, guard, { ...RESOURCE_LIMITS, method });
      return { action: 'fulfill', status: resource.status, contentType: resource.headers['content-type'] ?? 'application/octet-stream', body: resource.body, headers: resource.headers };
    } catch (error) {
      // The code tells the browser why its page did not load (BLOCKED_HOST, TIMEOUT…).
      return { action: 'abort', code: error instanceof CaptureError ? error.code : 'UNREACHABLE' };
    }
  },
};

/** Validates a URL the user gave and finds its provider (before anything is queued). */
export function resolveShareUrl(raw: string, providers: ProviderRegistry, options: { allowConversationUrls?: boolean } = {}): { url: URL; provider: ProviderPlugin; sourceId: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new CaptureError('INVALID_URL', 'That is not a web address (expected https://…)', { url: raw.slice(0, 300) });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CaptureError('INVALID_URL', 'Only https:// links can be captured', { url: url.href });
  url.hash = '';
  const match = providers.forUrl(url, options);
  if (!match) {
    const known = providers.list().some((p) => p.hosts.includes(url.hostname));
    throw new CaptureError(
      'UNSUPPORTED_PROVIDER',
      known ? 'This page of the provider is not a share link VIVIM can capture' : `${url.hostname} is not a supported AI provider`,
      { host: url.hostname },
    );
  }
  if (url.protocol !== 'https:') throw new CaptureError('BLOCKED_HOST', 'Only https:// links are fetched', { url: url.href });
  return { url, ...match };
}

/** Deeper than any real page (they stay under ~100); hostile nesting would exhaust parsers' stacks. */
export const MAX_ELEMENT_DEPTH = 1000;
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr', 'param', 'keygen', 'command']);

/** The deepest element nesting of a page, measured in one linear scan of its tags (no parsing). */
export function elementDepth(html: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][\w:-]{0,40})(?:\s[^<>]*)?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (VOID_ELEMENTS.has((name ?? '').toLowerCase()) || selfClosing) continue;
    depth = closing ? Math.max(0, depth - 1) : depth + 1;
    if (depth > deepest) {
      deepest = depth;
      if (deepest > stopAt) break;
    }
  }
  return deepest;
}

/** Runs a provider's extractor and validates what it returns; maps its errors to capture codes. */
export async function runExtractor(provider: ProviderPlugin, input: { url: URL; html: string; via: 'fetch' | 'browser' | 'upload' }, log: Logger): Promise<CapturedConversation> {
  if (!provider.extract) throw new CaptureError('UNSUPPORTED_PROVIDER', `${provider.name} cannot extract pages`, { provider: provider.id });
  if (elementDepth(input.html, MAX_ELEMENT_DEPTH) > MAX_ELEMENT_DEPTH) {
    throw new CaptureError('INVALID_CONTENT', `The page nests elements more than ${MAX_ELEMENT_DEPTH} deep: no conversation page does`, { provider: provider.id, step: 'validate' });
  }
  // A flood of siblings (millions of `<br>`) makes the parsers' tree edits quadratic.
  if (widestElement(input.html, MAX_ELEMENT_CHILDREN) > MAX_ELEMENT_CHILDREN) {
    throw new CaptureError('INVALID_CONTENT', `The page has an element with more than ${MAX_ELEMENT_CHILDREN} children (a flood of <br> or empty elements): no conversation page does`, { provider: provider.id, step: 'validate' });
  }
  let raw: CapturedConversation;
  try {
    raw = await provider.extract(input, log.child({ provider: provider.id }));
  } catch (error) {
    if (error instanceof ProviderError) {
      if (error.code === 'NOT_FOUND') throw new CaptureError('NOT_FOUND', error.message, { provider: provider.id, step: error.step });
      if (error.code === 'BOT_CHECK') throw new CaptureError('BOT_CHECK', `${provider.name} answered with a bot check instead of the page: save it from your browser instead`, { provider: provider.id, step: error.step });
      if (error.code === 'NEEDS_BROWSER') throw error;
      throw new CaptureError('EXTRACTION_FAILED', `${provider.name}: ${error.message}`, { provider: provider.id, step: error.step });
    }
    throw new CaptureError('EXTRACTION_FAILED', `${provider.name}: ${(error as Error).message}`, { provider: provider.id, step: 'extract' });
  }
  const parsed = capturedConversation.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CaptureError('INVALID_CONTENT', `${provider.name} returned content that does not fit: ${issue?.path.join('.')} ${issue?.message}`, { provider: provider.id, step: 'validate' });
  }
  if (parsed.data.provider !== provider.id) throw new CaptureError('INVALID_CONTENT', `${provider.name} returned a conversation of '${parsed.data.provider}'`, { provider: provider.id, step: 'validate' });
  return parsed.data;
}

/** Progress steps a capture reports (the subscription shows them). */
export type CaptureStep = 'fetching' | 'rendering' | 'extracting' | 'storing' | 'indexing';

/**
 * Fetches and extracts one share page: the static HTML first (embedded data), then the rendered
 * DOM in Chromium when the provider needs it.
 */
export async function fetchAndExtract(options: {
  url: URL;
  provider: ProviderPlugin;
  network: CaptureNetwork;
  browser: BrowserRenderer;
  limits: FetchLimits;
  log: Logger;
  progress: (step: CaptureStep) => Promise<void>;
}): Promise<CapturedConversation> {
  const { url, provider, network, limits, log } = options;
  const guard: GuardOptions = { allowedHosts: new Set(provider.hosts) };
  if (provider.rendering !== 'browser') {
    await options.progress('fetching');
    const page = await network.fetch(url, guard, limits);
    await options.progress('extracting');
    try {
      return await runExtractor(provider, { url: page.url, html: page.body, via: 'fetch' }, log);
    } catch (error) {
      if (!(error instanceof ProviderError && error.code === 'NEEDS_BROWSER')) throw error;
      log.debug({ provider: provider.id }, 'static page lacks the conversation: rendering');
    }
  }
  await options.progress('rendering');
  const html = await options.browser.render(url, {
    decide: (requestUrl, method) => network.route(requestUrl, guard, method),
    timeoutMs: limits.timeoutMs,
    maxBytes: limits.maxBytes,
    readySelector: provider.readySelector,
    signal: limits.signal,
  });
  await options.progress('extracting');
  try {
    return await runExtractor(provider, { url, html, via: 'browser' }, log);
  } catch (error) {
    if (error instanceof ProviderError) throw new CaptureError('EXTRACTION_FAILED', `${provider.name}: ${error.message}`, { provider: provider.id, step: error.step });
    throw error;
  }
}
