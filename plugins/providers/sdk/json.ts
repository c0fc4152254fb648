import type { Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';

/** Streams the elements of a top-level JSON array, one at a time (exports far larger than memory). */
export async function* streamJsonArray(input: Readable): AsyncGenerator<{ index: number; value: unknown }> {
  const pipeline = input.pipe(streamArray.withParserAsStream());
  for await (const item of pipeline as AsyncIterable<{ key: number; value: unknown }>) {
    yield { index: item.key, value: item.value };
  }
}
