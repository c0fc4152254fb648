import { describe, expect, it } from 'vitest';
import { QUEUE_KEY, drainQueue, enqueueLinks, readQueue, type QueueStorage } from './capture-queue.ts';

function memoryStorage(): QueueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

describe('the offline capture queue', () => {
  it('keeps queued links in storage, oldest first, without doubles', () => {
    const storage = memoryStorage();
    enqueueLinks(storage, ['https://claude.ai/share/a', 'https://claude.ai/share/b'], 1);
    const added = enqueueLinks(storage, ['https://claude.ai/share/b', 'https://claude.ai/share/c'], 2);
    expect(added.map((l) => l.url)).toEqual(['https://claude.ai/share/c']);
    expect(readQueue(storage).map((l) => l.url)).toEqual(['https://claude.ai/share/a', 'https://claude.ai/share/b', 'https://claude.ai/share/c']);
  });

  it('hands every link to send and empties the queue when all were sent', async () => {
    const storage = memoryStorage();
    enqueueLinks(storage, ['https://claude.ai/share/a', 'https://claude.ai/share/b']);
    const seen: string[] = [];
    const sent = await drainQueue(storage, async (links) => void seen.push(...links.map((l) => l.url)));
    expect(seen).toEqual(['https://claude.ai/share/a', 'https://claude.ai/share/b']);
    expect(sent).toHaveLength(2);
    expect(storage.data.has(QUEUE_KEY)).toBe(false);
  });

  it('puts links back when sending fails, before links queued meanwhile', async () => {
    const storage = memoryStorage();
    enqueueLinks(storage, ['https://claude.ai/share/a']);
    const sent = await drainQueue(storage, async () => {
      enqueueLinks(storage, ['https://claude.ai/share/late']);
      throw new Error('offline again');
    });
    expect(sent).toEqual([]);
    expect(readQueue(storage).map((l) => l.url)).toEqual(['https://claude.ai/share/a', 'https://claude.ai/share/late']);
  });

  it('keeps only the links send reports as unsent', async () => {
    const storage = memoryStorage();
    enqueueLinks(storage, ['https://claude.ai/share/a', 'https://claude.ai/share/b']);
    const sent = await drainQueue(storage, async (links) => links.filter((l) => l.url.endsWith('b')));
    expect(sent.map((l) => l.url)).toEqual(['https://claude.ai/share/a']);
    expect(readQueue(storage).map((l) => l.url)).toEqual(['https://claude.ai/share/b']);
  });

  it('reads a damaged entry as an empty queue', () => {
    const storage = memoryStorage();
    storage.setItem(QUEUE_KEY, '{not json');
    expect(readQueue(storage)).toEqual([]);
    storage.setItem(QUEUE_KEY, JSON.stringify([{ url: 'x' }, { id: 'i', url: 'https://a', queuedAt: 1 }]));
    expect(readQueue(storage).map((l) => l.id)).toEqual(['i']);
  });
});
