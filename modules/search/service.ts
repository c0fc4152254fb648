import type { Actor } from '#server/actor.ts';
import { InvalidError } from '#server/errors.ts';
import type { JobContext } from '#server/jobs.ts';
import { JobBatcher } from '#server/job-batcher.ts';
import type { ModuleDeps } from '#server/module.ts';
import type { Logger } from 'pino';
import { META_COLUMNS, type DocMetaRow, type IndexedDoc, type LexicalEngine, type LexicalHit, type SearchFilters, type SearchKind } from './engine.ts';
import { DEFAULT_FUSION, fuse, type FusionOptions, type Ranked } from './fusion.ts';
import { buildDocs, docId, rememberTerms, writeDocs, type DocRow } from './indexer.ts';
import { MeiliEngine } from './meili/engine.ts';
import { PostgresEngine, tsQuerySql, typoExpansions } from './postgres-engine.ts';
import { hasPositive, parseQuery, semanticText } from './query.ts';
import type { SearchInput, SearchOutput, SearchResult, SearchStatus } from './schemas.ts';
import { chunkText, createEmbedder, type Embedder } from './embeddings/embedder.ts';
import { ensureModelIndex, nearestDocs, writeEmbeddings } from './vectors.ts';
import { detectLang, hashFields } from './text.ts';

/** Hits per signal considered for fusion, facets and pages (pages beyond it are not offered). */
const POOL = 500;
/**
 * Nearest neighbours asked of HNSW: fetching hundreds makes the index walk most of the graph (a
 * 500-hit pool cost ~130 ms at 100k); past ~100, vector ranks add nothing to the fusion.
 */
const VECTOR_POOL = 100;
/** Documents embedded per batch per embedder thread, and the most one embed job run handles before re-queueing itself. */
const EMBED_BATCH = 16;
const EMBED_RUN_MS = 20_000;
/** Conversations per index job, and how long index requests are gathered before they are enqueued. */
const INDEX_BATCH = 200;
const INDEX_DELAY_MS = 300;
/** Characters of a plain (unhighlighted) snippet. */
const PLAIN_SNIPPET_CHARS = 1500;
/** At most this many conversations are read and written per transaction inside one index job (fewer when slow: ~100 ms a slice). */
const INDEX_SLICE = 25;
/** Characters of a document that are embedded. */
const EMBED_MAX_CHARS = 400;

/** A document another module (memory) asks search to index. */
export interface ExternalDoc {
  refId: string;
  title: string;
  body: string;
  conversationId?: string | null;
  messageId?: string | null;
  sourceConversationId?: string | null;
  sourceMessageId?: string | null;
  role?: string | null;
  provider?: string | null;
  createdAt?: string | null;
}

interface Cursor {
  o: number;
  h: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Hybrid search over the owner's conversations, messages, ACUs and memories; indexing and embedding jobs. */
export class SearchService {
  private readonly deps: ModuleDeps;
  private readonly log: Logger;
  readonly engine: LexicalEngine;
  readonly embedder: Embedder | null;
  private embedderError: string | null = null;
  private healthCache: { at: number; value: { ok: boolean; detail: string } } | null = null;
  private readonly indexBatcher: JobBatcher;
  private readonly queryVectors = new Map<string, Float32Array>();

  constructor(deps: ModuleDeps, options: { engine?: LexicalEngine; embedder?: Embedder | null } = {}) {
    this.deps = deps;
    this.log = deps.log.child({ module: 'search' });
    this.indexBatcher = new JobBatcher({ jobs: deps.jobs, log: this.log, task: 'search.index', batch: INDEX_BATCH, delayMs: INDEX_DELAY_MS });
    const { meiliUrl, meiliApiKey } = deps.config.search;
    this.engine = options.engine ?? (meiliUrl ? new MeiliEngine({ url: meiliUrl, apiKey: meiliApiKey, log: this.log }) : new PostgresEngine(deps.em));
    this.embedder = options.embedder === undefined ? createEmbedder(deps.config.embeddings, this.log) : options.embedder;
  }

