import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { connect, type AddressInfo } from 'node:net';
import path from 'node:path';
import { CaptureError } from '#modules/capture/errors.ts';
import { fetchPage, isPublicAddress, type GuardOptions, type LookupFunction } from '#modules/capture/fetcher.ts';
import { BrowserRenderer } from '#modules/capture/browser.ts';
import { guardedNetwork } from '#modules/capture/service/capture-url.ts';
import pino from 'pino';

const limits = { timeoutMs: 1500, maxBytes: 64 * 1024, maxRedirects: 3, userAgent: 'vivim-test' };

/** Local servers stand in for remote sites; a lookup maps test hostnames to them. */
let server: Server;
let port = 0;
let internalHits = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/redirect-private') return void res.writeHead(302, { location: 'http://10.1.2.3/admin' }).end();
    if (req.url === '/redirect-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/redirect-local-name') return void res.writeHead(302, { location: `http://inside.test:${port}/ok` }).end();
    if (req.url === '/huge') return void res.writeHead(200, { 'content-type': 'text/html' }).end('x'.repeat(200 * 1024));
    if (req.url === '/huge-chunked') {
      res.writeHead(200, { 'content-type': 'text/html' });
      for (let i = 0; i < 100; i++) res.write('y'.repeat(4096));
      return void res.end();
    }
    if (req.url === '/slow') return; // never answers
    if (req.url === '/gone') return void res.writeHead(404).end('not here');
    if (req.url === '/page-redirecting') return void res.writeHead(302, { location: `http://127.0.0.1:${port}/internal-secret` }).end();
    if (req.url === '/page-with-subresources') {
      return void res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<html><body><p id="ok">shown</p><img src="http://127.0.0.1:${port}/internal-img"><script src="http://public.test:${port}/redirect-private"></script></body></html>`);
    }
    if (req.url?.startsWith('/internal')) {
      internalHits++;
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>INTERNAL SECRET</body></html>');
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html>ok</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const fakeDns: Record<string, string> = { 'public.test': '127.0.0.1', 'inside.test': '127.0.0.1', 'rebind.test': '10.0.0.7' };
const lookup: LookupFunction = (hostname, options, callback) => {
  const address = fakeDns[hostname];
  if (!address) return callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
  return options.all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4);
};

/** "public.test" plays a public site: only its own address (127.0.0.1 here) counts as public. */
function guard(hosts: string[]): GuardOptions {
  return {
    allowedHosts: new Set(hosts),
    lookup,
    isAllowedAddress: (ip, hostname) => isPublicAddress(ip) || (hostname === 'public.test' && ip === '127.0.0.1'),
    requireHttps: false,
  };
}
async function code(url: string, options: GuardOptions): Promise<string> {
  try {
    await fetchPage(new URL(url), options, limits);
    return 'OK';
  } catch (error) {
    if (error instanceof CaptureError) return error.code;
    throw error;
  }
}

describe('SSRF guard', () => {
  it('classifies addresses', () => {
    for (const ip of ['127.0.0.1', '127.0.0.2', '::1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(ip), ip).toBe(true);
  });

  it('blocks localhost, loopback, private and metadata addresses given directly', async () => {
    const everything = ['localhost', '127.0.0.1', '127.0.0.2', '[::1]', '10.0.0.5', '169.254.169.254', '192.168.0.10'];
    const strict: GuardOptions = { allowedHosts: new Set(everything), requireHttps: false };
    for (const host of everything) expect(await code(`http://${host}:${port}/`, strict), host).toBe('BLOCKED_HOST');
  });

  it('blocks plain http and hosts that are not the provider’s', async () => {
    expect(await code('http://chatgpt.com/share/x', { allowedHosts: new Set(['chatgpt.com']) })).toBe('BLOCKED_HOST');
    expect(await code('https://evil.example/share/x', { allowedHosts: new Set(['chatgpt.com']) })).toBe('BLOCKED_HOST');
    expect(await code('https://user:pw@chatgpt.com/share/x', { allowedHosts: new Set(['chatgpt.com']) })).toBe('BLOCKED_HOST');
  });

  it('blocks a hostname that resolves to loopback or a private address (checked at connect time)', async () => {
    expect(await code(`http://localhost:${port}/`, { allowedHosts: new Set(['localhost']), requireHttps: false })).toBe('BLOCKED_HOST');
    expect(await code(`http://inside.test:${port}/`, { allowedHosts: new Set(['inside.test']), lookup, requireHttps: false })).toBe('BLOCKED_HOST');
    expect(await code(`http://rebind.test:${port}/`, { allowedHosts: new Set(['rebind.test']), lookup, requireHttps: false })).toBe('BLOCKED_HOST');
  });

  it('re-checks every redirect: to a private address, to the metadata address, to a name resolving to loopback', async () => {
    const hosts = ['public.test', '10.1.2.3', '169.254.169.254', 'inside.test'];
    expect(await code(`http://public.test:${port}/ok`, guard(hosts))).toBe('OK');
    expect(await code(`http://public.test:${port}/redirect-private`, guard(hosts))).toBe('BLOCKED_HOST');
    expect(await code(`http://public.test:${port}/redirect-metadata`, guard(hosts))).toBe('BLOCKED_HOST');
    expect(await code(`http://public.test:${port}/redirect-local-name`, guard(hosts))).toBe('BLOCKED_HOST');
  });

  it('gives up on a slow server with TIMEOUT and on a huge page with TOO_LARGE', async () => {
    const started = Date.now();
    expect(await code(`http://public.test:${port}/slow`, guard(['public.test']))).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await code(`http://public.test:${port}/huge`, guard(['public.test']))).toBe('TOO_LARGE');
    expect(await code(`http://public.test:${port}/huge-chunked`, guard(['public.test']))).toBe('TOO_LARGE');
    expect(await code(`http://public.test:${port}/gone`, guard(['public.test']))).toBe('NOT_FOUND');
  });
});

