import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import yauzl from 'yauzl';
import type { ExportFile } from './index.ts';

/**
 * What one export may hold. Far above real exports (a heavy ChatGPT user's conversations.json is
 * ~2 GB, a Takeout a few thousand files), far below what would pin a CPU or fill memory: a zip
 * bomb, a zip of millions of entries, one JSON string or one conversation of gigabytes.
 */
export interface ExportLimits {
  /** Files in a zip. */
  maxEntries: number;
  /** Sum of the declared uncompressed sizes of a zip's files (yauzl checks each stream against its declared size). */
  maxTotalBytes: number;
  /** One file of a zip (or the plain file), uncompressed. */
  maxEntryBytes: number;
  /** One JSON string value (a message, an inline attachment). */
  maxJsonStringBytes: number;
  /** One element of a JSON array (a conversation, in every export format), as raw bytes. */
  maxJsonElementBytes: number;
}

export const DEFAULT_EXPORT_LIMITS: ExportLimits = {
  maxEntries: 200_000,
  maxTotalBytes: 16 * 1024 ** 3,
  maxEntryBytes: 8 * 1024 ** 3,
  maxJsonStringBytes: 64 * 1024 ** 2,
  maxJsonElementBytes: 256 * 1024 ** 2,
};

/** An export over one of its limits; `limit` names which (the core answers TOO_LARGE). */
export class ExportLimitError extends Error {
  readonly code = 'TOO_LARGE';
  readonly limit: keyof ExportLimits;
  constructor(limit: keyof ExportLimits, message: string) {
    super(message);
    this.name = 'ExportLimitError';
    this.limit = limit;
  }
}

const mb = (bytes: number) => (bytes >= 1024 ** 3 ? `${+(bytes / 1024 ** 3).toFixed(1)} GB` : bytes >= 1024 ** 2 ? `${+(bytes / 1024 ** 2).toFixed(1)} MB` : `${bytes} bytes`);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Passes an entry through unchanged while checking, in one lexical pass (no parsing), its size and,
 * when it is JSON, the size of each string and of each object element of an array nested at most
 * two arrays deep (the conversations of every export format). Fails the stream with an
 * ExportLimitError as soon as a budget is crossed: the parser downstream never holds the value.
 */
function budgetStream(entry: string, limits: ExportLimits, onExceeded: (error: ExportLimitError) => void): Transform {
  let total = 0;
  let sniffed: boolean | undefined;
  let inString = false;
  let escaped = false;
  let stringBytes = 0;
  // Open containers: true for arrays. `element` is the stack depth at which the measured element opened.
  const stack: boolean[] = [];
  let arrays = 0;
  let element = -1;
  let elementBytes = 0;
  const elementError = () => new ExportLimitError('maxJsonElementBytes', `${entry} holds a conversation larger than ${mb(limits.maxJsonElementBytes)} (the limit for one conversation)`);
  const fail = (error: ExportLimitError, callback: TransformCallback) => {
    onExceeded(error);
    callback(error);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > limits.maxEntryBytes) return fail(new ExportLimitError('maxEntryBytes', `${entry} is larger than ${mb(limits.maxEntryBytes)} uncompressed (the limit for one file of an export)`), callback);
      let i = 0;
      if (sniffed === undefined) {
        while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d || chunk[i] === 0x09 || chunk[i] === 0xef || chunk[i] === 0xbb || chunk[i] === 0xbf)) i++;
        if (i < chunk.length) sniffed = chunk[i] === 0x5b || chunk[i] === 0x7b;
      }
      if (!sniffed) return callback(null, chunk);
      for (; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === BACKSLASH) escaped = true;
          else if (byte === QUOTE) inString = false;
          if (++stringBytes > limits.maxJsonStringBytes) {
            return fail(new ExportLimitError('maxJsonStringBytes', `${entry} holds a text value larger than ${mb(limits.maxJsonStringBytes)} (the limit for one JSON string)`), callback);
          }
          continue;
        }
        if (byte === QUOTE) {
          inString = true;
          stringBytes = 0;
        } else if (byte === 0x7b || byte === 0x5b) {
          const isArray = byte === 0x5b;
          if (element === -1 && !isArray && stack.at(-1) === true && arrays <= 2) {
            element = stack.length;
            elementBytes = -i;
          }
          stack.push(isArray);
          if (isArray) arrays++;
        } else if (byte === 0x7d || byte === 0x5d) {
          if (stack.pop()) arrays--;
          if (stack.length === element) {
            element = -1;
            if (elementBytes + i + 1 > limits.maxJsonElementBytes) return fail(elementError(), callback);
          }
        }
      }
      if (element !== -1) {
        elementBytes += chunk.length;
        if (elementBytes > limits.maxJsonElementBytes) return fail(elementError(), callback);
      }
      callback(null, chunk);
    },
  });
}

