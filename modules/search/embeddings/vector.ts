/** Scales a vector to unit length in place and returns it; undefined when it has no direction (zero or non-finite). */
export function normalizeInPlace(vector: Float32Array): Float32Array | undefined {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) return undefined;
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}

/** Cosine similarity of two unit vectors (their dot product). */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`vectors differ in length (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Splits `items` into consecutive batches of at most `size` items and at most `maxChars` characters in total (a single longer item gets a batch of its own). */
export function batches(items: readonly string[], size: number, maxChars = Number.POSITIVE_INFINITY): { start: number; texts: string[] }[] {
  const result: { start: number; texts: string[] }[] = [];
  let current: string[] = [];
  let start = 0;
  let chars = 0;
  items.forEach((item, index) => {
    if (current.length > 0 && (current.length >= size || chars + item.length > maxChars)) {
      result.push({ start, texts: current });
      current = [];
      chars = 0;
      start = index;
    }
    current.push(item);
    chars += item.length;
  });
  if (current.length > 0) result.push({ start, texts: current });
  return result;
}
