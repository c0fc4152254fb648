import { OfflineCache } from '~/utils/offline-cache';

let opened: { userId: string; cache: Promise<OfflineCache | null> } | undefined;

/**
 * The signed-in account's offline copy (IndexedDB), opened once per account; null when there is no
 * account or the browser refuses IndexedDB (private modes): the app then simply works online only.
 */
export function useOfflineCache(): Promise<OfflineCache | null> {
  const userId = useSessionStore().user?.id;
  if (!userId) return Promise.resolve(null);
  if (opened?.userId !== userId) {
    void opened?.cache.then((cache) => cache?.close());
    opened = { userId, cache: OfflineCache.open(userId).catch(() => null) };
  }
  return opened.cache;
}

/** Closes the open offline copy (before sign-out deletes it), so the next account opens its own. */
export async function closeOfflineCache(): Promise<void> {
  const current = opened;
  opened = undefined;
  (await current?.cache)?.close();
}
