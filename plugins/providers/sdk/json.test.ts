import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { JsonStreamError, streamJsonArray } from './json.ts';

async function all(chunks: (string | Buffer)[]): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const item of streamJsonArray(Readable.from(chunks))) values.push(item.value);
  return values;
}

/** Every way of cutting `text` into two chunks gives the same elements. */
async function everySplit(text: string): Promise<unknown[]> {
  const bytes = Buffer.from(text);
  const whole = await all([bytes]);
  for (let cut = 1; cut < bytes.length; cut++) expect(await all([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
  return whole;
}

describe('streamJsonArray', () => {
  it('yields each element of a top-level array', async () => {
    const items = [];
    for await (const item of streamJsonArray(Readable.from(['[{"a":1},', '{"a":2}]']))) items.push(item);
    expect(items).toEqual([{ index: 0, value: { a: 1 } }, { index: 1, value: { a: 2 } }]);
  });

  it('reads any element kind, strings holding brackets, quotes and escapes, multi-byte text, wherever the chunks are cut', async () => {
    const value = [{ t: 'say "hi" ] } [ {', n: [1, [2, { x: null }]] }, 'a "quoted" \\ string ]', 42, -1.5e3, true, false, null, [], {}, { emoji: 'é😀中', esc: '\u0000\n' }];
    expect(await everySplit(` \n[ ${value.map((v) => JSON.stringify(v)).join(' ,\n ')} ]\n`)).toEqual(value);
  });

  it('accepts a byte order mark and an empty array', async () => {
    expect(await all([Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1}]')])])).toEqual([{ a: 1 }]);
    expect(await all(['  []  '])).toEqual([]);
  });

  it('rejects after the readable elements: truncated, malformed element, missing comma, trailing data, no array, empty', async () => {
    const failure = async (chunks: string[]) => {
      const seen: unknown[] = [];
      const error = await (async () => {
        for await (const item of streamJsonArray(Readable.from(chunks))) seen.push(item.value);
      })().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(JsonStreamError);
      return { seen, message: (error as Error).message };
    };
    expect(await failure(['[{"a":1},{"a":', '2'])).toEqual({ seen: [{ a: 1 }], message: expect.stringMatching(/truncated/) });
    expect(await failure(['[{"a":1}, {"a": nope}]'])).toEqual({ seen: [{ a: 1 }], message: expect.stringMatching(/element 1 is not valid JSON/) });
    expect(await failure(['[{"a":1} {"a":2}]'])).toEqual({ seen: [{ a: 1 }], message: expect.stringMatching(/expected "," or "\]" after element 0/) });
    expect(await failure(['[1,2] [3]'])).toEqual({ seen: [1, 2], message: expect.stringMatching(/unexpected data after the array/) });
    expect(await failure(['[1,,2]'])).toEqual({ seen: [1], message: expect.stringMatching(/expected an array element/) });
    expect(await failure(['{"conversations": []}'])).toEqual({ seen: [], message: expect.stringMatching(/expected a JSON array at the top level/) });
    expect(await failure(['   '])).toEqual({ seen: [], message: expect.stringMatching(/empty/) });
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
