import { DomainError, type ErrorKind } from '#server/errors.ts';

/** The capture error codes the API and the UI show. */
export const captureErrorCodes = [
  'INVALID_URL',
  'UNSUPPORTED_PROVIDER',
  'BLOCKED_HOST',
  'RATE_LIMITED',
  'TIMEOUT',
  'TOO_LARGE',
  'NOT_FOUND',
  'EXTRACTION_FAILED',
  'INVALID_CONTENT',
  'BOT_CHECK',
  'UNREACHABLE',
  'BROWSER_UNAVAILABLE',
  'CANCELLED',
] as const;
export type CaptureErrorCode = (typeof captureErrorCodes)[number];

const KIND: Record<CaptureErrorCode, ErrorKind> = {
  INVALID_URL: 'invalid',
  UNSUPPORTED_PROVIDER: 'invalid',
  BLOCKED_HOST: 'forbidden',
  RATE_LIMITED: 'rate_limited',
  TIMEOUT: 'timeout',
  TOO_LARGE: 'too_large',
  NOT_FOUND: 'not_found',
  EXTRACTION_FAILED: 'unavailable',
  INVALID_CONTENT: 'invalid',
  BOT_CHECK: 'unavailable',
  UNREACHABLE: 'unavailable',
  BROWSER_UNAVAILABLE: 'unavailable',
  CANCELLED: 'conflict',
};

/** Failures that a retry may fix (the job is retried); all others fail the job at once. */
export const TRANSIENT_CAPTURE_ERRORS: ReadonlySet<CaptureErrorCode> = new Set(['TIMEOUT', 'UNREACHABLE', 'RATE_LIMITED']);

/** A capture failure with one of the codes above; `details` is safe to show (provider, step, host…). */
export class CaptureError extends DomainError {
  override readonly code: CaptureErrorCode;
  constructor(code: CaptureErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(KIND[code], code, message, details);
    this.code = code;
  }
}