  /** True when an external engine mirrors the documents (Postgres keeps them itself). */
  private get mirrored(): boolean {
    return this.engine.name !== 'postgres';
  }

  // ---------------------------------------------------------------- querying

  /**
   * The search: full-text and vector halves in parallel, fused, filtered, paged, with snippets and facets.
   * `snippets: 'plain'` (for callers that read the text, like the context engine) returns the start of
   * each hit's text instead of a highlighted `ts_headline`, which costs the database a parse per hit.
   */
  async query(actor: Actor, input: SearchInput, how: { snippets?: 'highlighted' | 'plain' } = {}): Promise<SearchOutput> {
    const started = performance.now();
    const query = parseQuery(input.q);
    const filters: SearchFilters = {
      ownerId: actor.userId,
      kinds: input.kind,
      providers: input.provider,
      roles: input.role,
      conversationId: input.conversationId,
      from: input.from,
      to: input.to && /^\d{4}-\d{2}-\d{2}$/.test(input.to) ? `${input.to}T23:59:59.999Z` : input.to,
    };
    const cursorHash = hashFields([input.q, JSON.stringify(filters), String(input.collapse), input.mode]).slice(0, 16);
    const offset = this.decodeCursor(input.cursor, cursorHash);
    const empty = { results: [], nextCursor: null, facets: { kind: {}, provider: {}, role: {} }, engine: this.engine.name };
    if (!hasPositive(query)) {
      return { ...empty, tookMs: Math.round(performance.now() - started), semantic: { used: false, model: null, reason: 'The query has no words to look for' } };
    }
    const em = this.deps.em();
    const needsMust = query.phrases.length > 0 || query.excluded.length > 0;
    const mustMatch = needsMust ? tsQuerySql({ ...query, terms: [] }, new Map()) : null;
    const [lexicalHits, vector] = await Promise.all([
      input.mode === 'vector' ? Promise.resolve([] as LexicalHit[]) : this.engine.search(query, filters, POOL),
      input.mode === 'lexical' ? Promise.resolve({ hits: [], used: false, reason: 'Full-text only was asked for' }) : this.vectorHalf(semanticText(query), filters, mustMatch ? { sql: mustMatch.match, params: mustMatch.matchParams } : undefined),
    ]);
    const lexical: Ranked[] = lexicalHits.map((h) => ({ id: h.docId, score: h.score }));
    const options: FusionOptions = input.mode === 'vector' ? { ...DEFAULT_FUSION, lexicalWeight: 0, vectorWeight: 1, minSimilarity: 0 } : DEFAULT_FUSION;
    let fused = fuse(lexical, vector.hits, options);
    // Asked for ACUs but not messages: a message document standing for its one ACU shows as that ACU.
    const asAcu = Boolean(filters.kinds?.includes('acu') && !filters.kinds.includes('message'));
    // The halves return the documents' columns (Postgres); only hits without them (Meilisearch) are read here.
    const known = new Map<string, DocMetaRow>();
    for (const hit of lexicalHits) if (hit.meta) known.set(hit.docId, hit.meta);
    for (const hit of vector.hits) known.set(hit.id, hit.meta);
    const meta = await this.docMeta(em, fused.map((f) => f.id), actor.userId, asAcu, known);
    fused = fused.filter((f) => meta.has(f.id));
    if (!input.kind || input.kind.length !== 1) {
      // A message and an ACU cut from it say the same thing: the message is the result (it opens in
      // place); its ACUs show only when the message itself is not a hit.
      const messageHits = new Set(fused.map((f) => meta.get(f.id)!).filter((m) => m.kind === 'message').map((m) => m.messageId));
      fused = fused.filter((f) => {
        const m = meta.get(f.id)!;
        return m.kind !== 'acu' || !m.messageId || !messageHits.has(m.messageId);
      });
    }
    if (input.collapse) {
      const seen = new Set<string>();
      fused = fused.filter((f) => {
        const conversation = meta.get(f.id)!.conversationId ?? f.id;
        if (seen.has(conversation)) return false;
        seen.add(conversation);
        return true;
      });
    }
    const facets = { kind: {} as Record<string, number>, provider: {} as Record<string, number>, role: {} as Record<string, number> };
    for (const f of fused) {
      const m = meta.get(f.id)!;
      facets.kind[m.kind] = (facets.kind[m.kind] ?? 0) + 1;
      if (m.provider) facets.provider[m.provider] = (facets.provider[m.provider] ?? 0) + 1;
      if (m.role) facets.role[m.role] = (facets.role[m.role] ?? 0) + 1;
    }
    const page = fused.slice(offset, offset + input.limit);
    const snippets = how.snippets === 'plain' ? await this.plainSnippets(em, page.map((f) => f.id)) : await this.snippets(em, page.map((f) => f.id), query, actor.userId);
    const results: SearchResult[] = page.map((f) => {
      const m = meta.get(f.id)!;
      return {
        kind: m.kind,
        score: Math.round(f.score * 10000) / 10000,
        id: m.refId,
        conversationId: m.conversationId,
        messageId: m.messageId,
        sourceConversationId: m.sourceConversationId,
        sourceMessageId: m.sourceMessageId,
        provider: m.provider,
        role: m.role,
        title: m.title,
        snippet: snippets.get(f.id) ?? '',
        createdAt: m.createdAt,
      };
    });
    const next = offset + input.limit < fused.length ? this.encodeCursor({ o: offset + input.limit, h: cursorHash }) : null;
    return {
      results,
      nextCursor: next,
      facets,
      tookMs: Math.round((performance.now() - started) * 10) / 10,
      engine: this.engine.name,
      semantic: { used: vector.used, model: vector.used ? (this.embedder?.id ?? null) : null, reason: vector.reason },
    };
  }

