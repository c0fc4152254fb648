import type { ConversationSummary } from '~/utils/api-types';

/** The library's filters; empty strings mean "any". Dates are `yyyy-mm-dd` from date inputs. */
export interface LibraryFilters {
  q: string;
  provider: string;
  tag: string;
  from: string;
  to: string;
}

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

  function input() {
    const dayAfter = (day: string) => new Date(new Date(`${day}T00:00:00`).getTime() + 86_400_000);
    return {
      limit: PAGE,
      ...(filters.q.trim() ? { q: filters.q.trim() } : {}),
      ...(filters.provider ? { provider: filters.provider } : {}),
      ...(filters.tag.trim() ? { tag: filters.tag.trim().toLowerCase() } : {}),
      ...(filters.from ? { from: new Date(`${filters.from}T00:00:00`) } : {}),
      // The server's `to` is exclusive: include the whole chosen day.
      ...(filters.to ? { to: dayAfter(filters.to) } : {}),
    };
  }

  /** Loads the next page (or the first after `reset`); answers of an older filter are dropped. */
  async function loadMore(): Promise<void> {
    if (loading.value || done.value) return;
    const mine = generation;
    loading.value = true;
    error.value = '';
    try {
      const page = await $trpc.capture.conversations.list.query({ ...input(), ...(cursor.value ? { cursor: cursor.value } : {}) });
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
