import { defineEntity, p } from '@mikro-orm/core';

/**
 * The default embedder's model id and dimensions: its HNSW index is part of the schema. Vectors of
 * other models live in the same table; the service creates a partial HNSW index per model at start.
 */
export const DEFAULT_EMBEDDING_MODEL = 'use-lite-512';
export const DEFAULT_EMBEDDING_DIMS = 512;

/** One searchable unit: a message, an ACU, a memory or a conversation (its title and tags). */
export const SearchDoc = defineEntity({
  name: 'SearchDoc',
  tableName: 'search_doc',
  uniques: [{ name: 'search_doc_kind_ref_unique', properties: ['kind', 'refId'] }],
  indexes: [
    { name: 'search_doc_owner_conversation_index', properties: ['ownerId', 'conversationId'] },
    { name: 'search_doc_owner_kind_created_index', properties: ['ownerId', 'kind', 'createdAt'] },
    { name: 'search_doc_tsv_index', expression: 'create index "search_doc_tsv_index" on "search_doc" using gin ("tsv")' },
    // Titles repeat on every document of a conversation: only conversation documents need the trigram index (suggest).
    { name: 'search_doc_title_trgm_index', expression: `create index "search_doc_title_trgm_index" on "search_doc" using gin ("title" gin_trgm_ops) where "kind" = 'conversation'` },
  ],
  properties: {
    id: p.uuid().primary(),
    ownerId: p.uuid(),
    /** message | acu | memory | conversation */
    kind: p.text(),
    refId: p.uuid(),
    conversationId: p.uuid().nullable(),
    messageId: p.uuid().nullable(),
    /** On a message document: the ACU that repeats the message's whole text (it has no document of its own; an ACU search finds it here). */
    acuId: p.uuid().nullable(),
    sourceConversationId: p.text().nullable(),
    sourceMessageId: p.text().nullable(),
    provider: p.text().nullable(),
    role: p.text().nullable(),
    title: p.text(),
    body: p.text(),
    code: p.text(),
    /** Neighbouring turns, indexed with the lowest weight. */
    context: p.text(),
    createdAt: p.datetime().nullable(),
    /** Text search configuration: 'english' or 'simple'. */
    lang: p.text(),
    /** sha256 of everything above that is indexed: unchanged documents are skipped. */
    contentHash: p.text(),
    /** Weighted tsvector: title A, body B, code C, context D (written by the indexer in SQL). */
    tsv: p.string().columnType('tsvector').nullable().lazy(),
    indexedAt: p.datetime().defaultRaw('now()'),
  },
});

/** Embedding of one chunk of a document, per model (changing the model re-embeds beside the old rows). */
export const SearchEmbedding = defineEntity({
  name: 'SearchEmbedding',
  tableName: 'search_embedding',
  indexes: [
    // No btree on (owner, model): the planner would pick it over HNSW and compute every distance of the owner.
    {
      name: 'search_embedding_use_lite_512_hnsw',
      expression: `create index "search_embedding_use_lite_512_hnsw" on "search_embedding" using hnsw (("embedding"::vector(512)) vector_cosine_ops) where "model" = 'use-lite-512'`,
    },
  ],
  properties: {
    doc: () => p.manyToOne(SearchDoc).primary().deleteRule('cascade'),
    model: p.text().primary(),
    chunk: p.integer().primary(),
    ownerId: p.uuid(),
    /** Unit-length vector; dimensions depend on the model. */
    embedding: p.string().columnType('vector').lazy(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

/** Per-owner vocabulary for typo-tolerant matching (pg_trgm over distinct words). */
export const SearchTerm = defineEntity({
  name: 'SearchTerm',
  tableName: 'search_term',
  indexes: [{ name: 'search_term_trgm_index', expression: 'create index "search_term_trgm_index" on "search_term" using gin ("term" gin_trgm_ops)' }],
  properties: {
    ownerId: p.uuid().primary(),
    term: p.text().primary(),
  },
});

/** What the index holds for each conversation: the capture index version it was built from. */
export const SearchSource = defineEntity({
  name: 'SearchSource',
  tableName: 'search_source',
  properties: {
    conversationId: p.uuid().primary(),
    ownerId: p.uuid(),
    version: p.text(),
    indexedAt: p.datetime().defaultRaw('now()'),
  },
});

export const searchEntities = [SearchDoc, SearchEmbedding, SearchTerm, SearchSource];