  private decodeCursor(cursor: string | undefined, hash: string): number {
    if (!cursor) return 0;
    try {
      const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
      if (parsed.h === hash && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.o < POOL * 2) return parsed.o;
    } catch {
      // fall through
    }
    throw new InvalidError('SEARCH_BAD_CURSOR', 'This page cursor belongs to another query or has expired: search again from the first page');
  }

  private encodeCursor(cursor: Cursor): string {
    return Buffer.from(JSON.stringify(cursor)).toString('base64url');
  }

  /** The semantic half: embed the query (cached), then nearest documents. Never throws: reports why it did not run. */
  private async vectorHalf(text: string, filters: SearchFilters, mustMatch?: { sql: string; params: unknown[] }): Promise<{ hits: (Ranked & { meta: DocMetaRow })[]; used: boolean; reason: string | null }> {
    if (!this.embedder) return { hits: [], used: false, reason: 'Embeddings are turned off (EMBEDDING_PROVIDER=off)' };
    if (text.trim() === '') return { hits: [], used: false, reason: 'The query has no words to embed' };
    try {
      let vector = this.queryVectors.get(text);
      if (!vector) {
        [vector] = await this.embedder.embed([text]);
        if (!vector) throw new Error('the embedder returned no vector');
        this.queryVectors.set(text, vector);
        if (this.queryVectors.size > 500) this.queryVectors.delete(this.queryVectors.keys().next().value!);
      }
      this.embedderError = null;
      const hits = await nearestDocs(this.deps.em(), { model: this.embedder.id, dims: vector.length, vector, filters, limit: VECTOR_POOL, mustMatch });
      return { hits, used: true, reason: null };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.embedderError = message;
      this.log.warn({ err: error, embedder: this.embedder.id }, 'semantic search unavailable; results are full-text only');
      return { hits: [], used: false, reason: `Semantic search is unavailable: ${message}` };
    }
  }

