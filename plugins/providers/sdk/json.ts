import { pipeline, type Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';

/**
 * Streams the elements of a top-level JSON array, one at a time (exports far larger than memory).
 * A source that fails mid-way (a broken zip entry, a truncated file) rejects the iteration instead
 * of leaving it waiting: the streams are joined with `pipeline`, which forwards errors.
 */
export async function* streamJsonArray(input: Readable): AsyncGenerator<{ index: number; value: unknown }> {
  const parsed = pipeline(input, streamArray.withParserAsStream(), () => undefined) as unknown as Readable;
  for await (const item of parsed as AsyncIterable<{ key: number; value: unknown }>) {
    yield { index: item.key, value: item.value };
  }
}
