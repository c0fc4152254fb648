import { describe, expect, it, vi } from 'vitest';
import { MAX_PAGE_BYTES, bookmarkletCode, bookmarkletHref } from './bookmarklet';

const SERVER = 'https://vivim.example.com';
const KEY = 'vivim_testkey';
const PAGE_URL = 'https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5';

/** Just enough DOM for the bookmarklet: elements with children, attributes and text. */
class FakeElement {
  id = '';
  type = '';
  href = '';
  target = '';
  rel = '';
  style = { cssText: '' };
  onclick: (() => void) | null = null;
  parent: FakeElement | null = null;
  children: (FakeElement | string)[] = [];
  readonly attributes = new Map<string, string>();
  constructor(readonly tag: string) {}
  get textContent(): string {
    return this.children.map((child) => (typeof child === 'string' ? child : child.textContent)).join('');
  }
  set textContent(value: string) {
    this.children = [String(value)];
  }
  append(...nodes: (FakeElement | string)[]): void {
    for (const node of nodes) {
      if (typeof node !== 'string') node.parent = this;
      this.children.push(node);
    }
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }
  remove(): void {
    if (this.parent) this.parent.children = this.parent.children.filter((child) => child !== this);
  }
  find(predicate: (element: FakeElement) => boolean): FakeElement | undefined {
    if (predicate(this)) return this;
    for (const child of this.children) {
      const found = typeof child === 'string' ? undefined : child.find(predicate);
      if (found) return found;
    }
    return undefined;
  }
}

type Reply = { status: number; body?: unknown } | Error;

/** Runs the bookmarklet's code against a fake page whose fetch answers `replies` in turn. */
function runOnFakePage(code: string, replies: Reply[], options: { html?: string; onFetchError?: (fire: (event: { blockedURI: string }) => void) => void } = {}) {
  const body = new FakeElement('body');
  const listeners: ((event: { blockedURI: string }) => void)[] = [];
  const fire = (event: { blockedURI: string }) => listeners.forEach((listener) => listener(event));
  const document = {
    body,
    documentElement: { outerHTML: options.html ?? '<html><body><p>a conversation</p></body></html>' },
    createElement: (tag: string) => new FakeElement(tag),
    getElementById: (id: string) => body.find((element) => element.id === id) ?? null,
    addEventListener: (type: string, listener: (event: { blockedURI: string }) => void) => {
      if (type === 'securitypolicyviolation') listeners.push(listener);
    },
  };
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const reply = replies.shift() ?? new Error('no more replies');
    if (reply instanceof Error) {
      options.onFetchError?.(fire);
      throw new TypeError('Failed to fetch');
    }
    return new Response(reply.body === undefined ? '' : JSON.stringify(reply.body), { status: reply.status });
  };
  const setTimeout = (callback: () => void) => setImmediate(callback);
  new Function('document', 'location', 'fetch', 'setTimeout', code)(document, { href: PAGE_URL }, fetch, setTimeout);
  const overlay = () => body.find((element) => element.id === 'vivim-capture-overlay');
  /** The overlay's final text, once it is no longer busy. */
  const settled = () =>
    vi.waitFor(
      () => {
        const box = overlay();
        if (!box || box.attributes.get('aria-busy') !== 'false') throw new Error('still busy');
        return box.textContent.replace('×', '');
      },
      { timeout: 2000, interval: 5 },
    );
  return { calls, overlay, settled, link: () => overlay()?.find((element) => element.tag === 'a')?.href };
}

