import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/** The kinds of failure a service may report; each maps to one tRPC code and HTTP status. */
export type ErrorKind =
  | 'not_found'
  | 'invalid'
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated'
  | 'unavailable'
  | 'rate_limited'
  | 'too_large'
  | 'timeout';

/** A domain error: stable code, kind, safe details. Services throw these, never HTTP errors. */
export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(kind: ErrorKind, code: string, message?: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message ?? code, options);
    this.name = 'DomainError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

export class NotFoundError extends DomainError {
  constructor(code: string, details: Record<string, unknown> = {}, message = 'Not found') {
    super('not_found', code, message, details);
  }
}
export class InvalidError extends DomainError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super('invalid', code, message, details);
  }
}
export class ConflictError extends DomainError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super('conflict', code, message, details);
  }
}
export class ForbiddenError extends DomainError {
  constructor(code: string, message = 'Forbidden', details: Record<string, unknown> = {}) {
    super('forbidden', code, message, details);
  }
}
export class UnauthenticatedError extends DomainError {
  constructor(code: string, message = 'Sign in first', details: Record<string, unknown> = {}) {
    super('unauthenticated', code, message, details);
  }
}
export class UnavailableError extends DomainError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('unavailable', code, message, details, options);
  }
}
export class RateLimitedError extends DomainError {
  constructor(code: string, retryAfterSeconds: number) {
    super('rate_limited', code, `Too many attempts: try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

/** Input that can never succeed: the job wrapper completes the job as failed instead of retrying. */
export class PermanentJobError extends Error {
  /** Stable code clients branch on (e.g. CAPTURE_NOT_FOUND). */
  readonly code: string | undefined;
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(message, options);
    this.name = 'PermanentJobError';
    this.code = options?.code;
  }
}

export const TRPC_CODE = {
  not_found: 'NOT_FOUND',
  invalid: 'BAD_REQUEST',
  conflict: 'CONFLICT',
  forbidden: 'FORBIDDEN',
  unauthenticated: 'UNAUTHORIZED',
  unavailable: 'SERVICE_UNAVAILABLE',
  rate_limited: 'TOO_MANY_REQUESTS',
  too_large: 'PAYLOAD_TOO_LARGE',
  timeout: 'TIMEOUT',
} as const satisfies Record<ErrorKind, TRPC_ERROR_CODE_KEY>;

export const HTTP_STATUS = {
  not_found: 404,
  invalid: 400,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  unavailable: 503,
  rate_limited: 429,
  too_large: 413,
  timeout: 408,
} as const satisfies Record<ErrorKind, number>;

/** Converts a domain error into the TRPCError the client sees (its code travels in `cause`). */
export function toTRPCError(error: unknown): unknown {
  if (error instanceof TRPCError && error.cause instanceof DomainError) return error;
  if (error instanceof DomainError) {
    return new TRPCError({ code: TRPC_CODE[error.kind], message: error.message, cause: error });
  }
  return error;
}
