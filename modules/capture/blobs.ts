import { createHash, randomUUID } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Content-addressed files under `<dataDir>/blobs/ab/<sha256>`: one copy on disk, whoever owns it. */
export class BlobStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'blobs');
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  /** Stores bytes; returns their sha256 and size. */
  putBuffer(bytes: Buffer): { sha256: string; size: number } {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const target = this.pathOf(sha256);
    if (!existsSync(target)) {
      mkdirSync(path.dirname(target), { recursive: true });
      const temp = `${target}.${randomUUID()}.tmp`;
      writeFileSync(temp, bytes);
      renameSync(temp, target);
    }
    return { sha256, size: bytes.length };
  }

  /** Streams a file in (e.g. a zip entry), hashing on the way; refuses more than `maxBytes`. */
  async putStream(input: Readable, maxBytes: number): Promise<{ sha256: string; size: number }> {
    mkdirSync(this.root, { recursive: true });
    const temp = path.join(this.root, `${randomUUID()}.tmp`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        input,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length;
            if (size > maxBytes) throw new Error(`attachment larger than ${maxBytes} bytes`);
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(temp),
      );
      const sha256 = hash.digest('hex');
      const target = this.pathOf(sha256);
      mkdirSync(path.dirname(target), { recursive: true });
      if (existsSync(target)) rmSync(temp, { force: true });
      else renameSync(temp, target);
      return { sha256, size };
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  /** The image type the file's first bytes show (png, jpeg, gif, webp, avif), or null. */
  sniffImageType(sha256: string): string | null {
    const head = Buffer.alloc(16);
    const fd = openSync(this.pathOf(sha256), 'r');
    try {
      readSync(fd, head, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
    if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
    if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
    if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
    if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
    if (head.subarray(4, 12).toString('latin1') === 'ftypavif') return 'image/avif';
    return null;
  }

  size(sha256: string): number {
    return statSync(this.pathOf(sha256)).size;
  }

  /** Deletes a file no owner references any more. */
  remove(sha256: string): void {
    rmSync(this.pathOf(sha256), { force: true });
  }
}
