// What each capture error code means to a person, and what they can do about it. The server's
// own message (which may name the host or limit) is shown beside it as the detail.

const MESSAGES: Record<string, string> = {
  INVALID_URL: 'This is not a link VIVIM can read. Paste the full share link, starting with https://.',
  UNSUPPORTED_PROVIDER: 'VIVIM does not know this site. Share links from ChatGPT, Claude, Gemini, Grok, DeepSeek, Kimi, Qwen, Z.ai, Mistral and Perplexity work.',
  BLOCKED_HOST: 'This address is not allowed: VIVIM only fetches public share pages, never private or local addresses.',
  RATE_LIMITED: 'Too many captures in a short time. Wait a minute and try again.',
  TIMEOUT: 'The page took too long to answer. Try again later.',
  TOO_LARGE: 'The page or file is larger than this VIVIM accepts.',
  NOT_FOUND: 'The share link does not exist any more (deleted, or made private).',
  EXTRACTION_FAILED: 'The page was fetched, but no conversation could be read from it.',
  INVALID_CONTENT: 'The content is not what VIVIM expected (not a conversation page or export).',
  BOT_CHECK: 'The site showed a bot check instead of the conversation. Save it with the bookmarklet or the browser extension instead.',
  NEEDS_BROWSER: 'This page only shows the conversation in a real browser. Save it with the bookmarklet or the browser extension.',
  UNREACHABLE: 'The site could not be reached. Check the link, or try again later.',
  BROWSER_UNAVAILABLE: 'This page needs a browser to render, and none is installed on the server (see `vivim doctor`).',
  CANCELLED: 'The capture was cancelled.',
  UNAUTHORIZED: 'Your session has ended. Sign in again.',
  AUTH_REQUIRED: 'Your session has ended. Sign in again.',
  OFFLINE: 'You are offline: the link will be sent when the connection is back.',
  NETWORK: 'The server could not be reached. Check your connection and try again.',
};

/** A person-readable sentence for a capture or import error code (any code, known or not). */
export function captureErrorMessage(code: string | null | undefined): string {
  return code && hasCaptureErrorMessage(code) ? (MESSAGES[code] as string) : 'The capture failed.';
}

/** Whether the code has a message of its own (the others fall back to a generic sentence). */
export function hasCaptureErrorMessage(code: string): boolean {
  return Object.hasOwn(MESSAGES, code);
}

/** The detail worth showing under the sentence: the server's message, unless it only repeats it. */
export function captureErrorDetail(code: string | null | undefined, message: string | null | undefined): string {
  const detail = (message ?? '').trim();
  if (!detail || detail === captureErrorMessage(code) || detail === code) return '';
  return detail;
}

/** A failed call, as the pages show it. */
export interface ShownError {
  /** `UNAUTHORIZED` when not signed in, else VIVIM's code (`NOT_FOUND`, `RATE_LIMITED`…), else tRPC's, else `NETWORK`. */
  code: string;
  message: string;
}

interface ErrorData {
  code?: unknown;
  vivimCode?: unknown;
  issues?: unknown;
}

/**
 * Reads a tRPC client error (or any thrown value): VIVIM's error code and message, the zod issues
 * of a refused input joined into one sentence, or NETWORK when no answer came.
 */
export function shownError(error: unknown): ShownError {
  const record = (error ?? {}) as { message?: unknown; data?: ErrorData | null };
  const data = record.data ?? undefined;
  if (!data) return { code: 'NETWORK', message: captureErrorMessage('NETWORK') };
  // Any way of not being signed in (no session, expired, revoked) reads as UNAUTHORIZED: pages send you to sign in.
  const code = data.code === 'UNAUTHORIZED' ? 'UNAUTHORIZED' : typeof data.vivimCode === 'string' ? data.vivimCode : typeof data.code === 'string' ? data.code : 'UNKNOWN';
  const issues = Array.isArray(data.issues) ? (data.issues as { message?: unknown }[]).map((issue) => issue.message).filter((m): m is string => typeof m === 'string') : [];
  const message = issues.length ? issues.join('; ') : typeof record.message === 'string' && record.message ? record.message : captureErrorMessage(code);
  return { code, message };
}
