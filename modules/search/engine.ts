/**
 * The lexical search contract. Postgres full-text (the default) and Meilisearch (when MEILI_URL is
 * set) implement it; vectors always live in pgvector and the service fuses both signals, so the
 * engines only need to agree on documents, filters and hits.
 */

export const searchKinds = ['message', 'acu', 'memory', 'conversation'] as const;
export type SearchKind = (typeof searchKinds)[number];

/** One searchable unit, as the search module stores it in `search_doc` and mirrors it to an engine. */
export interface IndexedDoc {
  /** `search_doc.id` (uuid). */
  id: string;
  ownerId: string;
  kind: SearchKind;
  /** The row this document stands for: message, ACU, memory or conversation id. */
  refId: string;
  conversationId: string | null;
  messageId: string | null;
  /**
   * On a message document: the ACU cut from it that repeats its whole text. That ACU has no document
   * of its own; a search for kind `acu` matches this document and shows it as the ACU.
   */
  acuId: string | null;
  sourceConversationId: string | null;
  sourceMessageId: string | null;
  provider: string | null;
  role: string | null;
  title: string;
  /** Prose (markdown without code blocks). */
  body: string;
  /** Code blocks and identifiers, weighted below the body. */
  code: string;
  /** Neighbouring turns (previous/next), weighted lowest: chat turns lean on them. */
  context: string;
  /** ISO timestamp or null. */
  createdAt: string | null;
  /** `english` or `simple` (text search configuration used for this document). */
  lang: 'english' | 'simple';
}

/** A parsed user query: websearch syntax (`"exact phrase"`, `-exclude`, `or`). */
export interface ParsedQuery {
  /** The raw query as typed, trimmed (max 1000 chars). */
  raw: string;
  /** Words that must match (lower-cased, outside quotes, without operators). */
  terms: string[];
  /** Quoted phrases, each a list of words. */
  phrases: string[][];
  /** Words after `-`. */
  excluded: string[];
}

export interface SearchFilters {
  ownerId: string;
  kinds?: SearchKind[];
  providers?: string[];
  roles?: string[];
  conversationId?: string;
  /** Inclusive ISO bounds on createdAt. */
  from?: string;
  to?: string;
}

export interface LexicalHit {
  docId: string;
  /** Engine score, higher is better (not comparable across engines; the service normalizes). */
  score: number;
  /** Highlighted snippet with `<mark>…</mark>` around matches, HTML-escaped otherwise; null = service builds one. */
  snippet: string | null;
  /** The document's `search_doc` columns when the engine read them anyway (Postgres): saves the service a read. */
  meta?: DocMetaRow;
}

/** The `search_doc` columns a result shows (see META_COLUMNS). */
export interface DocMetaRow {
  id: string;
  kind: SearchKind;
  ref_id: string;
  conversation_id: string | null;
  message_id: string | null;
  acu_id: string | null;
  source_conversation_id: string | null;
  source_message_id: string | null;
  provider: string | null;
  role: string | null;
  title: string;
  created_at: string | Date | null;
}

/** SQL select list (alias `d`) of DocMetaRow. */
export const META_COLUMNS =
  'd.id, d.kind, d.ref_id, d.conversation_id, d.message_id, d.acu_id, d.source_conversation_id, d.source_message_id, d.provider, d.role, d.title, d.created_at';

export interface LexicalEngine {
  readonly name: 'postgres' | 'meilisearch';
  /** Creates indexes/settings; idempotent. */
  init(): Promise<void>;
  /** Inserts or replaces documents (by id). Postgres writes happen in the service's own transaction, so this may be a no-op there. */
  upsert(docs: IndexedDoc[]): Promise<void>;
  /** Removes documents by id. */
  remove(docIds: string[]): Promise<void>;
  /** Removes every document of one owner (account deletion, re-index). */
  removeOwner(ownerId: string): Promise<void>;
  /** Best `limit` hits for the query under the filters, best first. Must never return another owner's docs. */
  search(query: ParsedQuery, filters: SearchFilters, limit: number): Promise<LexicalHit[]>;
  /** Reachable and configured? Shown in health/status. */
  health(): Promise<{ ok: boolean; detail: string; documents?: number }>;
}
