import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { openExportFile } from '../export-file.ts';
import { ProviderError } from '../index.ts';
import { providerError, sharedFixture, sharedFixturesDir, silentLog } from './fixtures.ts';
import { writeZip, zipBytes } from './zip.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vivim-sdk-testing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zip writer', () => {
  it('writes deflated entries with UTF-8 names that the export reader streams back', async () => {
    const file = path.join(dir, 'export.zip');
    writeZip(file, { 'conversations.json': '[{"title":"Café ☕"}]', 'files/é.bin': Buffer.from([0, 1, 2, 255]), 'empty.txt': '' });
    expect(zipBytes({ 'a.txt': 'a' }).subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    const opened = await openExportFile(file);
    try {
      expect(opened.entries).toEqual(['conversations.json', 'files/é.bin', 'empty.txt']);
      expect(await opened.head('conversations.json')).toBe('[{"title":"Café ☕"}]');
      expect(await buffer(await opened.open('files/é.bin'))).toEqual(Buffer.from([0, 1, 2, 255]));
      expect(await opened.head('empty.txt')).toBe('');
    } finally {
      opened.close();
    }
  });
});

describe('provider test fixtures', () => {
  it('reads shared fixtures in place and says where they should be when one is missing', () => {
    expect(sharedFixturesDir.endsWith(`${path.sep}shared${path.sep}fixtures${path.sep}`)).toBe(true);
    expect(sharedFixture('README.md').length).toBeGreaterThan(0);
    expect(() => sharedFixture('no/such/file.html')).toThrow(/shared fixture missing: .*no\/such\/file\.html/);
  });

  it('returns the ProviderError thrown, rethrows other errors, fails when nothing is thrown', () => {
    const error = providerError(() => {
      throw new ProviderError('NOT_FOUND', 'find-turns', 'gone');
    });
    expect([error.code, error.step]).toEqual(['NOT_FOUND', 'find-turns']);
    expect(() => providerError(() => JSON.parse('{'))).toThrow(SyntaxError);
    expect(() => providerError(() => 1)).toThrow('expected a ProviderError');
    expect(() => silentLog.warn({ a: 1 }, 'dropped')).not.toThrow();
  });
});
