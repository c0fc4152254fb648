import type { CaptureNetwork } from '#modules/capture/index.ts';
import { CaptureError } from '#modules/capture/errors.ts';
import { checkUrl } from '#modules/capture/fetcher.ts';

/** A recorded page the fake network serves. */
export interface RecordedPage {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  body: string;
}

/**
 * Stands in for providers' websites (which tests cannot reach): serves recorded pages by URL for
 * the static fetch and for every request of a rendered page. The SSRF guard's URL checks still run.
 */
export function fakeNetwork(pages: Map<string, RecordedPage>): CaptureNetwork & { requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    async fetch(url, guard) {
      checkUrl(url, guard);
      requests.push(`fetch ${url.href}`);
      const page = pages.get(url.href);
      if (!page || page.status === 404) throw new CaptureError('NOT_FOUND', 'The share link does not exist (deleted or private)', { url: url.href });
      return { url, status: page.status ?? 200, contentType: page.contentType ?? 'text/html', body: page.body };
    },
    async route(url, guard) {
      requests.push(`route ${url.href}`);
      try {
        checkUrl(url, guard);
      } catch {
        return { action: 'abort' };
      }
      const page = pages.get(url.href);
      return page ? { action: 'fulfill', status: page.status ?? 200, contentType: page.contentType ?? 'text/html', body: page.body, headers: page.headers } : { action: 'abort' };
    },
  };
}