  /** What each hit shows: the rows in `known` (read by the halves), the others read from `search_doc`; ids no longer there are left out. */
  private async docMeta(em: ReturnType<ModuleDeps['em']>, ids: readonly string[], ownerId: string, asAcu: boolean, known: ReadonlyMap<string, DocMetaRow>) {
    const missing = ids.filter((id) => !known.has(id));
    const read =
      missing.length === 0
        ? []
        : await em.execute<DocMetaRow[]>(`select ${META_COLUMNS} from search_doc d where d.owner_id = ? and d.id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))`, [
            ownerId,
            JSON.stringify(missing),
          ]);
    const rows = [...ids.flatMap((id) => known.get(id) ?? []), ...read];
    return new Map(
      rows.map((r) => [
        r.id,
        {
          ...(asAcu && r.kind === 'message' && r.acu_id ? { kind: 'acu' as const, refId: r.acu_id } : { kind: r.kind, refId: r.ref_id }),
          conversationId: r.conversation_id,
          messageId: r.message_id,
          sourceConversationId: r.source_conversation_id,
          sourceMessageId: r.source_message_id,
          provider: r.provider,
          role: r.role,
          title: r.title,
          createdAt: r.created_at === null ? null : new Date(r.created_at).toISOString(),
        },
      ]),
    );
  }

  /** `ts_headline` snippets for one page of hits, HTML-escaped with `<mark>` around matches. */
  private async snippets(em: ReturnType<ModuleDeps['em']>, ids: readonly string[], query: ReturnType<typeof parseQuery>, ownerId: string): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const q = tsQuerySql({ ...query, excluded: [] }, await typoExpansions(em, ownerId, query.terms));
    const options = 'StartSel=\u0002, StopSel=\u0003, MaxWords=32, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "';
    const rows = await em.execute<{ id: string; snippet: string | null }[]>(
      `select d.id, ts_headline(d.lang::regconfig, left(case when d.body <> '' then d.body else d.code end, 20000), ${q.match}, ?) as snippet
       from search_doc d where d.id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))`,
      [...q.matchParams, options, JSON.stringify(ids)],
    );
    return new Map(rows.map((r) => [r.id, escapeHtml((r.snippet ?? '').replace(/\s+/g, ' ').trim()).split('\u0002').join('<mark>').split('\u0003').join('</mark>')]));
  }

  /** The first characters of each hit's text (body, else code), HTML-escaped like highlighted snippets. */
  private async plainSnippets(em: ReturnType<ModuleDeps['em']>, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await em.execute<{ id: string; snippet: string }[]>(
      `select d.id, left(case when d.body <> '' then d.body else d.code end, ?) as snippet from search_doc d where d.id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))`,
      [PLAIN_SNIPPET_CHARS, JSON.stringify(ids)],
    );
    return new Map(rows.map((r) => [r.id, escapeHtml(r.snippet.replace(/\s+/g, ' ').trim())]));
  }

  /** Conversation titles, entity names and vocabulary words starting with (or close to) a prefix. */
  async suggest(actor: Actor, input: { prefix: string; limit: number }) {
    const em = this.deps.em();
    const prefix = input.prefix.toLowerCase();
    const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const titles = await em.execute<{ title: string; conversation_id: string }[]>(
      `select title, conversation_id from search_doc
       where owner_id = ? and kind = 'conversation' and (lower(title) like ? or lower(title) like ? or title % ?)
       order by (lower(title) like ?) desc, similarity(title, ?) desc, created_at desc nulls last limit ?`,
      [actor.userId, like, `% ${like}`, input.prefix, like, input.prefix, input.limit],
    );
    // People, projects, technologies… the Librarian found (when the knowledge module is loaded).
    const entities = (await this.deps.services.knowledge?.suggestNames(actor.userId, input.prefix, Math.max(0, input.limit - titles.length))) ?? [];
    const terms = await em.execute<{ term: string }[]>(
      'select term from search_term where owner_id = ? and term like ? order by length(term), term limit ?',
      [actor.userId, like, Math.max(0, input.limit - titles.length - entities.length)],
    );
    return {
      suggestions: [
        ...titles.map((t) => ({ kind: 'conversation' as const, text: t.title, conversationId: t.conversation_id })),
        ...entities.map((e) => ({ kind: 'entity' as const, text: e.name, conversationId: null })),
        ...terms.map((t) => ({ kind: 'term' as const, text: t.term, conversationId: null })),
      ].slice(0, input.limit),
    };
  }

