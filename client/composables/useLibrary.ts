import type { ConversationSummary } from '~/utils/api-types';
import { listInput, type LibraryFilters } from '~/utils/library-query';

export type { LibraryFilters } from '~/utils/library-query';

const PAGE = 100;

/** The conversation list: filtered, cursor-paginated pages appended as the user scrolls. */
export function useLibrary() {
  const { $trpc } = useNuxtApp();
  const filters = reactive<LibraryFilters>({ q: '', provider: '', tag: '', from: '', to: '' });
  const items = shallowRef<ConversationSummary[]>([]);
  const cursor = ref<string | null>(null);
  const done = ref(false);
  const loading = ref(false);
  const error = ref('');
  let generation = 0;

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
    } catch (failure) {
      if (mine !== generation) return;
      if ((failure as { data?: { httpStatus?: number } }).data?.httpStatus === 401) await navigateTo('/signin');
      error.value = 'The library could not be loaded.';
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  async function reset(): Promise<void> {
    generation += 1;
    items.value = [];
    cursor.value = null;
    done.value = false;
    loading.value = false;
    await loadMore();
  }

  /** Applies a change the user made (tags) or removes conversations without reloading the list. */
  function patch(updated: ConversationSummary[], removed: string[] = []): void {
    const byId = new Map(updated.map((s) => [s.id, s]));
    const gone = new Set(removed);
    items.value = items.value.filter((s) => !gone.has(s.id)).map((s) => byId.get(s.id) ?? s);
  }

  return { filters, items, done, loading, error, loadMore, reset, patch };
}
