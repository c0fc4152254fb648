import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent, request, type Dispatcher } from 'undici';
import { CaptureError } from './errors.ts';

/** True for globally routable unicast addresses: never loopback, private, link-local (metadata), CGNAT, reserved… */
export function isPublicAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  let address = ipaddr.parse(ip);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
  return address.range() === 'unicast';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** DNS lookup with Node's signature (injectable for tests). */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/** What the guard allows: exact hostnames, https only, addresses that pass `isAllowedAddress`. */
export interface GuardOptions {
  allowedHosts: ReadonlySet<string>;
  lookup?: LookupFunction;
  /** Default: isPublicAddress. Gets the hostname too when the address came from DNS. */
  isAllowedAddress?: (ip: string, hostname?: string) => boolean;
  /** Default true; only tests against local servers turn it off. */
  requireHttps?: boolean;
}

/** Checks a URL before any connection: scheme, host allow-list, literal IPs. Throws BLOCKED_HOST. */
export function checkUrl(url: URL, options: GuardOptions): void {
  const isAllowedAddress = options.isAllowedAddress ?? isPublicAddress;
  if ((options.requireHttps ?? true) ? url.protocol !== 'https:' : !['https:', 'http:'].includes(url.protocol)) {
    throw new CaptureError('BLOCKED_HOST', `Only https:// addresses are fetched (got ${url.protocol})`, { url: url.href });
  }
  if (url.username || url.password) throw new CaptureError('BLOCKED_HOST', 'Addresses with credentials are not fetched', { url: url.origin });
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host) && !isAllowedAddress(host)) throw new CaptureError('BLOCKED_HOST', `The address ${host} is not public`, { host });
  if (!options.allowedHosts.has(url.hostname)) throw new CaptureError('BLOCKED_HOST', `${url.hostname} is not a host of this provider`, { host: url.hostname });
}

/** A lookup that refuses hostnames resolving to any non-public address (checked at connect time, so DNS rebinding can't slip past). */
export function guardedLookup(options: GuardOptions): LookupFunction {
  const base = options.lookup ?? (dns.lookup as unknown as LookupFunction);
  const isAllowedAddress = options.isAllowedAddress ?? isPublicAddress;
  return (hostname, lookupOptions, callback) => {
    base(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: 4 }];
      const blocked = list.find((a) => !isAllowedAddress(a.address, hostname));
      if (blocked || list.length === 0) {
        const refusal = Object.assign(new Error(`${hostname} resolves to ${blocked?.address ?? 'nothing'}, which is not public`), { code: 'VIVIM_BLOCKED_HOST' });
        return callback(refusal, []);
      }
      if (lookupOptions.all) return callback(null, list);
      const first = list[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/** A fetched page. */
export interface FetchedPage {
  url: URL;
  status: number;
  contentType: string;
  body: string;
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  signal?: AbortSignal;
}

function isBlockedConnectError(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === 'VIVIM_BLOCKED_HOST') return true;
  }
  return false;
}

/** Drops a response body without leaving an unhandled abort behind. */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump({ limit: 0 }).catch(() => undefined);
}

async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number, url: URL): Promise<string> {
  return (await readBytes(body, maxBytes, url)).toString('utf8');
}

async function readBytes(body: Dispatcher.ResponseData['body'], maxBytes: number, url: URL): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      await discard(body);
      throw new CaptureError('TOO_LARGE', `The page is larger than ${Math.round(maxBytes / 1e6)} MB`, { url: url.href, maxBytes });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Fetches a page through the SSRF guard: allowed hosts only, https, public addresses only (checked
 * on every connection, so also on every redirect), bounded in time and size.
 */
