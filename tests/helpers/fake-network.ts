import type { CaptureNetwork } from '#modules/capture/index.ts';
import { CaptureError } from '#modules/capture/errors.ts';
import { checkUrl, type GuardOptions } from '#modules/capture/fetcher.ts';

/** A recorded page the fake network serves. */
export interface RecordedPage {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  body: string;
  /** The site answers 503 this many times before it serves the page (a flaky server). */
  failFirst?: number;
}

/**
 * Stands in for providers' websites (which tests cannot reach): serves recorded pages by URL for
 * the static fetch and for every request of a rendered page. Like the guarded network, it follows
 * redirects itself (a page with a 3xx status and a location header) and runs the SSRF guard's URL
 * checks on every hop; a refused request says why.
 */
export function fakeNetwork(pages: Map<string, RecordedPage>): CaptureNetwork & { requests: string[] } {
  const requests: string[] = [];
  const failures = new Map<string, number>();
  /** True while a flaky page still owes failures (each call uses one up). */
  const failsNow = (url: URL, page: RecordedPage | undefined) => {
    const failed = failures.get(url.href) ?? 0;
    if (failed >= (page?.failFirst ?? 0)) return false;
    failures.set(url.href, failed + 1);
    return true;
  };
  /** The page a URL ends at, each redirect hop checked by the guard. */
  const follow = (start: URL, guard: GuardOptions): { url: URL; page: RecordedPage | undefined } => {
    let url = start;
    for (let hop = 0; hop <= 5; hop++) {
      checkUrl(url, guard);
      const page = pages.get(url.href);
      const location = page?.headers?.location;
      const status = page?.status ?? 200;
      if (!location || status < 300 || status >= 400) return { url, page };
      requests.push(`redirect ${url.href} -> ${location}`);
      url = new URL(location, url);
    }
    throw new CaptureError('EXTRACTION_FAILED', 'Too many redirects', { url: url.href, step: 'fetch' });
  };
  return {
    requests,
    async fetch(start, guard) {
      checkUrl(start, guard);
      requests.push(`fetch ${start.href}`);
      const { url, page } = follow(start, guard);
      if (!page || page.status === 404) throw new CaptureError('NOT_FOUND', 'The share link does not exist (deleted or private)', { url: url.href });
      if (failsNow(url, page)) throw new CaptureError('UNREACHABLE', `${url.hostname} answered 503`, { host: url.hostname, status: 503 });
      return { url, status: page.status ?? 200, contentType: page.contentType ?? 'text/html', body: page.body };
    },
    async route(start, guard) {
      requests.push(`route ${start.href}`);
      let url: URL;
      let page: RecordedPage | undefined;
      try {
        ({ url, page } = follow(start, guard));
      } catch (error) {
        return { action: 'abort', code: error instanceof CaptureError ? error.code : undefined };
      }
      if (page && failsNow(url, page)) return { action: 'fulfill', status: 503, contentType: 'text/html', body: '<html><body>Service Unavailable</body></html>' };
      return page ? { action: 'fulfill', status: page.status ?? 200, contentType: page.contentType ?? 'text/html', body: page.body, headers: page.headers } : { action: 'abort' };
    },
  };
}
