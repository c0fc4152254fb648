import type { Logger } from 'pino';
import type { Config } from '#config';
import { OpenAiEmbedder } from './openai.ts';
import { EmbedderPool } from './pool.ts';
import { UseLiteEmbedder } from './use-lite.ts';

export { EmbeddingError, embeddingErrorCodes, type EmbeddingErrorCode } from './errors.ts';
export { chunkText, type Chunk, type ChunkOptions } from './chunk.ts';
export { dot } from './vector.ts';

/** What `health()` reports; `detail` is safe to show (never the key, never texts). */
export interface EmbedderHealth {
  ok: boolean;
  detail: string;
}

/** Turns texts into unit-length vectors. One instance per process; safe to call concurrently. */
export interface Embedder {
  /** Stable model id recorded on rows (`use-lite-512`, `openai:text-embedding-3-small@512`): vectors with different ids are not comparable. */
  readonly id: string;
  /** Vector length. For an OpenAI-compatible model without EMBEDDING_DIMENSIONS it is 0 until the first response tells it. */
  readonly dims: number;
  /** Longest input in model tokens; longer texts are truncated, so chunk first (chunk.ts). */
  readonly maxTokens: number;
  /**
   * One unit-length vector per text, in input order. Throws EmbeddingError; an aborted `signal`
   * rejects with `signal.reason`.
   */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Whether embedding works now (the last failure if not). Never throws. */
  health(): Promise<EmbedderHealth>;
  /** Stops workers and sockets; later calls fail with EMBEDDER_UNAVAILABLE. */
  close(): Promise<void>;
}

/** The embeddings config slice (`config.embeddings`). */
export type EmbeddingsConfig = Config['embeddings'];

/**
 * The embedder the config asks for, or null when embeddings are off (`EMBEDDING_PROVIDER=off`).
 * Nothing loads or connects until the first `embed`; a failing embedder reports it through errors
 * and `health()`, it is never swapped for another.
 */
export function createEmbedder(config: EmbeddingsConfig, log: Logger): Embedder | null {
  switch (config.provider) {
    case 'off':
      return null;
    case 'local':
      if (config.threads <= 1) return new UseLiteEmbedder({ timeoutMs: config.timeoutMs, log });
      return new EmbedderPool(Array.from({ length: config.threads }, () => new UseLiteEmbedder({ timeoutMs: config.timeoutMs, log })));
    case 'openai':
      if (!config.url || !config.model) throw new TypeError('EMBEDDING_URL and EMBEDDING_MODEL are required for the openai embedder');
      return new OpenAiEmbedder({
        baseUrl: config.url,
        model: config.model,
        apiKey: config.apiKey,
        dimensions: config.dimensions,
        batchSize: config.batchSize,
        timeoutMs: config.timeoutMs,
        retries: config.retries,
        log,
      });
  }
}
