import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { ExportFile } from './index.ts';

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
}

/**
 * Opens an export file from disk. Zips are read from their central directory (entry names only);
 * each `open(entry)` streams that entry. Entry names with `..` or absolute paths are refused.
 */
export async function openExportFile(file: string, fileName = path.basename(file)): Promise<OpenedExportFile> {
  if (!isZip(file)) {
    const only = fileName;
    return {
      fileName,
      entries: [only],
      open: async (entry) => {
        if (entry !== only) throw new Error(`no entry ${entry}`);
        return createReadStream(file);
      },
      head: (entry, maxBytes = 64 * 1024) => (entry === only ? readHead(createReadStream(file, { end: maxBytes }), maxBytes) : Promise.reject(new Error(`no entry ${entry}`))),
      close: () => undefined,
    };
  }
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      if (!name.endsWith('/') && !name.split('/').includes('..') && !path.isAbsolute(name)) entries.set(name, entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve());
    zip.once('error', reject);
    zip.readEntry();
  });
  const entryOf = (name: string) => {
    const entry = entries.get(name);
    if (!entry) throw new Error(`no entry ${name} in ${fileName}`);
    return entry;
  };
  return {
    fileName,
    entries: [...entries.keys()],
    open: (name) => zip.openReadStreamPromise(entryOf(name)),
    head: async (name, maxBytes = 64 * 1024) => readHead(await zip.openReadStreamPromise(entryOf(name)), maxBytes),
    close: () => zip.close(),
  };
}
