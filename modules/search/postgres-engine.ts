import type { EntityManager } from '@mikro-orm/postgresql';
import type { IndexedDoc, LexicalEngine, LexicalHit, ParsedQuery, SearchFilters } from './engine.ts';
import { rememberTerms, writeDocs } from './indexer.ts';
import { hashFields } from './text.ts';

/** Weights of tsvector labels D, C, B, A: context, code, body, title. */
export const RANK_WEIGHTS = '{0.1, 0.25, 0.5, 1.0}';
/** Query terms at least this long get typo-tolerant expansions from the owner's vocabulary. */
const FUZZY_MIN_LENGTH = 4;
/**
 * Candidates ranked per query: documents matching every term first, then any term. Ranking reads
 * each candidate's tsvector, so an unselective query over a large library must be bounded (the
 * embedded database has no cancel and no top-k index for full text).
 */
const STRICT_CANDIDATES = 600;
const LOOSE_CANDIDATES = 400;

/**
 * PostgreSQL's English stop words (snowball list): dropped from the OR part of a query, where the
 * 'simple' configuration would otherwise match nearly every document. Phrases keep them.
 */
export const STOP_WORDS = new Set(
  ("i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself they them their theirs themselves " +
    "what which who whom this that these those am is are was were be been being have has had having do does did doing a an the and but if or because as until while " +
    "of at by for with about against between into through during before after above below to from up down in out on off over under again further then once here there " +
    "when where why how all any both each few more most other some such no nor not only own same so than too very s t can will just don should now")
    .split(' '),
);

/** A tsquery over both configurations: English stems and exact 'simple' words. */
const termQuery = (fn: 'plainto_tsquery' | 'phraseto_tsquery') => `(${fn}('english', ?) || ${fn}('simple', ?))`;

/** SQL pieces of a parsed query; `params` follow the placeholders in order. */
export interface TsQuerySql {
  /** Any term matches (OR), phrases and exclusions applied: what a document must satisfy. */
  match: string;
  matchParams: unknown[];
  /** Every term matches (bonus in ranking). */
  all: string;
  allParams: unknown[];
}

/** Builds the tsquery SQL for a parsed query with typo expansions (`expansions[term]` → similar vocabulary words). */
export function tsQuerySql(query: ParsedQuery, expansions: ReadonlyMap<string, string[]>): TsQuerySql {
  const groups: string[] = [];
  const groupParams: unknown[][] = [];
  const content = query.terms.filter((t) => !STOP_WORDS.has(t));
  for (const term of content.length > 0 ? content : query.terms) {
    const variants = [term, ...(expansions.get(term) ?? [])];
    groups.push(`(${variants.map(() => termQuery('plainto_tsquery')).join(' || ')})`);
    groupParams.push(variants.flatMap((v) => [v, v]));
  }
  const musts: string[] = [];
  const mustParams: unknown[] = [];
  for (const phrase of query.phrases) {
    musts.push(termQuery('phraseto_tsquery'));
    mustParams.push(phrase.join(' '), phrase.join(' '));
  }
  for (const word of query.excluded) {
    musts.push(`!!${termQuery('plainto_tsquery')}`);
    mustParams.push(word, word);
  }
  const any = groups.length > 0 ? `(${groups.join(' || ')})` : null;
  const match = [any, ...musts].filter(Boolean).join(' && ');
  const all = groups.length > 0 ? [`(${groups.join(' && ')})`, ...musts].join(' && ') : match;
  return {
    match: `(${match})`,
    matchParams: [...(any ? groupParams.flat() : []), ...mustParams],
    all: `(${all})`,
    allParams: [...groupParams.flat(), ...mustParams],
  };
}

/** SQL filter clauses (alias `d`) shared by the lexical and vector halves. */
export function filterSql(filters: SearchFilters): { sql: string; params: unknown[] } {
  const where = ['d.owner_id = ?'];
  const params: unknown[] = [filters.ownerId];
  const anyOf = (column: string, values: readonly string[] | undefined) => {
    if (!values || values.length === 0) return;
    where.push(`${column} in (select jsonb_array_elements_text(?::jsonb))`);
    params.push(JSON.stringify(values));
  };
  anyOf('d.kind', filters.kinds);
  anyOf('d.provider', filters.providers);
  anyOf('d.role', filters.roles);
  if (filters.conversationId) {
    where.push('d.conversation_id = ?');
    params.push(filters.conversationId);
  }
  if (filters.from) {
    where.push('d.created_at >= ?::timestamptz');
    params.push(filters.from);
  }
  if (filters.to) {
    where.push('d.created_at <= ?::timestamptz');
    params.push(filters.to);
  }
  return { sql: where.join(' and '), params };
}

