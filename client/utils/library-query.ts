/** The library's filters as the user set them; empty strings mean "any". Dates are `yyyy-mm-dd`. */
export interface LibraryFilters {
  q: string;
  provider: string;
  tag: string;
  from: string;
  to: string;
}

export const FILTER_KEYS = ['q', 'provider', 'tag', 'from', 'to'] as const;

/** Local midnight of a `yyyy-mm-dd` day, or undefined for anything else. */
function day(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The list procedure's input for these filters: only what is set, the tag lower-cased (tags are
 * stored so), and `to` moved to the next midnight because the server's `to` is exclusive and the
 * user means "up to and including that day".
 */
export function listInput(filters: LibraryFilters, limit: number): { limit: number; q?: string; provider?: string; tag?: string; from?: Date; to?: Date } {
  const from = day(filters.from);
  const to = day(filters.to);
  if (to) to.setDate(to.getDate() + 1);
  return {
    limit,
    ...(filters.q.trim() ? { q: filters.q.trim() } : {}),
    ...(filters.provider ? { provider: filters.provider } : {}),
    ...(filters.tag.trim() ? { tag: filters.tag.trim().toLowerCase() } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** The URL query for these filters (only the ones set), so a filtered library can be linked and Back restores it. */
export function filtersToQuery(filters: LibraryFilters): Record<string, string> {
  return Object.fromEntries(FILTER_KEYS.filter((key) => filters[key]).map((key) => [key, filters[key]]));
}