  // ---------------------------------------------------------------- indexing

  /**
   * Queues (re)indexing of a conversation. Requests are gathered for a moment and enqueued as one
   * job per owner and batch (an import produces thousands); if the process dies first, the sweep
   * at the next start finds the difference.
   */
  scheduleIndex(ownerId: string, conversationId: string): Promise<void> {
    return this.indexBatcher.add(ownerId, conversationId);
  }

  /** Enqueues the gathered index requests now. */
  flushIndex(): Promise<void> {
    return this.indexBatcher.flush();
  }

  /** The 'search.index' job: indexes a batch of one owner's conversations (each in its own transaction). */
  async runIndexBatchJob(payload: { ownerId: string; conversationIds: string[] }): Promise<{ conversations: number; documents: number; changed: number; removed: number }> {
    const total = { conversations: 0, documents: 0, changed: 0, removed: 0 };
    const ids = [...new Set(payload.conversationIds)];
    // Slices keep memory bounded and let requests through (about 100 ms each); each slice reads in a handful of queries.
    for (const result of await this.deps.jobs.inSlices(ids, (slice) => this.indexConversations(payload.ownerId, slice), { max: INDEX_SLICE })) {
      total.conversations += result.conversations;
      total.documents += result.documents;
      total.changed += result.changed;
      total.removed += result.removed;
    }
    return total;
  }

  /** Indexes one conversation: writes its documents (or drops them when it is gone). */
  async runIndexJob(payload: { conversationId: string; ownerId: string }): Promise<{ documents: number; changed: number; removed: number }> {
    const { documents, changed, removed } = await this.indexConversations(payload.ownerId, [payload.conversationId]);
    return { documents, changed, removed };
  }

  /** Writes the documents of some conversations of one owner in one transaction; drops those of conversations that are gone. */
  private async indexConversations(ownerId: string, conversationIds: readonly string[]): Promise<{ conversations: number; documents: number; changed: number; removed: number }> {
    const capture = this.deps.services.capture;
    if (!capture) throw new Error('the capture module is not loaded');
    // The version first: a change landing after this read re-queues the conversation, and the sweep compares versions.
    const versions = await capture.indexVersionsOf(ownerId, conversationIds);
    const sources = await capture.indexSources(ownerId, [...versions.keys()]);
    let removed = 0;
    for (const id of conversationIds) if (!sources.has(id)) removed += await this.removeConversation(ownerId, id);
    if (sources.size === 0) return { conversations: conversationIds.length, documents: 0, changed: 0, removed };
    const docs = [...sources.values()].flatMap((source) => buildDocs(source));
    const present = JSON.stringify([...sources.keys()]);
    const em = this.deps.em();
    const { changed, removedIds, terms } = await em.transactional(async (tx) => {
      const existing = await tx.execute<{ id: string; content_hash: string }[]>(
        "select id, content_hash from search_doc where owner_id = ? and conversation_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)) and kind <> 'memory'",
        [ownerId, present],
      );
      const known = new Map(existing.map((r) => [r.id, r.content_hash]));
      const wanted = new Set(docs.map((d) => d.id));
      const stale = existing.filter((r) => !wanted.has(r.id)).map((r) => r.id);
      if (stale.length > 0) await tx.execute('delete from search_doc where id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))', [JSON.stringify(stale)]);
      const changedDocs = docs.filter((d) => known.get(d.id) !== d.contentHash);
      const written = await writeDocs(tx, changedDocs);
      const rows = [...sources.keys()].map((id) => ({ conversation_id: id, version: this.mirrored ? 'pending-mirror' : versions.get(id) }));
      await tx.execute(
        `insert into search_source (conversation_id, owner_id, version, indexed_at)
         select r.conversation_id, ?, r.version, now() from jsonb_to_recordset(?::jsonb) as r(conversation_id uuid, version text)
         on conflict (conversation_id) do update set version = excluded.version, indexed_at = now()`,
        [ownerId, JSON.stringify(rows)],
      );
      return { changed: changedDocs.length, removedIds: stale, terms: written };
    });
    rememberTerms(terms);
    if (this.mirrored) {
      await this.engine.upsert(docs.map(stripHash));
      if (removedIds.length > 0) await this.engine.remove(removedIds);
      const rows = [...sources.keys()].map((id) => ({ conversation_id: id, version: versions.get(id) }));
      await em.execute(
        'update search_source s set version = r.version from jsonb_to_recordset(?::jsonb) as r(conversation_id uuid, version text) where s.conversation_id = r.conversation_id',
        [JSON.stringify(rows)],
      );
    }
    if (changed > 0) await this.scheduleEmbed();
    return { conversations: conversationIds.length, documents: docs.length, changed, removed: removed + removedIds.length };
  }

