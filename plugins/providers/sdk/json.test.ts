import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { streamJsonArray } from './json.ts';

describe('streamJsonArray', () => {
  it('yields each element of a top-level array', async () => {
    const items = [];
    for await (const item of streamJsonArray(Readable.from(['[{"a":1},', '{"a":2}]']))) items.push(item);
    expect(items).toEqual([{ index: 0, value: { a: 1 } }, { index: 1, value: { a: 2 } }]);
  });

  it('rejects, instead of hanging, when the source fails mid-way', async () => {
    const failing = new Readable({
      read() {
        this.push('[{"a":1},');
        this.destroy(new Error('invalid deflate data'));
      },
    });
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const item of streamJsonArray(failing)) seen.push(item.value);
      })(),
    ).rejects.toThrowError('invalid deflate data');
  });
});
