import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddingError } from './errors.ts';
import { OpenAiEmbedder, parseRetryAfter, type OpenAiEmbedderOptions } from './openai.ts';

const KEY = 'sk-test-0123456789abcdef';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: { model: string; input: string[]; dimensions?: number };
}
type Handler = (request: Seen, response: ServerResponse, attempt: number) => void;

/** A local server speaking POST /v1/embeddings; each request goes to the next handler (the last one repeats). */
async function fakeEndpoint(...handlers: Handler[]) {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const request: Seen = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(raw) as Seen['body'] };
      seen.push(request);
      handlers[Math.min(seen.length - 1, handlers.length - 1)]!(request, res, seen.length);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}

/** A deterministic, deliberately non-unit vector per text. */
function vectorFor(text: string, dims: number): number[] {
  return Array.from({ length: dims }, (_, i) => ((text.charCodeAt(i % text.length) * (i + 1)) % 17) + 1);
}

/** The real response shape, with `data` in reverse order to check that `index` decides. */
function ok(dims = 4): Handler {
  return (request, response) => {
    const data = request.body.input.map((text, index) => ({ object: 'embedding', index, embedding: vectorFor(text, request.body.dimensions ?? dims) }));
    json(response, 200, { object: 'list', data: data.reverse(), model: request.body.model, usage: { prompt_tokens: 3, total_tokens: 3 } });
  };
}
function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
const status = (code: number, headers: Record<string, string> = {}, body: unknown = { error: { message: `status ${code}`, type: 'server_error' } }): Handler =>
  (_request, response) => json(response, code, body, headers);

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

const logLines: string[] = [];
const log = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) }));

function embedder(url: string, options: Partial<OpenAiEmbedderOptions> = {}) {
  return new OpenAiEmbedder({ baseUrl: url, model: 'text-embedding-3-small', apiKey: KEY, batchSize: 64, timeoutMs: 2000, retries: 2, retryBaseMs: 5, log, ...options });
}

async function failure(promise: Promise<unknown>): Promise<EmbeddingError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(EmbeddingError);
  expect(JSON.stringify({ message: (error as Error).message, details: (error as EmbeddingError).details })).not.toContain(KEY);
  return error as EmbeddingError;
}

const norm = (vector: Float32Array) => Math.hypot(...vector);