const expansionCache = new Map<string, { at: number; value: Map<string, string[]> }>();

/** Similar words from the owner's vocabulary for query terms the vocabulary does not hold (typos); cached for a minute. */
export async function typoExpansions(em: EntityManager, ownerId: string, terms: readonly string[]): Promise<Map<string, string[]>> {
  const key = `${ownerId}:${terms.join(' ')}`;
  const hit = expansionCache.get(key);
  if (hit && Date.now() - hit.at < 60_000) return hit.value;
  const value = await lookupExpansions(em, ownerId, terms);
  if (expansionCache.size > 500) expansionCache.delete(expansionCache.keys().next().value!);
  expansionCache.set(key, { at: Date.now(), value });
  return value;
}

async function lookupExpansions(em: EntityManager, ownerId: string, terms: readonly string[]): Promise<Map<string, string[]>> {
  const candidates = terms.filter((t) => t.length >= FUZZY_MIN_LENGTH && !/^\d+$/.test(t));
  const expansions = new Map<string, string[]>();
  if (candidates.length === 0) return expansions;
  const rows = await em.execute<{ q: string; term: string }[]>(
    `select t.q, s.term from jsonb_array_elements_text(?::jsonb) as t(q)
     cross join lateral (
       select term from search_term where owner_id = ? and term % t.q and term <> t.q
       order by similarity(term, t.q) desc limit 3
     ) s
     where not exists (select 1 from search_term x where x.owner_id = ? and x.term = t.q)
       and similarity(s.term, t.q) >= 0.45`,
    [JSON.stringify(candidates), ownerId, ownerId],
  );
  for (const row of rows) expansions.set(row.q, [...(expansions.get(row.q) ?? []), row.term]);
  return expansions;
}

/**
 * PostgreSQL full-text search over `search_doc` (weighted tsvector, English + simple configurations,
 * pg_trgm typo expansions). The indexer writes conversations' documents inside its own transaction;
 * upsert/remove here are the same writes for callers outside it (and the engine contract suite).
 */
export class PostgresEngine implements LexicalEngine {
  readonly name = 'postgres' as const;
  private readonly em: () => EntityManager;

  constructor(em: () => EntityManager) {
    this.em = em;
  }

  async init(): Promise<void> {}

  async upsert(docs: IndexedDoc[]): Promise<void> {
    const rows = docs.map((d) => ({ ...d, contentHash: hashFields([d.kind, d.title, d.body, d.code, d.context, d.role, d.provider, d.createdAt, d.lang]) }));
    rememberTerms(await this.em().transactional((tx) => writeDocs(tx, rows)));
  }

  async remove(docIds: string[]): Promise<void> {
    if (docIds.length === 0) return;
    await this.em().execute('delete from search_doc where id in (select (jsonb_array_elements_text(?::jsonb))::uuid)', [JSON.stringify(docIds)]);
  }

  async removeOwner(ownerId: string): Promise<void> {
    await this.em().execute('delete from search_doc where owner_id = ?', [ownerId]);
  }

  async search(query: ParsedQuery, filters: SearchFilters, limit: number): Promise<LexicalHit[]> {
    if (query.terms.length === 0 && query.phrases.length === 0) return [];
    const em = this.em();
    const expansions = await typoExpansions(em, filters.ownerId, query.terms);
    const q = tsQuerySql(query, expansions);
    const filter = filterSql(filters);
    const rows = await em.execute<{ id: string; score: number }[]>(
      `with strict as (select d.id from search_doc d where ${filter.sql} and d.tsv @@ ${q.all} limit ${STRICT_CANDIDATES}),
            loose as (select d.id from search_doc d where ${filter.sql} and d.tsv @@ ${q.match} limit ${LOOSE_CANDIDATES}),
            candidates as (select id, true as strict from strict union all select id, false from loose where id not in (select id from strict))
       select d.id, ts_rank_cd('${RANK_WEIGHTS}', d.tsv, ${q.match}, 1) + case when c.strict then 0.5 else 0 end as score
       from candidates c join search_doc d on d.id = c.id
       order by score desc, d.created_at desc nulls last, d.id
       limit ?`,
      [...filter.params, ...q.allParams, ...filter.params, ...q.matchParams, ...q.matchParams, limit],
    );
    return rows.map((r) => ({ docId: r.id, score: Number(r.score), snippet: null }));
  }

  async health(): Promise<{ ok: boolean; detail: string; documents?: number }> {
    const [row] = await this.em().execute<{ n: number }[]>('select count(*)::int as n from search_doc');
    return { ok: true, detail: 'PostgreSQL full-text search', documents: row?.n ?? 0 };
  }
}
