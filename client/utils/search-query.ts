// The search page keeps its whole state in the URL (?q=…&kind=…): back/forward and shared links
// reproduce a search. These convert between the route's query and the search input.

export const SEARCH_KINDS = ['message', 'acu', 'conversation', 'memory'] as const;
export type SearchKindName = (typeof SEARCH_KINDS)[number];
export const SEARCH_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export type SearchRole = (typeof SEARCH_ROLES)[number];

export interface SearchState {
  q: string;
  kind: SearchKindName[];
  provider: string[];
  role: SearchRole[];
  /** ISO dates (yyyy-mm-dd), or '' for none. */
  from: string;
  to: string;
  /** One result per conversation. */
  collapse: boolean;
}

type QueryValue = string | null | undefined | (string | null)[];
type RouteQuery = Record<string, QueryValue>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function values(value: QueryValue): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((v) => (typeof v === 'string' ? v.split(',') : [])).map((v) => v.trim()).filter(Boolean);
}

function oneOf<T extends string>(allowed: readonly T[], value: QueryValue): T[] {
  return [...new Set(values(value).filter((v): v is T => (allowed as readonly string[]).includes(v)))];
}

function first(value: QueryValue): string {
  return values(value)[0] ?? '';
}

/** Reads the search state from a route query, dropping what the server would refuse. */
export function parseSearchQuery(query: RouteQuery): SearchState {
  const from = first(query.from);
  const to = first(query.to);
  const q = Array.isArray(query.q) ? (query.q[0] ?? '') : (query.q ?? '');
  return {
    q: q.slice(0, 1000),
    kind: oneOf(SEARCH_KINDS, query.kind),
    provider: [...new Set(values(query.provider).filter((p) => p.length <= 40))].slice(0, 20),
    role: oneOf(SEARCH_ROLES, query.role),
    from: DATE.test(from) ? from : '',
    to: DATE.test(to) ? to : '',
    collapse: first(query.collapse) === '1' || first(query.collapse) === 'true',
  };
}

/** The route query for a search state: empty parts are left out so URLs stay short. */
export function toSearchQuery(state: SearchState): Record<string, string> {
  const query: Record<string, string> = {};
  if (state.q.trim()) query.q = state.q.trim();
  if (state.kind.length) query.kind = state.kind.join(',');
  if (state.provider.length) query.provider = state.provider.join(',');
  if (state.role.length) query.role = state.role.join(',');
  if (state.from) query.from = state.from;
  if (state.to) query.to = state.to;
  if (state.collapse) query.collapse = '1';
  return query;
}

/** Whether any filter narrows the search (the empty state then suggests clearing them). */
export function hasFilters(state: SearchState): boolean {
  return state.kind.length > 0 || state.provider.length > 0 || state.role.length > 0 || Boolean(state.from || state.to) || state.collapse;
}

/** The input of `search.query` for a state and page cursor. */
export function toSearchInput(state: SearchState, cursor?: string) {
  return {
    q: state.q.trim(),
    limit: 20,
    ...(cursor ? { cursor } : {}),
    ...(state.kind.length ? { kind: state.kind } : {}),
    ...(state.provider.length ? { provider: state.provider } : {}),
    ...(state.role.length ? { role: state.role } : {}),
    ...(state.from ? { from: state.from } : {}),
    // The end date is inclusive for people: up to the end of that day.
    ...(state.to ? { to: `${state.to}T23:59:59.999Z` } : {}),
    collapse: state.collapse,
  };
}

/** Where a result leads: the message inside its conversation, or the conversation. */
export function resultHref(result: { conversationId: string | null; messageId: string | null }): string | null {
  if (!result.conversationId) return null;
  const base = `/conversations/${encodeURIComponent(result.conversationId)}`;
  return result.messageId ? `${base}#m-${encodeURIComponent(result.messageId)}` : base;
}

const PROVIDER_NAMES: Record<string, string> = {
  chatgpt: 'ChatGPT',
  claude: 'Claude',
  gemini: 'Gemini',
  grok: 'Grok',
  deepseek: 'DeepSeek',
  kimi: 'Kimi',
  qwen: 'Qwen',
  zai: 'Z.ai',
  mistral: 'Mistral',
  perplexity: 'Perplexity',
};

/** A provider id as people know it (`chatgpt` → ChatGPT); unknown ids as given. */
export function providerName(id: string): string {
  return Object.hasOwn(PROVIDER_NAMES, id) ? (PROVIDER_NAMES[id] as string) : id;
}

export const KIND_LABELS: Record<SearchKindName, string> = {
  message: 'Messages',
  acu: 'Knowledge units',
  conversation: 'Conversations',
  memory: 'Memories',
};

/** A date as a short local date, or '' when missing or unreadable. */
export function shortDate(value: string | null | undefined): string {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}