describe('bookmarkletHref', () => {
  it('is a javascript: URL of the encoded code, which parses and yields nothing', () => {
    const href = bookmarkletHref(SERVER, KEY);
    expect(href.startsWith('javascript:')).toBe(true);
    expect(href).not.toMatch(/[\s"<>]/);
    const code = decodeURIComponent(href.slice('javascript:'.length));
    expect(code).toBe(bookmarkletCode(SERVER, KEY));
    expect(code.startsWith('void (')).toBe(true);
    expect(() => new Function(code)).not.toThrow();
    // Compacted: no comment lines or indentation left, and small enough for any bookmark.
    expect(code).not.toMatch(/^\s*\/\//m);
    expect(code).not.toMatch(/^\s+\S/m);
    expect(href.length).toBeLessThan(8000);
  });

  it('embeds the server (without a trailing slash) and any key as string literals', async () => {
    const key = `ke"y'\\</script>\u2028${'x'.repeat(10)}`;
    const run = runOnFakePage(bookmarkletCode(`${SERVER}/`, key), [{ status: 401, body: {} }]);
    await run.settled();
    expect(run.calls[0]?.url).toBe(`${SERVER}/api/v1/capture`);
    expect((run.calls[0]?.init.headers as Record<string, string>).authorization).toBe(`Bearer ${key}`);
  });
});

describe('the bookmarklet on a page', () => {
  it('posts the page with the key and no cookies, follows the job and links to the conversation', async () => {
    const html = '<html><body><div>turns</div></body></html>';
    const run = runOnFakePage(
      bookmarkletCode(SERVER, KEY),
      [
        { status: 200, body: { jobId: '7' } },
        { status: 200, body: { state: 'queued', step: 'queued', percent: null } },
        { status: 200, body: { state: 'running', step: 'extracting', percent: 50 } },
        { status: 200, body: { state: 'done', step: 'done', percent: 100, conversationId: 'c1', messages: 4, error: null } },
      ],
      { html },
    );
    expect(await run.settled()).toBe('Saved 4 messages. Open in VIVIM');
    expect(run.link()).toBe(`${SERVER}/conversations/c1`);
    expect([run.overlay()?.attributes.get('role'), run.overlay()?.attributes.get('aria-live')]).toEqual(['status', 'polite']);
    const [post, ...polls] = run.calls;
    expect(post?.init).toMatchObject({ method: 'POST', credentials: 'omit', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } });
    expect(JSON.parse(post?.init.body as string)).toEqual({ url: PAGE_URL, html });
    expect(polls.map((call) => [call.url, call.init.method, call.init.credentials])).toEqual(Array(3).fill([`${SERVER}/api/v1/capture/7`, 'GET', 'omit']));
  });

  it('says "1 message" for one', async () => {
    const run = runOnFakePage(bookmarkletCode(SERVER, KEY), [{ status: 200, body: { jobId: '1' } }, { status: 200, body: { state: 'done', conversationId: 'c', messages: 1 } }]);
    expect(await run.settled()).toBe('Saved 1 message. Open in VIVIM');
  });

  it.each([
    [400, { message: 'no', code: 'BAD_REQUEST', data: { vivimCode: 'UNSUPPORTED_PROVIDER' } }, /^VIVIM cannot save this page: open a conversation/],
    [400, { message: 'no', code: 'BAD_REQUEST', data: { vivimCode: 'INVALID_URL' } }, /^VIVIM cannot save this page/],
    [401, { message: 'Invalid or revoked API key' }, /^VIVIM rejected the capture key/],
    [403, { message: 'scope' }, /^This key may not capture pages/],
    [413, { error: { code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'too large' } }, /^This page is too large to save \(over 20 MB\)\.$/],
    [429, { message: 'slow down' }, /^Too many captures/],
    [500, { error: { code: 'INTERNAL', message: 'Internal server error' } }, /^VIVIM could not save this page: Internal server error$/],
  ])('explains HTTP %i', async (status, body, expected) => {
    const run = runOnFakePage(bookmarkletCode(SERVER, KEY), [{ status, body }]);
    expect(await run.settled()).toMatch(expected);
  });

  it('reports a failed capture with its reason', async () => {
    const run = runOnFakePage(bookmarkletCode(SERVER, KEY), [{ status: 200, body: { jobId: '2' } }, { status: 200, body: { state: 'failed', error: { code: 'EXTRACTION_FAILED', message: 'No conversation found on the page' } } }]);
    expect(await run.settled()).toBe('VIVIM could not save this page: No conversation found on the page');
  });

  it('says the server is unreachable when fetch fails', async () => {
    const run = runOnFakePage(bookmarkletCode(SERVER, KEY), [new Error('down')]);
    expect(await run.settled()).toBe(`VIVIM at ${SERVER} is unreachable.`);
  });

  it('says the site blocks it when the failure is a CSP violation for the server', async () => {
    const run = runOnFakePage(bookmarkletCode(SERVER, KEY), [new Error('csp')], { onFetchError: (fire) => fire({ blockedURI: `${SERVER}/api/v1/capture` }) });
    expect(await run.settled()).toBe('This site blocks connections to VIVIM (its security policy). Use the VIVIM browser extension here.');
  });

  it('says it was sent when the status cannot be read from the page', async () => {
    const run = runOnFakePage(bookmarkletCode(SERVER, KEY), [{ status: 200, body: { jobId: '3' } }, new Error('cors')]);
    expect(await run.settled()).toBe('Sent to VIVIM, but this page cannot follow the capture. Open VIVIM');
    expect(run.link()).toBe(SERVER);
  });

  it('refuses a page above the server limit without sending it', async () => {
    const run = runOnFakePage(bookmarkletCode(SERVER, KEY), [], { html: 'x'.repeat(MAX_PAGE_BYTES + 1) });
    expect(await run.settled()).toBe('This page is too large to save (over 20 MB).');
    expect(run.calls).toHaveLength(0);
  });
});