/** Wraps an entry's stream with its budgets; source errors pass through. */
function budgeted(source: Readable, entry: string, limits: ExportLimits, onExceeded: (error: ExportLimitError) => void): Readable {
  const guard = budgetStream(entry, limits, onExceeded);
  source.on('error', (error) => guard.destroy(error));
  guard.on('close', () => source.destroy());
  return source.pipe(guard);
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

function isZip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(ZIP_MAGIC);
  } finally {
    closeSync(fd);
  }
}

async function readHead(stream: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxBytes) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** An export on disk, plain file or zip, as the ExportFile providers read. Zip entries stream without extracting. */
export interface OpenedExportFile extends ExportFile {
  close(): void;
  /** The first budget an opened stream crossed (the provider may have swallowed the stream's error). */
  limitExceeded(): ExportLimitError | undefined;
}

/**
 * Opens an export file from disk. Zips are read from their central directory (entry names only);
 * each `open(entry)` streams that entry. Entry names with `..` or absolute paths are refused.
 */
export async function openExportFile(file: string, fileName = path.basename(file), limits: ExportLimits = DEFAULT_EXPORT_LIMITS): Promise<OpenedExportFile> {
  let exceeded: ExportLimitError | undefined;
  const onExceeded = (error: ExportLimitError) => {
    exceeded ??= error;
  };
  if (!isZip(file)) {
    const only = fileName;
    return {
      fileName,
      entries: [only],
      open: async (entry) => {
        if (entry !== only) throw new Error(`no entry ${entry}`);
        return budgeted(createReadStream(file), entry, limits, onExceeded);
      },
      head: (entry, maxBytes = 64 * 1024) => (entry === only ? readHead(createReadStream(file, { end: maxBytes }), maxBytes) : Promise.reject(new Error(`no entry ${entry}`))),
      close: () => undefined,
      limitExceeded: () => exceeded,
    };
  }
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  // Refused from the central directory alone, before a byte is inflated.
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new ExportLimitError('maxEntries', `The zip holds ${zip.entryCount} files; an export may hold at most ${limits.maxEntries}`);
  }
  const entries = new Map<string, yauzl.Entry>();
  let totalBytes = 0;
  const listed = new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      totalBytes += entry.uncompressedSize;
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        reject(new ExportLimitError('maxEntryBytes', `${name.slice(0, 200)} is ${mb(entry.uncompressedSize)} uncompressed; one file of an export may be at most ${mb(limits.maxEntryBytes)}`));
        return;
      }
      if (totalBytes > limits.maxTotalBytes) {
        reject(new ExportLimitError('maxTotalBytes', `The zip expands to more than ${mb(limits.maxTotalBytes)} (the limit for an export's total uncompressed size)`));
        return;
      }
      if (!name.endsWith('/') && !name.split('/').includes('..') && !path.isAbsolute(name)) entries.set(name, entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve());
    zip.once('error', reject);
    zip.readEntry();
  });
  try {
    await listed;
  } catch (error) {
    zip.close();
    throw error;
  }
  const entryOf = (name: string) => {
    const entry = entries.get(name);
    if (!entry) throw new Error(`no entry ${name} in ${fileName}`);
    return entry;
  };
  return {
    fileName,
    entries: [...entries.keys()],
    open: async (name) => budgeted(await zip.openReadStreamPromise(entryOf(name)), name, limits, onExceeded),
    head: async (name, maxBytes = 64 * 1024) => readHead(await zip.openReadStreamPromise(entryOf(name)), maxBytes),
    close: () => zip.close(),
    limitExceeded: () => exceeded,
  };
}