export async function fetchPage(url: URL, guard: GuardOptions, limits: FetchLimits): Promise<FetchedPage> {
  const agent = new Agent({ connect: { lookup: guardedLookup(guard), timeout: limits.timeoutMs }, maxRedirections: 0 } as Agent.Options);
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = limits.signal ? AbortSignal.any([limits.signal, timeout]) : timeout;
  try {
    let current = url;
    for (let hop = 0; ; hop++) {
      checkUrl(current, guard);
      let response: Dispatcher.ResponseData;
      try {
        response = await request(current, {
          dispatcher: agent,
          method: 'GET',
          signal,
          headers: { 'user-agent': limits.userAgent, accept: 'text/html,application/xhtml+xml', 'accept-language': 'en' },
          headersTimeout: limits.timeoutMs,
          bodyTimeout: limits.timeoutMs,
        });
      } catch (error) {
        if (isBlockedConnectError(error)) throw new CaptureError('BLOCKED_HOST', (error as Error).message.split('\n')[0] ?? 'blocked', { host: current.hostname });
        if (timeout.aborted) throw new CaptureError('TIMEOUT', `No answer from ${current.hostname} within ${limits.timeoutMs / 1000} s`, { host: current.hostname });
        throw new CaptureError('UNREACHABLE', `Could not reach ${current.hostname}: ${(error as Error).message}`, { host: current.hostname });
      }
      const { statusCode, headers } = response;
      if (statusCode >= 300 && statusCode < 400 && headers.location) {
        await discard(response.body);
        if (hop >= limits.maxRedirects) throw new CaptureError('EXTRACTION_FAILED', 'Too many redirects', { url: current.href, step: 'fetch' });
        current = new URL(String(headers.location), current);
        continue;
      }
      const length = Number(headers['content-length'] ?? 0);
      if (length > limits.maxBytes) {
        await discard(response.body);
        throw new CaptureError('TOO_LARGE', `The page is larger than ${Math.round(limits.maxBytes / 1e6)} MB`, { url: current.href, maxBytes: limits.maxBytes });
      }
      let body: string;
      try {
        body = await readBody(response.body, limits.maxBytes, current);
      } catch (error) {
        if (error instanceof CaptureError) throw error;
        if (timeout.aborted) throw new CaptureError('TIMEOUT', `${current.hostname} did not finish sending the page within ${limits.timeoutMs / 1000} s`, { host: current.hostname });
        throw new CaptureError('UNREACHABLE', `The connection to ${current.hostname} broke: ${(error as Error).message}`, { host: current.hostname });
      }
      const contentType = String(headers['content-type'] ?? '');
      if (statusCode === 404 || statusCode === 410) throw new CaptureError('NOT_FOUND', 'The share link does not exist (deleted or private)', { url: current.href, status: statusCode });
      if (statusCode === 429) throw new CaptureError('RATE_LIMITED', `${current.hostname} is rate-limiting us: try again later`, { host: current.hostname });
      if (statusCode >= 500) throw new CaptureError('UNREACHABLE', `${current.hostname} answered ${statusCode}`, { host: current.hostname, status: statusCode });
      return { url: current, status: statusCode, contentType, body };
    }
  } finally {
    await agent.close().catch(() => undefined);
  }
}

/** One resource fetched for the browser: no redirect followed (the browser asks again, through the guard). */
export interface FetchedResource {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const PASSED_HEADERS = ['content-type', 'location', 'cache-control', 'content-language', 'last-modified', 'etag'];

/**
 * Fetches one request of a rendered page through the same guard as pages (allowed hosts, https,
 * public addresses checked at connect time). Redirects are followed here, each hop checked: handing
 * a redirect to Chromium would let it follow on its own, outside the request routing.
 */
export async function fetchResource(url: URL, guard: GuardOptions, limits: Pick<FetchLimits, 'timeoutMs' | 'maxBytes' | 'userAgent'> & { method: string; headers?: Record<string, string> }): Promise<FetchedResource> {
  const agent = new Agent({ connect: { lookup: guardedLookup(guard), timeout: limits.timeoutMs }, maxRedirections: 0 } as Agent.Options);
  try {
    let current = url;
    for (let hop = 0; ; hop++) {
      checkUrl(current, guard);
      let response: Dispatcher.ResponseData;
      const timeout = AbortSignal.timeout(limits.timeoutMs);
      try {
        response = await request(current, {
          dispatcher: agent,
          method: limits.method === 'HEAD' ? 'HEAD' : 'GET',
          signal: timeout,
          headers: { 'user-agent': limits.userAgent, accept: limits.headers?.accept ?? '*/*', 'accept-language': 'en' },
          headersTimeout: limits.timeoutMs,
          bodyTimeout: limits.timeoutMs,
        });
      } catch (error) {
        if (isBlockedConnectError(error)) throw new CaptureError('BLOCKED_HOST', (error as Error).message.split('\n')[0] ?? 'blocked', { host: current.hostname });
        if (timeout.aborted) throw new CaptureError('TIMEOUT', `No answer from ${current.hostname} within ${limits.timeoutMs / 1000} s`, { host: current.hostname });
        throw new CaptureError('UNREACHABLE', `Could not reach ${current.hostname}: ${(error as Error).message}`, { host: current.hostname });
      }
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        await discard(response.body);
        if (hop >= 5) throw new CaptureError('EXTRACTION_FAILED', 'Too many redirects', { url: current.href, step: 'render' });
        current = new URL(location, current);
        continue;
      }
      const headers: Record<string, string> = {};
      for (const name of PASSED_HEADERS) {
        const value = response.headers[name];
        if (typeof value === 'string' && name !== 'location') headers[name] = value;
      }
      return { status: response.statusCode, headers, body: await readBytes(response.body, limits.maxBytes, current) };
    }
  } finally {
    await agent.close().catch(() => undefined);
  }
}