  /** Drops every document of a conversation (also from the external engine). */
  async removeConversation(ownerId: string, conversationId: string): Promise<number> {
    const em = this.deps.em();
    const ids = await em.transactional(async (tx) => {
      const rows = await tx.execute<{ id: string }[]>('delete from search_doc where owner_id = ? and conversation_id = ? and kind <> \'memory\' returning id', [ownerId, conversationId]);
      await tx.execute('delete from search_source where conversation_id = ?', [conversationId]);
      return rows.map((r) => r.id);
    });
    if (this.mirrored && ids.length > 0) await this.engine.remove(ids);
    return ids.length;
  }

  /** Indexes documents another module owns (memories): same ranking, embeddings and engines. */
  async upsertExternal(ownerId: string, kind: Extract<SearchKind, 'memory'>, items: readonly ExternalDoc[]): Promise<void> {
    const docs: DocRow[] = items.map((item) => {
      const lang = detectLang(item.body);
      const doc = {
        id: docId(kind, item.refId),
        ownerId,
        kind,
        refId: item.refId,
        conversationId: item.conversationId ?? null,
        messageId: item.messageId ?? null,
        acuId: null,
        sourceConversationId: item.sourceConversationId ?? null,
        sourceMessageId: item.sourceMessageId ?? null,
        provider: item.provider ?? null,
        role: item.role ?? null,
        title: item.title,
        body: item.body,
        code: '',
        context: '',
        createdAt: item.createdAt ?? null,
        lang,
      } satisfies IndexedDoc;
      return { ...doc, contentHash: hashFields([doc.title, doc.body, doc.conversationId, doc.messageId, doc.createdAt, lang]) };
    });
    rememberTerms(await this.deps.em().transactional((tx) => writeDocs(tx, docs)));
    if (this.mirrored) await this.engine.upsert(docs.map(stripHash));
    await this.scheduleEmbed();
  }

  /** Removes documents another module owns. */
  async removeExternal(ownerId: string, kind: Extract<SearchKind, 'memory'>, refIds: readonly string[]): Promise<void> {
    const ids = refIds.map((id) => docId(kind, id));
    await this.deps.em().execute('delete from search_doc where owner_id = ? and id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))', [ownerId, JSON.stringify(ids)]);
    if (this.mirrored) await this.engine.remove(ids);
  }

