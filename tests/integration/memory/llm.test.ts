import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openAsBlob } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { createLogger } from '#server/logger.ts';
import { LlmExtractor, type LlmSettings } from '#modules/memory/extract/llm.ts';
import type { ExtractionInput } from '#modules/memory/extract/types.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/memory/', import.meta.url));
const API_KEY = 'sk-test-Zq8Lm3Nx7Rv2Tb5Wc9Hd4Kf';

/** A request the fake provider received. */
interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

type Reply = { status: number; headers?: Record<string, string>; body: unknown };

/**
 * A local HTTP server speaking the three providers' wire formats. Each request takes the next
 * scripted reply (the last one repeats); the answer JSON is wrapped the way each protocol does.
 */
class FakeLlm {
  readonly seen: Seen[] = [];
  private replies: ((seen: Seen) => Reply)[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const seen = { path: req.url ?? '', headers: req.headers, body: JSON.parse(raw) as Record<string, unknown> };
        this.seen.push(seen);
        const reply = (this.replies.length > 1 ? this.replies.shift()! : this.replies[0]!)(seen);
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  script(...replies: ((seen: Seen) => Reply)[]): void {
    this.replies = replies;
    this.seen.length = 0;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** The answer JSON in each protocol's envelope. */
const openai = (answer: unknown, tokens = 500): Reply => ({ status: 200, body: { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: typeof answer === 'string' ? answer : JSON.stringify(answer) }, finish_reason: 'stop' }], usage: { prompt_tokens: tokens - 100, completion_tokens: 100, total_tokens: tokens } } });
const anthropic = (answer: unknown): Reply => ({ status: 200, body: { id: 'msg', type: 'message', role: 'assistant', content: [{ type: 'tool_use', id: 'tu', name: 'record_memories', input: answer }], stop_reason: 'tool_use', usage: { input_tokens: 400, output_tokens: 80 } } });
const gemini = (answer: unknown): Reply => ({ status: 200, body: { candidates: [{ content: { role: 'model', parts: [{ text: JSON.stringify(answer) }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 400, candidatesTokenCount: 80, totalTokenCount: 480 } } });

const memory = (over: Record<string, unknown>) => ({ type: 'identity', content: 'Name is Maya Lopez', slot: 'identity:name', confidence: 0.95, importance: 0.9, message: 'm1', quote: 'My name is Maya Lopez', ...over });

/** What a well-behaved model answers for first.json, plus what the quality checks must drop. */
const FIRST_ANSWER = {
  memories: [
    memory({}),
    memory({ type: 'fact', content: 'Lives in Lisbon', slot: 'fact:location', quote: 'I live in Lisbon.' }),
    memory({ type: 'preference', content: 'Prefers tabs for indentation', slot: 'preference:indentation', message: 'm2', quote: 'I prefer tabs for indentation.' }),
    // Dropped: transient, a secret, a quote the user never wrote, a message label that does not exist.
    memory({ type: 'fact', content: 'Is tired today', slot: null, message: 'm3', quote: "I'm so tired today." }),
    memory({ type: 'fact', content: 'Deploys with token ghp_4fT9kQ2mZx8LwP1vR7sY3nB6cD0eH5jU2aKq', slot: null, message: 'm4', quote: 'I use my token' }),
    memory({ type: 'preference', content: 'Loves Rust', slot: null, message: 'm1', quote: 'I love Rust' }),
    memory({ type: 'goal', content: 'Wants to fly', slot: null, message: 'm9', quote: 'fly' }),
  ],
};

const fake = new FakeLlm();
let t: TestServer;
const logged: string[] = [];

async function importAs(cookie: string): Promise<void> {
  const form = new FormData();
  form.append('file', await openAsBlob(path.join(FIXTURES, 'first.json')), 'first.json');
  expect((await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie, origin: 'http://localhost:3000' }, body: form })).status).toBe(202);
  await new Promise((r) => setTimeout(r, 700));
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if ((await t.call('GET', '/ready?idle=1')).status === 200) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('jobs never finished');
}

