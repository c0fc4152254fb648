/**
 * Fix for @electric-sql/pglite-socket 0.2.17's query queue, applied to a server instance.
 *
 * Upstream bug: electric-sql/pglite#1046 (fix pending in PR #977). The queue hands PGlite's
 * single backend one protocol message at a time from any connection, so the extended-query
 * messages of two connections interleave (Parse of A, Parse of B, Bind of A…) and the unnamed
 * prepared statement of A is replaced under it ("unnamed prepared statement does not exist").
 * On any error the upstream loop also returns with `processing` still true: the queue never
 * runs again and the whole server hangs.
 *
 * This replacement keeps one connection as the owner from its first extended-protocol message
 * to its Sync, and for as long as the backend is inside a transaction that connection opened.
 * Messages of other connections wait in order. An error rejects that message only; the queue
 * keeps running. Drop this file when upstream ships the fix (the version guard below fails loudly
 * so nobody forgets to re-check).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export const PATCHED_VERSION = '0.2.17';

interface QueuedQuery {
  handlerId: number;
  message: Uint8Array;
  resolve: (resultSize: number) => void;
  reject: (error: Error) => void;
  onData: (data: Uint8Array) => void;
}

/** The private shape of upstream's QueryQueueManager that this patch relies on. */
interface QueueInternals {
  queue: QueuedQuery[];
  processing: boolean;
  db: PGlite;
  lastHandlerId: number | null;
  processQueue: () => Promise<void>;
  clearQueueForHandler: (handlerId: number) => void;
  clearTransactionIfNeeded: (handlerId: number) => Promise<void>;
}

// Frontend message types of the extended query protocol that must stay together until Sync.
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
const SYNC = 'S'.charCodeAt(0);

function installedVersion(): string {
  const require = createRequire(import.meta.url);
  // The package does not export its package.json: read it beside its entry point.
  const entry = require.resolve('@electric-sql/pglite-socket');
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Replaces the queue processing of one PGLiteSocketServer (before `start()`). */
export function patchSocketServer(server: PGLiteSocketServer): void {
  const version = installedVersion();
  if (version !== PATCHED_VERSION) {
    throw new Error(
      `database/pglite-socket-patch.ts was written for @electric-sql/pglite-socket ${PATCHED_VERSION}, ` +
        `found ${version}: check whether upstream fixed electric-sql/pglite#1046 and drop or update the patch`,
    );
  }
  const queue = (server as unknown as { queryQueue: QueueInternals }).queryQueue;
  if (!queue || !Array.isArray(queue.queue) || typeof queue.processQueue !== 'function') {
    throw new Error('pglite-socket internals changed: the query queue patch cannot be applied');
  }
  // The connection that currently owns the backend: mid extended-protocol sequence or in a transaction.
  let owner: number | null = null;
  let ownerInExtended = false;

  const nextQuery = (): QueuedQuery | undefined => {
    const inTransaction = queue.db.isInTransaction();
    if (owner !== null && (ownerInExtended || inTransaction)) {
      const index = queue.queue.findIndex((q) => q.handlerId === owner);
      return index === -1 ? undefined : queue.queue.splice(index, 1)[0];
    }
    owner = null;
    return queue.queue.shift();
  };

  queue.processQueue = async function processQueue(): Promise<void> {
    if (queue.processing) return;
    queue.processing = true;
    try {
      for (let query = nextQuery(); query; query = nextQuery()) {
        const current = query;
        const type = current.message[0] ?? 0;
        let size = 0;
        try {
          await queue.db.runExclusive(() =>
            queue.db.execProtocolRawStream(current.message, {
              onRawData: (data: Uint8Array) => {
                size += data.length;
                current.onData(data);
              },
            }),
          );
        } catch (error) {
          if (owner === current.handlerId) ownerInExtended = false;
          current.reject(error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        owner = current.handlerId;
        if (EXTENDED.has(type)) ownerInExtended = true;
        else if (type === SYNC) ownerInExtended = false;
        queue.lastHandlerId = current.handlerId;
        current.resolve(size);
      }
    } finally {
      queue.processing = false;
    }
  };

  const originalClear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number): void => {
    originalClear(handlerId);
    if (owner === handlerId && !queue.db.isInTransaction()) {
      owner = null;
      ownerInExtended = false;
      void queue.processQueue();
    }
  };

  const originalClearTransaction = queue.clearTransactionIfNeeded.bind(queue);
  queue.clearTransactionIfNeeded = async (handlerId: number): Promise<void> => {
    // A connection that dies mid-transaction: roll back and give the backend to the others.
    if (owner === handlerId) {
      if (queue.db.isInTransaction()) await queue.db.exec('ROLLBACK');
      owner = null;
      ownerInExtended = false;
      queue.lastHandlerId = null;
      await queue.processQueue();
      return;
    }
    await originalClearTransaction(handlerId);
  };
}
