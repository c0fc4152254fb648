import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { IndexSource } from '#modules/capture/index.ts';
import type { ConversationAnalysis } from './analyze.ts';
import type { FromAnalyzeWorker, ToAnalyzeWorker } from './analyze.protocol.ts';

/** A worker left without work this long is stopped (its ~60 MB go back); the next call starts one again. */
const IDLE_MS = 30_000;

interface Pending {
  resolve: (analysis: ConversationAnalysis) => void;
  reject: (error: Error) => void;
}

/**
 * Reads conversations (`analyzeConversation`) in one worker thread, started on first use and stopped
 * when idle: the NLP costs ~5 ms of CPU per message, ~17 minutes for a 200k-message import, which on
 * the main thread made every request wait behind it. Calls are answered in order. If the worker
 * cannot start or dies, the call fails (the job retries) and the next call starts a new one.
 */
export class AnalyzerThread {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #idle: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #log: Logger;
  readonly #idleMs: number;

  constructor(options: { log: Logger; idleMs?: number }) {
    this.#log = options.log;
    this.#idleMs = options.idleMs ?? IDLE_MS;
  }

  analyze(source: IndexSource): Promise<ConversationAnalysis> {
    if (this.#closed) return Promise.reject(new Error('the analyzer is closed'));
    const worker = this.#start();
    clearTimeout(this.#idle);
    worker.ref();
    const id = this.#next++;
    return new Promise<ConversationAnalysis>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'analyze', id, source } satisfies ToAnalyzeWorker);
    });
  }

  /** Whether a worker thread is running (for tests and status). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idle);
    const worker = this.#worker;
    this.#fail(new Error('the analyzer is closed'));
    if (worker) await worker.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./analyze.worker.ts', import.meta.url), { name: 'vivim-librarian' });
    this.#worker = worker;
    worker.on('message', (message: FromAnalyzeWorker) => {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.type === 'result') pending.resolve(message.analysis);
      else pending.reject(new Error(`reading the conversation failed: ${message.message}`));
      if (this.#pending.size === 0) this.#rest(worker);
    });
    worker.on('error', (error) => {
      this.#log.error({ err: error }, 'librarian worker crashed');
      if (this.#worker === worker) this.#fail(new Error(`the librarian worker crashed: ${error.message}`));
    });
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#fail(new Error(`the librarian worker exited (code ${code})`));
    });
    return worker;
  }

  /** No call waiting: let the process exit without it, and stop it if it stays idle. */
  #rest(worker: Worker): void {
    worker.unref();
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      if (this.#worker !== worker || this.#pending.size > 0) return;
      this.#worker = undefined;
      void worker.terminate();
    }, this.#idleMs);
    this.#idle.unref();
  }

  /** Forgets the worker and fails every waiting call. */
  #fail(error: Error): void {
    this.#worker = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }
}
