import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Embedder, EmbedderHealth } from './embedder.ts';
import { EmbeddingError } from './errors.ts';
import { batches, normalizeInPlace } from './vector.ts';

export interface OpenAiEmbedderOptions {
  /** API base, e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1` (Ollama), a vLLM server's `/v1`. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer …` when set. Never logged. */
  apiKey?: string | undefined;
  /** Sent as `dimensions` and checked on every vector; unset = learned from the first response. */
  dimensions?: number | undefined;
  /** Texts per request. */
  batchSize: number;
  /** Per attempt, including reading the body. */
  timeoutMs: number;
  /** Extra attempts after a 429, 5xx, timeout or network error. */
  retries: number;
  log: Logger;
  /** Model context in tokens; inputs are cut to about 3 characters per token. Default 8191 (OpenAI's models). */
  maxTokens?: number;
  /** First backoff delay (doubles per retry, with jitter). Default 500 ms. */
  retryBaseMs?: number;
  /** Longest wait we sit through (backoff or Retry-After); a longer one fails with EMBEDDER_RATE_LIMITED at once. Default 60 s. */
  maxRetryDelayMs?: number;
}

/** OpenAI caps a request at 300k tokens; stay well below in characters whatever the batch size. */
const MAX_REQUEST_CHARS = 600_000;
/** Cap on how much of an error body we read into a message. */
const MAX_ERROR_CHARS = 300;

const responseSchema = z.object({
  data: z
    .array(
      z.object({
        embedding: z.array(z.number()).min(1),
        index: z.number().int().nonnegative(),
      }),
    )
    .min(1),
});

const errorBodySchema = z.object({ error: z.union([z.string(), z.object({ message: z.string() })]) });

