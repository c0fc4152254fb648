import { DomainError, type ErrorKind } from '#server/errors.ts';

/** The failures an embedder reports. */
export const embeddingErrorCodes = [
  'EMBEDDER_UNAVAILABLE',
  'EMBEDDER_BAD_RESPONSE',
  'EMBEDDER_TIMEOUT',
  'EMBEDDER_RATE_LIMITED',
] as const;
export type EmbeddingErrorCode = (typeof embeddingErrorCodes)[number];

const KIND: Record<EmbeddingErrorCode, ErrorKind> = {
  EMBEDDER_UNAVAILABLE: 'unavailable',
  EMBEDDER_BAD_RESPONSE: 'unavailable',
  EMBEDDER_TIMEOUT: 'timeout',
  EMBEDDER_RATE_LIMITED: 'rate_limited',
};

/**
 * An embedding failure. `details` is safe to log and show (embedder id, HTTP status, attempts);
 * it never holds the API key or the texts.
 */
export class EmbeddingError extends DomainError {
  override readonly code: EmbeddingErrorCode;
  /** For EMBEDDER_RATE_LIMITED: how long the endpoint asked us to wait, when it said so. */
  readonly retryAfterMs: number | undefined;
  constructor(
    code: EmbeddingErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options: ErrorOptions & { retryAfterMs?: number } = {},
  ) {
    super(KIND[code], code, message, details, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EmbeddingError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
  }
}
