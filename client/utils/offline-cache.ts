// Offline reading: the library's conversation summaries and every conversation opened, kept in
// IndexedDB, one database per account (deleted on sign-out), so they can be read with no connection.
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ConversationDetail, ConversationSummary } from './api-types';
import { listInput, type LibraryFilters } from './library-query';

const VERSION = 2;
const PREFIX = 'vivim-offline-';

/** A library row as saved: `syncedAt` tells which sync last saw it (older ones were deleted elsewhere). */
interface SavedSummary {
  id: string;
  summary: ConversationSummary;
  syncedAt: number;
}

/** An opened conversation as saved, with every branch. */
export interface SavedConversation {
  id: string;
  detail: ConversationDetail;
  /** When it was saved (ms since the epoch). */
  savedAt: number;
}

interface OfflineSchema extends DBSchema {
  summaries: { key: string; value: SavedSummary; indexes: { bySync: number } };
  conversations: { key: string; value: SavedConversation };
}

/** The database name of one account's offline copy. */
export function offlineDbName(userId: string): string {
  return `${PREFIX}${userId}`;
}

/** Time of a value that arrives as an ISO string over JSON (typed Date); 0 when absent. */
function time(value: Date | string | null | undefined): number {
  return value ? new Date(value).getTime() : 0;
}

/** Whether a summary passes the library's filters, the way the server's list applies them. */
export function matchesFilters(summary: ConversationSummary, filters: LibraryFilters): boolean {
  const input = listInput(filters, 1);
  if (input.provider && summary.provider !== input.provider) return false;
  if (input.tag && !summary.tags.includes(input.tag)) return false;
  const at = time(summary.createdAt ?? summary.capturedAt);
  if (input.from && at < input.from.getTime()) return false;
  if (input.to && at >= input.to.getTime()) return false;
  if (input.q && !summary.title.toLowerCase().includes(input.q.toLowerCase())) return false;
  return true;
}

/** The server's library order: most recently modified first, then id descending. */
export function libraryOrder(a: ConversationSummary, b: ConversationSummary): number {
  return time(b.modifiedAt) - time(a.modifiedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** One account's offline copy of its library and opened conversations. */
export class OfflineCache {
  private readonly db: IDBPDatabase<OfflineSchema>;

  private constructor(db: IDBPDatabase<OfflineSchema>) {
    this.db = db;
  }

  /** Opens (creating on first use) the offline copy of the account `userId`. */
  static async open(userId: string): Promise<OfflineCache> {
    const db = await openDB<OfflineSchema>(offlineDbName(userId), VERSION, {
      upgrade(database, oldVersion, _newVersion, transaction) {
        if (oldVersion < 1) {
          database.createObjectStore('summaries', { keyPath: 'id' });
          database.createObjectStore('conversations', { keyPath: 'id' });
        }
        // Version 2: rows by the sync that last saw them, so pruning reads keys only.
        if (oldVersion < 2) transaction.objectStore('summaries').createIndex('bySync', 'syncedAt');
      },
      // Another tab signs out (deletes this database): let it go instead of blocking the deletion.
      blocking(_current, _next, event) {
        (event.target as IDBDatabase).close();
      },
    });
    return new OfflineCache(db);
  }

  /** Saves library rows as seen by a sync that started at `syncedAt`. */
  async saveSummaries(items: readonly ConversationSummary[], syncedAt: number): Promise<void> {
    const tx = this.db.transaction('summaries', 'readwrite');
    await Promise.all([...items.map((summary) => tx.store.put({ id: summary.id, summary, syncedAt })), tx.done]);
  }

  /**
   * After a full, unfiltered sync that started at `syncStartedAt`: forgets rows that sync did not
   * see (deleted on another device), with their saved conversations. Returns how many went.
   */
  async pruneSummaries(syncStartedAt: number): Promise<number> {
    // Keys only, through the index: no row of a 10k library is read into the page.
    const stale = await this.db.getAllKeysFromIndex('summaries', 'bySync', IDBKeyRange.upperBound(syncStartedAt, true));
    await this.remove(stale);
    return stale.length;
  }

  /** Forgets conversations: their library rows and saved copies. */
  async remove(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    const tx = this.db.transaction(['summaries', 'conversations'], 'readwrite');
    await Promise.all([...ids.flatMap((id) => [tx.objectStore('summaries').delete(id), tx.objectStore('conversations').delete(id)]), tx.done]);
  }

  /** The saved library, filtered and in the server's order. */
  async readSummaries(filters: LibraryFilters): Promise<ConversationSummary[]> {
    const rows = await this.db.getAll('summaries');
    return rows.map((row) => row.summary).filter((summary) => matchesFilters(summary, filters)).sort(libraryOrder);
  }

  /** Saves an opened conversation (every branch) and updates its library row; returns when it was saved. */
  async saveConversation(detail: ConversationDetail, savedAt = Date.now()): Promise<number> {
    const tx = this.db.transaction(['conversations', 'summaries'], 'readwrite');
    const summaries = tx.objectStore('summaries');
    const { messages: _messages, ...summary } = detail;
    const existing = await summaries.get(detail.id);
    await Promise.all([
      tx.objectStore('conversations').put({ id: detail.id, detail, savedAt }),
      summaries.put({ id: detail.id, summary, syncedAt: existing?.syncedAt ?? savedAt }),
      tx.done,
    ]);
    return savedAt;
  }

  /** A saved conversation, or undefined when it was never opened on this device. */
  readConversation(id: string): Promise<SavedConversation | undefined> {
    return this.db.get('conversations', id);
  }

  /** Ids of the conversations readable offline. */
  async savedIds(): Promise<Set<string>> {
    return new Set(await this.db.getAllKeys('conversations'));
  }

  close(): void {
    this.db.close();
  }
}

/** Deletes an account's offline copy (on sign-out: nothing of it stays on a shared device). */
export async function deleteOfflineCache(userId: string): Promise<void> {
  await deleteDB(offlineDbName(userId));
}