/** A failed attempt and whether another attempt may succeed. */
interface Failure {
  error: EmbeddingError;
  retryable: boolean;
  retryAfterMs?: number | undefined;
}

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * An OpenAI-compatible `/embeddings` endpoint: OpenAI, Ollama's `/v1`, vLLM, LiteLLM…
 * Requests run one batch at a time per `embed` call; vectors come back normalized to unit length.
 */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly maxTokens: number;

  readonly #endpoint: URL;
  readonly #model: string;
  readonly #apiKey: string | undefined;
  readonly #requestDimensions: number | undefined;
  readonly #batchSize: number;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryBaseMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #maxChars: number;
  readonly #log: Logger;
  #dims: number;
  #closed = false;

  constructor(options: OpenAiEmbedderOptions) {
    this.#endpoint = new URL(`${options.baseUrl.replace(/\/+$/, '')}/embeddings`);
    this.#model = options.model;
    this.#apiKey = options.apiKey;
    this.#requestDimensions = options.dimensions;
    this.#dims = options.dimensions ?? 0;
    this.#batchSize = options.batchSize;
    this.#timeoutMs = options.timeoutMs;
    this.#retries = options.retries;
    this.#retryBaseMs = options.retryBaseMs ?? 500;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    this.maxTokens = options.maxTokens ?? 8191;
    this.#maxChars = this.maxTokens * 3;
    this.#log = options.log.child({ embedder: `openai:${options.model}` });
    this.id = `openai:${options.model}${options.dimensions ? `@${options.dimensions}` : ''}`;
  }

  /** Vector length: configured, or learned from the first response (0 before it). */
  get dims(): number {
    return this.#dims;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.#closed) throw new EmbeddingError('EMBEDDER_UNAVAILABLE', 'embedder closed', { embedder: this.id });
    if (texts.length === 0) return [];
    // OpenAI rejects empty strings; a blank text gets the vector of a blank.
    const inputs = texts.map((text) => (text.trim() === '' ? ' ' : text.slice(0, this.#maxChars)));
    const result: Float32Array[] = [];
    for (const batch of batches(inputs, this.#batchSize, MAX_REQUEST_CHARS)) {
      result.push(...(await this.#embedBatch(batch.texts, signal, this.#retries)));
    }
    return result;
  }

  async health(): Promise<EmbedderHealth> {
    if (this.#closed) return { ok: false, detail: 'closed' };
    const started = performance.now();
    try {
      await this.#embedBatch(['health check'], AbortSignal.timeout(Math.min(this.#timeoutMs, 10_000) + 1000), 0);
      const ms = Math.round(performance.now() - started);
      return { ok: true, detail: `${this.#model} at ${this.#where()}: ${this.#dims} dims, ${ms} ms` };
    } catch (error) {
      const detail = error instanceof EmbeddingError ? `${error.code}: ${error.message}` : this.#redact(String(error));
      return { ok: false, detail };
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #embedBatch(inputs: string[], signal: AbortSignal | undefined, retries: number): Promise<Float32Array[]> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const started = performance.now();
      const outcome = await this.#attempt(inputs, signal);
      if (!('error' in outcome)) {
        this.#log.debug({ count: inputs.length, ms: Math.round(performance.now() - started), attempt }, 'embeddings received');
        return outcome.vectors;
      }
      const { error, retryable, retryAfterMs } = outcome;
      if (!retryable || attempt >= retries) {
        if (retryable) error.details.attempts = attempt + 1;
        throw error;
      }
      const backoff = this.#retryBaseMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
      const delayMs = Math.round(retryAfterMs ?? backoff);
      if (delayMs > this.#maxRetryDelayMs) throw error;
      this.#log.warn({ code: error.code, status: error.details.status, attempt: attempt + 1, delayMs }, 'embedding request failed; retrying');
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        signal?.throwIfAborted();
      }
    }
  }

  /** One HTTP round trip: vectors, or a typed failure. Throws only when the caller aborts. */
  async #attempt(inputs: string[], signal: AbortSignal | undefined): Promise<{ vectors: Float32Array[] } | Failure> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    const body: { model: string; input: string[]; dimensions?: number } = { model: this.#model, input: inputs };
    if (this.#requestDimensions) body.dimensions = this.#requestDimensions;
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetch(this.#endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal: combined });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (cause) {
      signal?.throwIfAborted();
      if (timeout.aborted) {
        return { retryable: true, error: this.#error('EMBEDDER_TIMEOUT', `no answer from ${this.#where()} within ${this.#timeoutMs} ms`, { timeoutMs: this.#timeoutMs }) };
      }
      const reason = describeNetworkError(cause);
      return { retryable: true, error: this.#error('EMBEDDER_UNAVAILABLE', `cannot reach ${this.#where()}: ${reason}`, {}, cause) };
    }
    if (status >= 200 && status < 300) return this.#parse(text, inputs.length, status);
    const message = this.#errorMessage(text);
    const where = `${this.#where()} answered ${status}${message ? `: ${message}` : ''}`;
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(retryAfter);
      return { retryable: true, retryAfterMs, error: this.#error('EMBEDDER_RATE_LIMITED', where, { status }, undefined, retryAfterMs) };
    }
    if (status >= 500 || status === 408) return { retryable: true, error: this.#error('EMBEDDER_UNAVAILABLE', where, { status }) };
    // 401/403: wrong key; 404: wrong URL or model. Retrying cannot fix these, nor a refused request.
    if (status === 401 || status === 403 || status === 404) return { retryable: false, error: this.#error('EMBEDDER_UNAVAILABLE', where, { status }) };
    return { retryable: false, error: this.#error('EMBEDDER_BAD_RESPONSE', where, { status }) };
  }

  #parse(text: string, expected: number, status: number): { vectors: Float32Array[] } | Failure {
    const bad = (message: string, details: Record<string, unknown> = {}) => ({
      retryable: false,
      error: this.#error('EMBEDDER_BAD_RESPONSE', `${this.#where()}: ${message}`, { status, ...details }),
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return bad('response is not JSON');
    }
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) return bad(`unexpected response shape (${parsed.error.issues[0]?.message ?? 'invalid'} at ${parsed.error.issues[0]?.path.join('.') ?? ''})`);
    const data = [...parsed.data.data].sort((a, b) => a.index - b.index);
    if (data.length !== expected || data.some((item, position) => item.index !== position)) {
      return bad(`expected ${expected} embeddings indexed 0…${expected - 1}, got ${data.length}`);
    }
    const dims = this.#dims || data[0]!.embedding.length;
    const vectors: Float32Array[] = [];
    for (const item of data) {
      if (item.embedding.length !== dims) {
        return bad(`expected ${dims}-dimensional vectors, got ${item.embedding.length}`, { expected: dims, got: item.embedding.length });
      }
      const vector = normalizeInPlace(Float32Array.from(item.embedding));
      if (!vector) return bad(`embedding ${item.index} is a zero vector`);
      vectors.push(vector);
    }
    if (this.#dims === 0) {
      this.#dims = dims;
      this.#log.info({ dims }, 'embedding dimensions learned from the endpoint');
    }
    return { vectors };
  }

  #error(code: EmbeddingError['code'], message: string, details: Record<string, unknown> = {}, cause?: unknown, retryAfterMs?: number): EmbeddingError {
    return new EmbeddingError(code, this.#redact(message), { embedder: this.id, ...details }, { cause, retryAfterMs });
  }

  /** The server's own error message, short and without our key. */
  #errorMessage(text: string): string {
    let message = text;
    try {
      const parsed = errorBodySchema.safeParse(JSON.parse(text));
      if (parsed.success) message = typeof parsed.data.error === 'string' ? parsed.data.error : parsed.data.error.message;
    } catch {
      // Not JSON: keep the raw text (HTML error pages and proxies).
    }
    message = message.replace(/\s+/g, ' ').trim();
    return message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS)}…` : message;
  }

  #redact(text: string): string {
    return this.#apiKey ? text.split(this.#apiKey).join('[redacted]') : text;
  }

  /** The endpoint without credentials or query, for messages. */
  #where(): string {
    return `${this.#endpoint.origin}${this.#endpoint.pathname}`;
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
