import { describe, expect, it } from 'vitest';
import { formatBytes, uploadErrorOf } from './import-upload.ts';

describe('uploadErrorOf', () => {
  it("reads the server's error code and message", () => {
    const error = uploadErrorOf(413, JSON.stringify({ error: { code: 'TOO_LARGE', message: 'The file is larger than 2048 MB' } }));
    expect([error.code, error.message]).toEqual(['TOO_LARGE', 'The file is larger than 2048 MB']);
  });

  it('names the failure by status when the body is not an error document', () => {
    expect(uploadErrorOf(401, '').code).toBe('UNAUTHORIZED');
    expect(uploadErrorOf(502, '<html>Bad gateway</html>').message).toBe('The upload failed (HTTP 502).');
  });
});

describe('formatBytes', () => {
  it('uses the largest unit that keeps the number readable', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(20 * 1024 * 1024), formatBytes(3 * 1024 ** 3)]).toEqual(['512 B', '1.5 KB', '20 MB', '3.0 GB']);
  });
});
