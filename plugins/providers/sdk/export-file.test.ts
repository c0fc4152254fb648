import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_EXPORT_LIMITS, openExportFile, type ExportLimits } from './export-file.ts';
import { streamJsonArray } from './json.ts';
import { writeZip } from './testing/zip.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vivim-export-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads every element of `content` (a plain file, or zipped) through the budgets; returns the count or the budget crossed. */
async function read(name: string, content: string, limits: Partial<ExportLimits>, zipped = false): Promise<number | string> {
  const target = path.join(dir, name);
  if (zipped) writeZip(target, { 'conversations.json': content });
  else writeFileSync(target, content);
  const file = await openExportFile(target, name, { ...DEFAULT_EXPORT_LIMITS, ...limits });
  let count = 0;
  try {
    for await (const _ of streamJsonArray(await file.open(file.entries[0]!))) count++;
    return count;
  } catch (error) {
    return file.limitExceeded()?.limit ?? `other: ${(error as Error).message}`;
  } finally {
    file.close();
  }
}

describe('export budgets', () => {
  const element = (i: number, size: number) => ({ id: i, text: 'x'.repeat(size) });

  it('measures each conversation exactly, across the 64 KB chunks a file is read in', async () => {
    // 1,000 elements of ~300 bytes: many straddle a chunk boundary; none is over 400 bytes.
    const json = JSON.stringify(Array.from({ length: 1000 }, (_, i) => element(i, 280)));
    expect(await read('fits.json', json, { maxJsonElementBytes: 400 })).toBe(1000);
    expect(await read('fits.zip', json, { maxJsonElementBytes: 400 }, true)).toBe(1000);
    const withBig = JSON.stringify([...Array.from({ length: 500 }, (_, i) => element(i, 280)), element(999, 500), element(1000, 1)]);
    expect(await read('big.json', withBig, { maxJsonElementBytes: 400 })).toBe('maxJsonElementBytes');
  });

  it('counts conversations nested in a wrapper object, and strings wherever they are', async () => {
    expect(await read('wrapped.json', JSON.stringify({ conversations: [element(1, 10), element(2, 5000)] }), { maxJsonElementBytes: 1000 })).toBe('maxJsonElementBytes');
    expect(await read('key.json', JSON.stringify([{ ['k'.repeat(3000)]: 1 }]), { maxJsonStringBytes: 2048 })).toBe('maxJsonStringBytes');
  });

  it('is not fooled by brackets, braces and escaped quotes inside strings', async () => {
    const tricky = JSON.stringify([{ text: '"]}]}{[' + '\\"}'.repeat(200) + '"' }, { text: 'ok' }]);
    expect(await read('tricky.json', tricky, { maxJsonElementBytes: 2000, maxJsonStringBytes: 1100 })).toBe(2);
  });

  it('leaves files that are not JSON alone (but for their size)', async () => {
    expect(await read('notes.md', `# Notes\n\n${'"'.repeat(10_000)}`, { maxJsonStringBytes: 10 }).catch(() => 'read')).toMatch(/other|read/);
    expect(await read('big.md', 'x'.repeat(5000), { maxEntryBytes: 1000 })).toBe('maxEntryBytes');
  });
});