describe('SSRF guard in the browser', () => {
  it('fetches every request of a rendered page itself: redirects and subresources to private addresses never load', async () => {
    const renderer = new BrowserRenderer({ chromiumPath: '/usr/bin/chromium', log: pino({ level: 'silent' }) });
    const testGuard = guard(['public.test', '127.0.0.1']);
    try {
      const decide = (url: URL, method: string) => guardedNetwork.route(url, testGuard, method);
      const redirected = await renderer.render(new URL(`http://public.test:${port}/page-redirecting`), { decide, timeoutMs: 10_000, maxBytes: 5_000_000 }).catch((error: CaptureError) => error.code);
      expect(redirected).toBe('BLOCKED_HOST');
      const page = await renderer.render(new URL(`http://public.test:${port}/page-with-subresources`), { decide, timeoutMs: 10_000, maxBytes: 5_000_000, readySelector: '#ok' });
      expect(page).toContain('shown');
      // A decider answering with a redirect: Chromium gets no Location, so it cannot go there by itself.
      const redirecting = async (url: URL) =>
        url.pathname === '/start' ? { action: 'fulfill' as const, status: 302, contentType: 'text/html', body: '', headers: { location: `http://127.0.0.1:${port}/internal-direct` } } : { action: 'abort' as const };
      await renderer.render(new URL(`http://public.test:${port}/start`), { decide: redirecting, timeoutMs: 10_000, maxBytes: 5_000_000 }).catch(() => undefined);
      expect(internalHits).toBe(0);
      // crawlee's browser pool opens an HTTP proxy (every interface) on import and points Chromium at it: it must not be listening.
      const fromCrawlee = createRequire(createRequire(import.meta.url).resolve('@crawlee/playwright'));
      const { getLocalProxyAddress } = fromCrawlee(path.join(path.dirname(fromCrawlee.resolve('@crawlee/browser-pool')), 'proxy-server.js')) as { getLocalProxyAddress(): Promise<string> };
      const proxy = new URL(await getLocalProxyAddress());
      const reached = await new Promise<string>((resolve) => {
        const socket = connect(Number(proxy.port), proxy.hostname, () => resolve('connected'));
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(reached).toBe('ECONNREFUSED');
    } finally {
      await renderer.close();
    }
  }, 60_000);
});