  /**
   * The 'search.sweep' job: compares every conversation's index version with what the index holds and
   * queues the differences (crash catch-up, missed events, conversations deleted behind our back).
   */
  async runSweepJob(options: { inline?: boolean } = {}): Promise<{ queued: number; removed: number }> {
    const capture = this.deps.services.capture;
    if (!capture) throw new Error('the capture module is not loaded');
    const em = this.deps.em();
    let after: string | null = null;
    let queued = 0;
    const live = new Set<string>();
    for (;;) {
      const page = await capture.indexVersions(after, 1000);
      if (page.length === 0) break;
      const held = await em.execute<{ conversation_id: string; version: string }[]>(
        'select conversation_id, version from search_source where conversation_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))',
        [JSON.stringify(page.map((p) => p.id))],
      );
      const versions = new Map(held.map((h) => [h.conversation_id, h.version]));
      for (const item of page) {
        live.add(item.id);
        if (versions.get(item.id) !== item.version) {
          if (options.inline) await this.runIndexJob({ conversationId: item.id, ownerId: item.ownerId });
          else await this.scheduleIndex(item.ownerId, item.id);
          queued += 1;
        }
      }
      after = page.at(-1)!.id;
    }
    const indexed = await em.execute<{ conversation_id: string; owner_id: string }[]>(
      "select distinct conversation_id, owner_id from search_doc where kind <> 'memory' and conversation_id is not null",
    );
    let removed = 0;
    for (const row of indexed) if (!live.has(row.conversation_id)) removed += await this.removeConversation(row.owner_id, row.conversation_id);
    await this.flushIndex();
    await this.scheduleEmbed();
    return { queued, removed };
  }

  /** Rebuilds the index of one owner (or everyone): drops their documents and queues every conversation. */
  async reindex(ownerId: string | null): Promise<{ queued: number }> {
    const em = this.deps.em();
    if (ownerId) {
      await em.execute("delete from search_source where owner_id = ?", [ownerId]);
      await em.execute("delete from search_doc where owner_id = ? and kind <> 'memory'", [ownerId]);
      if (this.mirrored) await this.engine.removeOwner(ownerId);
    } else {
      const owners = this.mirrored ? await em.execute<{ owner_id: string }[]>("select distinct owner_id from search_doc where kind <> 'memory'") : [];
      await em.execute('delete from search_source');
      await em.execute("delete from search_doc where kind <> 'memory'");
      for (const { owner_id } of owners) await this.engine.removeOwner(owner_id);
    }
    const { queued } = await this.runSweepJob();
    return { queued };
  }

  // ---------------------------------------------------------------- embedding

  /** Queues the embedding chain (one at a time: backpressure). */
  async scheduleEmbed(): Promise<void> {
    if (!this.embedder) return;
    await this.deps.jobs.enqueue('search.embed', {}, { jobKey: 'search.embed', jobKeyMode: 'preserve_run_at', runAt: new Date(Date.now() + 500) });
  }

