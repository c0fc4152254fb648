import type { ConversationSummary } from '~/utils/api-types';
import { listInput, type LibraryFilters } from '~/utils/library-query';

export type { LibraryFilters } from '~/utils/library-query';

const PAGE = 100;

/**
 * The conversation list: filtered, cursor-paginated pages appended as the user scrolls. Every page
 * is also saved on the device; when the server cannot be reached the saved library is shown instead
 * (`offline` true), filtered the same way, and the list reloads from the server once back online.
 */
export function useLibrary() {
  const { $trpc } = useNuxtApp();
  const filters = reactive<LibraryFilters>({ q: '', provider: '', tag: '', from: '', to: '' });
  const items = shallowRef<ConversationSummary[]>([]);
  const cursor = ref<string | null>(null);
  const done = ref(false);
  const loading = ref(false);
  const error = ref('');
  /** Showing the copy saved on this device (the server could not be reached). */
  const offline = ref(false);
  /** Conversations opened before, readable offline. */
  const savedIds = ref(new Set<string>());
  let generation = 0;
  let syncStartedAt = 0;

  function unfiltered(): boolean {
    return !filters.q.trim() && !filters.provider && !filters.tag && !filters.from && !filters.to;
  }

  async function showSaved(mine: number): Promise<void> {
    const cache = await useOfflineCache();
    const saved = cache ? await cache.readSummaries(filters) : [];
    if (mine !== generation) return;
    if (!cache || (!saved.length && unfiltered())) {
      error.value = 'You are offline and no library is saved on this device yet.';
      return;
    }
    items.value = saved;
    offline.value = true;
    done.value = true;
  }

  /** Saves a page for offline reading; a full unfiltered pass then forgets what the server no longer has. */
  async function save(page: ConversationSummary[], complete: boolean, startedAt: number): Promise<void> {
    const cache = await useOfflineCache();
    if (!cache) return;
    try {
      await cache.saveSummaries(page, startedAt);
      if (complete && unfiltered()) await cache.pruneSummaries(startedAt);
    } catch {
      // storage full or refused: the library still works online
    }
  }

  /** Loads the next page (or the first after `reset`); answers of an older filter are dropped. */
  async function loadMore(): Promise<void> {
    if (loading.value || done.value) return;
    const mine = generation;
    loading.value = true;
    error.value = '';
    try {
      const page = await $trpc.capture.conversations.list.query({ ...listInput(filters, PAGE), ...(cursor.value ? { cursor: cursor.value } : {}) });
      if (mine !== generation) return;
      items.value = [...items.value, ...page.items];
      cursor.value = page.nextCursor;
      done.value = page.nextCursor === null;
      offline.value = false;
      void save(page.items, done.value, syncStartedAt);
    } catch (failure) {
      if (mine !== generation) return;
      const status = (failure as { data?: { httpStatus?: number } }).data?.httpStatus;
      if (status === 401) await navigateTo('/signin');
      // No answer at all (offline, server down): the saved copy, when this is the first page.
      if (status === undefined && !items.value.length) await showSaved(mine);
      else error.value = 'The library could not be loaded.';
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  async function refreshSaved(): Promise<void> {
    const cache = await useOfflineCache();
    if (cache) savedIds.value = await cache.savedIds().catch(() => new Set<string>());
  }

  async function reset(): Promise<void> {
    generation += 1;
    syncStartedAt = Date.now();
    items.value = [];
    cursor.value = null;
    done.value = false;
    loading.value = false;
    void refreshSaved();
    await loadMore();
  }

  /** Applies a change the user made (tags) or removes conversations without reloading the list. */
  function patch(updated: ConversationSummary[], removed: string[] = []): void {
    const byId = new Map(updated.map((s) => [s.id, s]));
    const gone = new Set(removed);
    items.value = items.value.filter((s) => !gone.has(s.id)).map((s) => byId.get(s.id) ?? s);
    void useOfflineCache().then(async (cache) => {
      if (!cache) return;
      if (updated.length) await cache.saveSummaries(updated, Date.now());
      if (removed.length) await cache.remove(removed);
    }).catch(() => undefined);
  }

  return { filters, items, done, loading, error, offline, savedIds, loadMore, reset, patch };
}
