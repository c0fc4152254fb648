import { describe, expect, it } from 'vitest';
import { captureErrorCodes } from '../../modules/capture/errors.ts';
import { captureErrorDetail, captureErrorMessage, hasCaptureErrorMessage, shownError } from './capture-errors.ts';

describe('captureErrorMessage', () => {
  it('has a sentence of its own for every code the capture module defines', () => {
    expect(captureErrorCodes.filter((code) => !hasCaptureErrorMessage(code))).toEqual([]);
  });

  it('explains the common failures in words a person acts on', () => {
    expect(captureErrorMessage('NOT_FOUND')).toMatch(/does not exist/);
    expect(captureErrorMessage('RATE_LIMITED')).toMatch(/Wait a minute/);
    expect(captureErrorMessage('NEEDS_BROWSER')).toMatch(/bookmarklet/);
  });

  it('falls back to a generic sentence for unknown or missing codes', () => {
    expect(captureErrorMessage('SOMETHING_NEW')).toBe('The capture failed.');
    expect(captureErrorMessage(null)).toBe('The capture failed.');
    expect(captureErrorMessage('toString')).toBe('The capture failed.');
  });
});

describe('captureErrorDetail', () => {
  it("keeps the server's message when it adds something, drops it when it repeats", () => {
    expect(captureErrorDetail('TOO_LARGE', 'The file is larger than 2048 MB')).toBe('The file is larger than 2048 MB');
    expect(captureErrorDetail('TIMEOUT', 'TIMEOUT')).toBe('');
    expect(captureErrorDetail('TIMEOUT', undefined)).toBe('');
  });
});

describe('shownError', () => {
  it("reads VIVIM's code and message from a tRPC error", () => {
    expect(shownError({ message: 'Too many attempts: try again in 30 s', data: { code: 'TOO_MANY_REQUESTS', vivimCode: 'RATE_LIMITED' } })).toEqual({ code: 'RATE_LIMITED', message: 'Too many attempts: try again in 30 s' });
  });

  it('joins the messages of a refused input', () => {
    const error = { message: '[{"code":"too_small"}]', data: { code: 'BAD_REQUEST', issues: [{ path: 'q', message: 'Type something to search for' }] } };
    expect(shownError(error)).toEqual({ code: 'BAD_REQUEST', message: 'Type something to search for' });
  });

  it('reads every way of not being signed in as UNAUTHORIZED', () => {
    expect(shownError({ message: 'Sign in first', data: { code: 'UNAUTHORIZED', vivimCode: 'AUTH_REQUIRED' } }).code).toBe('UNAUTHORIZED');
  });

  it('calls a failure without an answer a network error', () => {
    expect(shownError(new TypeError('Failed to fetch'))).toEqual({ code: 'NETWORK', message: captureErrorMessage('NETWORK') });
  });
});