  /**
   * The 'search.embed' job: embeds documents that have no vector for the configured model, in
   * batches, for at most ~20 s, then queues itself again if work remains. Rows of other models are
   * dropped once every document has a vector for the current one.
   */
  async runEmbedJob(ctx: Pick<JobContext, 'signal' | 'log'>): Promise<{ embedded: number; remaining: boolean }> {
    const embedder = this.embedder;
    if (!embedder) return { embedded: 0, remaining: false };
    const em = this.deps.em();
    let indexed = false;
    const started = Date.now();
    let embedded = 0;
    // Messages, conversations and memories first (what search and context use most), ACUs after.
    const phases = ["d.kind <> 'acu'", "d.kind = 'acu'"];
    let phase = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      if (ctx.signal?.aborted) break;
      const docs = await em.execute<{ id: string; owner_id: string; kind: string; title: string; body: string; code: string }[]>(
        `select d.id, d.owner_id, d.kind, d.title, left(d.body, 4000) as body, left(d.code, 4000) as code from search_doc d
         where ${phases[phase]} and d.id > ?::uuid and not exists (select 1 from search_embedding e where e.doc_id = d.id and e.model = ?)
         order by d.id limit ?`,
        [after, embedder.id, EMBED_BATCH * this.deps.config.embeddings.threads],
      );
      if (docs.length === 0) {
        if (++phase >= phases.length) break;
        after = '00000000-0000-0000-0000-000000000000';
        continue;
      }
      after = docs.at(-1)!.id;
      const pieces = docs.flatMap((d) => {
        const text = d.kind === 'conversation' || d.kind === 'memory' ? `${d.title}\n${d.body}` : [d.body, d.code].filter(Boolean).join('\n\n');
        // One short text per document: the model's cost grows with length (≈16 ms at 400 characters on
        // one core) and ACU documents already stand for a long message's later paragraphs.
        const chunks = chunkText(text, { maxChars: EMBED_MAX_CHARS, maxWords: 80 }).slice(0, 1);
        return (chunks.length > 0 ? chunks : [{ index: 0, text: d.title }]).map((c, i) => ({ docId: d.id, ownerId: d.owner_id, chunk: i, text: c.text }));
      });
      let vectors: Float32Array[];
      try {
        vectors = await embedder.embed(pieces.map((p) => p.text), ctx.signal);
        this.embedderError = null;
      } catch (error) {
        this.embedderError = error instanceof Error ? error.message : String(error);
        throw error;
      }
      if (!indexed) {
        // After the first batch: an OpenAI-compatible model may only tell its dimensions by answering.
        await ensureModelIndex(em, embedder.id, vectors[0]?.length ?? embedder.dims);
        indexed = true;
      }
      await writeEmbeddings(em, embedder.id, pieces.map((p, i) => ({ docId: p.docId, ownerId: p.ownerId, chunk: p.chunk, vector: vectors[i]! })));
      embedded += docs.length;
      if (Date.now() - started > EMBED_RUN_MS) {
        await this.scheduleEmbed();
        return { embedded, remaining: true };
      }
    }
    const [pending] = await em.execute<{ n: number }[]>('select count(*)::int as n from search_doc d where not exists (select 1 from search_embedding e where e.doc_id = d.id and e.model = ?)', [embedder.id]);
    if ((pending?.n ?? 0) === 0) await em.execute('delete from search_embedding where model <> ?', [embedder.id]);
    ctx.log.info({ embedded, model: embedder.id }, 'embedding pass done');
    return { embedded, remaining: false };
  }

  // ---------------------------------------------------------------- status

  async status(): Promise<SearchStatus> {
    const em = this.deps.em();
    const model = this.embedder?.id ?? '';
    const [counts] = await em.execute<{ docs: number; embedded: number; sources: number }[]>(
      `select (select count(*)::int from search_doc) as docs,
              (select count(distinct doc_id)::int from search_embedding where model = ?) as embedded,
              (select count(*)::int from search_source) as sources`,
      [model],
    );
    const engine = await this.engine.health().catch((error: unknown) => ({ ok: false, detail: error instanceof Error ? error.message : String(error), documents: undefined }));
    const embedderHealth = this.embedder
      ? this.embedderError
        ? { ok: false, detail: this.embedderError }
        : await this.embedderHealth(this.embedder)
      : { ok: false, detail: 'Embeddings are turned off (EMBEDDING_PROVIDER=off)' };
    return {
      engine: { name: this.engine.name, ok: engine.ok, detail: engine.detail, documents: engine.documents ?? null },
      embedder: { id: this.embedder?.id ?? null, ok: embedderHealth.ok, detail: embedderHealth.detail },
      documents: counts?.docs ?? 0,
      embedded: counts?.embedded ?? 0,
      pendingEmbeddings: Math.max(0, (counts?.docs ?? 0) - (counts?.embedded ?? 0)),
      conversationsIndexed: counts?.sources ?? 0,
    };
  }

  /** The embedder's own health check, at most every 5 minutes (a remote check may be a billed request). */
  private async embedderHealth(embedder: Embedder): Promise<{ ok: boolean; detail: string }> {
    if (this.healthCache && Date.now() - this.healthCache.at < 300_000) return this.healthCache.value;
    const value = await embedder.health().catch((error: unknown) => ({ ok: false, detail: error instanceof Error ? error.message : String(error) }));
    this.healthCache = { at: Date.now(), value };
    return value;
  }

  async stop(): Promise<void> {
    await this.flushIndex().catch((error: unknown) => this.log.warn({ err: error }, 'index requests not queued at stop; the next start sweeps'));
    await this.embedder?.close();
  }
}

function stripHash(doc: DocRow): IndexedDoc {
  const { contentHash: _hash, ...rest } = doc;
  return rest;
}

