// Links pasted while offline wait in localStorage (a few URLs: no need for IndexedDB) until the
// browser is back online; they survive a reload or a closed tab.

export interface QueuedLink {
  id: string;
  url: string;
  /** When it was queued (ms since epoch). */
  queuedAt: number;
}

/** The storage the queue lives in (localStorage in the app, a map in tests). */
export type QueueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const QUEUE_KEY = 'vivim.capture.offline-queue';

function isQueuedLink(value: unknown): value is QueuedLink {
  const link = value as QueuedLink;
  return typeof link === 'object' && link !== null && typeof link.id === 'string' && typeof link.url === 'string' && typeof link.queuedAt === 'number';
}

/** The queued links, oldest first; a damaged entry reads as an empty queue. */
export function readQueue(storage: QueueStorage): QueuedLink[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(QUEUE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isQueuedLink) : [];
  } catch {
    return [];
  }
}

function writeQueue(storage: QueueStorage, links: QueuedLink[]): void {
  if (links.length === 0) storage.removeItem(QUEUE_KEY);
  else storage.setItem(QUEUE_KEY, JSON.stringify(links));
}

/** Adds links (those already queued are not doubled) and returns what was added. */
export function enqueueLinks(storage: QueueStorage, urls: string[], now = Date.now()): QueuedLink[] {
  const queue = readQueue(storage);
  const added: QueuedLink[] = [];
  for (const url of urls) {
    if (queue.some((link) => link.url === url)) continue;
    const link = { id: `offline-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`, url, queuedAt: now };
    queue.push(link);
    added.push(link);
  }
  writeQueue(storage, queue);
  return added;
}

/**
 * Takes everything out of the queue and hands it to `send`. What `send` reports as not sent
 * (it throws, or returns the links it could not send) goes back in the queue, in order.
 */
export async function drainQueue(storage: QueueStorage, send: (links: QueuedLink[]) => Promise<QueuedLink[] | void>): Promise<QueuedLink[]> {
  const taken = readQueue(storage);
  if (taken.length === 0) return [];
  writeQueue(storage, []);
  let unsent: QueuedLink[];
  try {
    unsent = (await send(taken)) ?? [];
  } catch {
    unsent = taken;
  }
  if (unsent.length > 0) {
    // Links queued while sending stay after the ones that go back.
    const later = readQueue(storage).filter((link) => !unsent.some((u) => u.url === link.url));
    writeQueue(storage, [...unsent, ...later]);
  }
  return taken.filter((link) => !unsent.includes(link));
}