describe('OpenAiEmbedder', () => {
  it('posts the OpenAI request and returns unit vectors in input order', async () => {
    const server = await fakeEndpoint(ok());
    const e = embedder(server.url, { dimensions: 4 });
    const vectors = await e.embed(['alpha', 'beta', 'gamma']);
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]).toMatchObject({
      method: 'POST',
      url: '/v1/embeddings',
      authorization: `Bearer ${KEY}`,
      body: { model: 'text-embedding-3-small', input: ['alpha', 'beta', 'gamma'], dimensions: 4 },
    });
    expect(e.id).toBe('openai:text-embedding-3-small@4');
    expect(vectors).toHaveLength(3);
    ['alpha', 'beta', 'gamma'].forEach((text, i) => {
      const raw = vectorFor(text, 4);
      const length = Math.hypot(...raw);
      expect([...vectors[i]!].map((x) => Number(x.toFixed(5)))).toEqual(raw.map((x) => Number((x / length).toFixed(5))));
      expect(norm(vectors[i]!)).toBeCloseTo(1, 5);
    });
  });

  it('sends batches of the configured size and no key header without a key', async () => {
    const server = await fakeEndpoint(ok());
    const texts = ['a', 'b', 'c', 'd', 'e'];
    const vectors = await embedder(server.url, { batchSize: 2, apiKey: undefined }).embed(texts);
    expect(server.seen.map((request) => request.body.input)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(server.seen[0]!.authorization).toBeUndefined();
    expect(server.seen[0]!.body.dimensions).toBeUndefined();
    expect(vectors.map((vector) => vector[0])).toEqual(texts.map((text) => vectorFor(text, 4)[0]! / Math.hypot(...vectorFor(text, 4))).map((x) => Math.fround(x)));
  });

  it('learns the dimensions from the first response when none are configured', async () => {
    const server = await fakeEndpoint(ok(6));
    const e = embedder(server.url);
    expect(e.dims).toBe(0);
    expect(e.id).toBe('openai:text-embedding-3-small');
    await e.embed(['x']);
    expect(e.dims).toBe(6);
  });

  it('retries after a 429, waiting as Retry-After says', async () => {
    const server = await fakeEndpoint(status(429, { 'retry-after': '0.2' }), ok());
    const started = performance.now();
    const vectors = await embedder(server.url).embed(['hello']);
    expect(vectors).toHaveLength(1);
    expect(server.seen).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('gives up at once with EMBEDDER_RATE_LIMITED when Retry-After is longer than it will wait', async () => {
    const server = await fakeEndpoint(status(429, { 'retry-after': '120' }), ok());
    const error = await failure(embedder(server.url).embed(['hello']));
    expect(error.code).toBe('EMBEDDER_RATE_LIMITED');
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(120_000);
    expect(server.seen).toHaveLength(1);
  });

  it('retries a 500 and then fails with EMBEDDER_UNAVAILABLE', async () => {
    const server = await fakeEndpoint(status(500));
    const error = await failure(embedder(server.url, { retries: 2 }).embed(['hello']));
    expect(error.code).toBe('EMBEDDER_UNAVAILABLE');
    expect(error.details).toMatchObject({ status: 500, attempts: 3 });
    expect(error.message).toContain('answered 500: status 500');
    expect(server.seen).toHaveLength(3);
  });

  it('does not retry a rejected key and never repeats the key, even when the server echoes it', async () => {
    const server = await fakeEndpoint(status(401, {}, { error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error' } }));
    const error = await failure(embedder(server.url).embed(['hello']));
    expect(error.code).toBe('EMBEDDER_UNAVAILABLE');
    expect(error.message).toContain('[redacted]');
    expect(server.seen).toHaveLength(1);
    expect(logLines.join('')).not.toContain(KEY);
  });

  it('reports a body that is not JSON as EMBEDDER_BAD_RESPONSE', async () => {
    const server = await fakeEndpoint((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"data": [ {"embedding": [0.1, ');
    });
    const error = await failure(embedder(server.url).embed(['hello']));
    expect(error.code).toBe('EMBEDDER_BAD_RESPONSE');
    expect(server.seen).toHaveLength(1);
  });

  it('reports a wrong shape or a missing index as EMBEDDER_BAD_RESPONSE', async () => {
    const shape = await fakeEndpoint(status(200, {}, { data: [{ embedding: 'AAAA', index: 0 }] }));
    expect((await failure(embedder(shape.url).embed(['a']))).code).toBe('EMBEDDER_BAD_RESPONSE');
    const missing = await fakeEndpoint(status(200, {}, { data: [{ embedding: [1, 2], index: 0 }, { embedding: [1, 2], index: 0 }] }));
    const error = await failure(embedder(missing.url).embed(['a', 'b']));
    expect(error.message).toContain('expected 2 embeddings indexed 0…1');
  });

  it('rejects vectors whose size differs from the configured or learned dimensions', async () => {
    const configured = await fakeEndpoint(status(200, {}, { data: [{ embedding: [1, 2, 3], index: 0 }] }));
    const error = await failure(embedder(configured.url, { dimensions: 4 }).embed(['a']));
    expect(error.code).toBe('EMBEDDER_BAD_RESPONSE');
    expect(error.details).toMatchObject({ expected: 4, got: 3 });

    const learned = await fakeEndpoint(ok(3), ok(5));
    const e = embedder(learned.url);
    await e.embed(['a']);
    expect((await failure(e.embed(['b']))).details).toMatchObject({ expected: 3, got: 5 });
  });

  it('fails with EMBEDDER_TIMEOUT when the endpoint does not answer in time', async () => {
    const server = await fakeEndpoint(() => undefined);
    const started = performance.now();
    const error = await failure(embedder(server.url, { timeoutMs: 150, retries: 1 }).embed(['hello']));
    expect(error.code).toBe('EMBEDDER_TIMEOUT');
    expect(error.kind).toBe('timeout');
    expect(server.seen).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('fails with EMBEDDER_UNAVAILABLE when nothing listens', async () => {
    const server = await fakeEndpoint(ok());
    const url = server.url;
    for (const s of servers.splice(0)) s.close();
    const error = await failure(embedder(url, { retries: 1 }).embed(['hello']));
    expect(error.code).toBe('EMBEDDER_UNAVAILABLE');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('stops when the caller aborts, with the abort reason', async () => {
    const server = await fakeEndpoint(() => undefined);
    const controller = new AbortController();
    const pending = embedder(server.url).embed(['hello'], controller.signal);
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
  });

  it('reports health from a real request', async () => {
    const good = await fakeEndpoint(ok(4));
    expect(await embedder(good.url).health()).toMatchObject({ ok: true, detail: expect.stringContaining('4 dims') as unknown });
    const bad = await fakeEndpoint(status(503));
    const health = await embedder(bad.url).health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('EMBEDDER_UNAVAILABLE');
    expect(bad.seen).toHaveLength(1);
  });

  it('refuses to embed after close', async () => {
    const server = await fakeEndpoint(ok());
    const e = embedder(server.url);
    await e.close();
    expect((await failure(e.embed(['a']))).code).toBe('EMBEDDER_UNAVAILABLE');
    expect(server.seen).toHaveLength(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