async function extractJob(ownerId: string) {
  const rows = await t.server.runtime.deps.em().execute<{ state: string; error: string | null; error_code: string | null; result: unknown }[]>("select state, error, error_code, result from vivim_job where task = 'memory.extract' and owner_id = ? order by created_at desc limit 1", [ownerId]);
  return rows[0];
}

beforeAll(async () => {
  await fake.start();
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (logged.push(chunk.toString()), done()) });
  t = await startTestServer({
    env: { MEMORY_EXTRACTOR: 'llm', LLM_PROVIDER: 'openai', LLM_URL: `${fake.url}/v1`, LLM_MODEL: 'fake-model', LLM_API_KEY: API_KEY, LLM_RETRIES: '2' },
    log: createLogger({ log: { level: 'debug' } }, sink),
  });
}, 120_000);

afterAll(async () => {
  await t?.dispose();
  await fake.stop();
});

describe('LLM extraction through the job (OpenAI-compatible)', () => {
  it('sends a strict JSON-schema request and stores only the answers that pass the quality checks', async () => {
    fake.script(() => openai(FIRST_ANSWER));
    const user = await t.signUp('maya@example.com');
    await importAs(user.cookie);
    const request = fake.seen[0]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.body).toMatchObject({ model: 'fake-model', response_format: { type: 'json_schema', json_schema: { name: 'memories', strict: true } } });
    const prompt = JSON.stringify(request.body.messages);
    expect(prompt).toContain('[m1] Hi! My name is Maya Lopez');
    expect(prompt).not.toContain('I love Rust and I live in the cloud');
    expect(prompt).not.toContain('ghp_4fT9');
    expect(prompt).toContain('I use my token [redacted] for deploys.');
    const items = (await t.call('GET', '/api/v1/memory', { cookie: user.cookie })).body.items as { content: string; provenance: { sourceMessageId: string }[] }[];
    expect(items.map((m) => m.content).sort()).toEqual(['Lives in Lisbon', 'Name is Maya Lopez', 'Prefers tabs for indentation']);
    expect(items.find((m) => m.content === 'Prefers tabs for indentation')!.provenance[0]!.sourceMessageId).toBe('f3');
    expect(await extractJob(user.userId)).toMatchObject({ state: 'done', result: { extractor: 'llm:openai:fake-model@1', candidates: 7, rejected: 4, added: 3, tokens: 500, truncated: false } });
  });

  it('retries a 429 (Retry-After) and then succeeds', async () => {
    fake.script(
      () => ({ status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'Rate limit reached' } } }),
      () => openai({ memories: [memory({})] }),
    );
    const user = await t.signUp('ratelimited@example.com');
    await importAs(user.cookie);
    expect(fake.seen).toHaveLength(2);
    expect((await t.call('GET', '/api/v1/memory', { cookie: user.cookie })).body.items.map((m: { content: string }) => m.content)).toEqual(['Name is Maya Lopez']);
  });

  it('fails the job with a clear error on malformed JSON (asked twice), storing nothing and not falling back to the rules', async () => {
    fake.script(() => openai('{"memories": [ {"type": "identity", "content": '));
    const user = await t.signUp('malformed@example.com');
    await importAs(user.cookie);
    expect(fake.seen).toHaveLength(2);
    const job = await extractJob(user.userId);
    expect(job).toMatchObject({ state: 'failed', error_code: 'MEMORY_LLM_BAD_OUTPUT' });
    expect(job!.error).toMatch(/openai model fake-model gave an unusable answer twice: the answer is not JSON/);
    expect((await t.call('GET', '/api/v1/memory', { cookie: user.cookie })).body.items).toEqual([]);
  });

  it('fails on a refused request without ever logging or reporting the API key', async () => {
    fake.script((seen) => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${String(seen.headers.authorization).slice(7)}` } } }));
    const user = await t.signUp('refused@example.com');
    await importAs(user.cookie);
    const job = await extractJob(user.userId);
    expect(job).toMatchObject({ state: 'failed', error_code: 'MEMORY_LLM_REJECTED' });
    expect(job!.error).toContain('HTTP 401');
    expect(job!.error).toContain('[key]');
    expect(job!.error).not.toContain(API_KEY);
    expect(logged.join('')).toContain('memory.extract');
    expect(logged.join('')).not.toContain(API_KEY);
  });
});

describe('LLM extractor protocols', () => {
  const input: ExtractionInput = {
    conversationId: 'c',
    title: 'About me',
    messages: [
      { id: 'u1', role: 'user', text: 'My name is Maya Lopez.', createdAt: null },
      { id: 'a1', role: 'assistant', text: 'Hello Maya.', createdAt: null },
      { id: 'u2', role: 'user', text: 'I live in Lisbon.', createdAt: null },
    ],
  };
  const settings = (over: Partial<LlmSettings>): LlmSettings => ({ provider: 'openai', model: 'fake-model', url: fake.url, apiKey: API_KEY, timeoutMs: 5000, retries: 1, maxTokensPerJob: 20000, maxOutputTokens: 1000, ...over });
  const log = pino({ level: 'silent' });
  const answer = { memories: [memory({}), memory({ type: 'fact', content: 'Lives in Lisbon', slot: 'fact:location', message: 'm2', quote: 'I live in Lisbon.' })] };

  it('speaks Anthropic messages with a forced tool call', async () => {
    fake.script(() => anthropic(answer));
    const out = await new LlmExtractor(settings({ provider: 'anthropic', model: 'claude-fake' }), log).extract(input);
    const request = fake.seen[0]!;
    expect(request.path).toBe('/v1/messages');
    expect(request.headers['x-api-key']).toBe(API_KEY);
    expect(request.headers['anthropic-version']).toBe('2023-06-01');
    expect(request.body).toMatchObject({ model: 'claude-fake', tool_choice: { type: 'tool', name: 'record_memories' }, tools: [{ name: 'record_memories', input_schema: { type: 'object' } }] });
    expect(out.candidates.map((c) => [c.messageId, c.content])).toEqual([['u1', 'Name is Maya Lopez'], ['u2', 'Lives in Lisbon']]);
    expect(out.tokens).toBe(480);
  });

  it('speaks Gemini generateContent with a response schema', async () => {
    fake.script(() => gemini(answer));
    const out = await new LlmExtractor(settings({ provider: 'gemini', model: 'gemini-fake' }), log).extract(input);
    const request = fake.seen[0]!;
    expect(request.path).toBe('/v1beta/models/gemini-fake:generateContent');
    expect(request.headers['x-goog-api-key']).toBe(API_KEY);
    expect(request.body).toMatchObject({ generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT' } } });
    expect(out.candidates).toHaveLength(2);
  });

  it('refuses an answer that is JSON but not the schema (validated by zod)', async () => {
    fake.script(() => gemini({ memories: [{ type: 'opinion', content: 'x' }] }));
    await expect(new LlmExtractor(settings({ provider: 'gemini' }), log).extract(input)).rejects.toThrow(/does not match the schema/);
    expect(fake.seen).toHaveLength(2);
  });

  it('gives up after the retries on 5xx with an unavailable error', async () => {
    fake.script(() => ({ status: 503, headers: { 'retry-after': '0' }, body: 'overloaded' }));
    await expect(new LlmExtractor(settings({ retries: 2, url: `${fake.url}/v1` }), log).extract(input)).rejects.toMatchObject({ code: 'MEMORY_LLM_UNAVAILABLE' });
    expect(fake.seen).toHaveLength(3);
  });

  it('stops when the token budget per job is spent (long conversations go in chunks)', async () => {
    fake.script(() => openai({ memories: [] }, 6000));
    const long: ExtractionInput = { ...input, messages: Array.from({ length: 6 }, (_, i) => ({ id: `u${i}`, role: 'user', text: `I like topic ${i}. ${'word '.repeat(4000)}`, createdAt: null })) };
    const out = await new LlmExtractor(settings({ url: `${fake.url}/v1`, maxTokensPerJob: 9000 }), log).extract(long);
    expect(fake.seen).toHaveLength(1);
    expect(out).toMatchObject({ tokens: 6000, truncated: true });
  });
});
