import type { EntityManager } from '@mikro-orm/postgresql';
import { META_COLUMNS, type DocMetaRow, type IndexedDoc, type LexicalEngine, type LexicalHit, type ParsedQuery, type SearchFilters } from './engine.ts';
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
 * A term in more than this share of documents is "common" (help, problem, running): the candidates
 * matching any term are sought through the other terms, and a set of candidates this frequent is
 * read by scanning rows until enough match (cheaper than a bitmap of every match, which costs
 * ~0.5 ms per 1,000 matches; a scan ~1.3 ms per 1,000 rows read: break-even near 7%).
 */
const COMMON_SHARE = 0.05;
const SCAN_SHARE = 0.07;
/** …and matches more documents than this (ten times the loose candidates). */
const COMMON_MATCHES = 4000;
/** A term the statistics do not list is rarer than every listed one: this share is assumed. */
const UNLISTED_SHARE = 0.001;
/** Fewer candidates than this from the strict and loose tiers: documents matching only common terms fill in. */
const FILL_BELOW = 50;

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
  /** Any term but the common ones (all of them when every term is common): where candidates are sought. */
  seek: string;
  seekParams: unknown[];
}

/** The query's terms that make its term groups: content words, or every term when all are stop words. */
export const groupTerms = (query: ParsedQuery): string[] => {
  const content = query.terms.filter((t) => !STOP_WORDS.has(t));
  return content.length > 0 ? content : [...query.terms];
};

/**
 * Builds the tsquery SQL for a parsed query with typo expansions (`expansions[term]` → similar
 * vocabulary words); `common` terms are left out of `seek` unless every term is common.
 */
export function tsQuerySql(query: ParsedQuery, expansions: ReadonlyMap<string, string[]>, common: ReadonlySet<string> = new Set()): TsQuerySql {
  const groups: string[] = [];
  const groupParams: unknown[][] = [];
  const terms = groupTerms(query);
  const sought: number[] = [];
  for (const term of terms) {
    const variants = [term, ...(expansions.get(term) ?? [])];
    if (!common.has(term)) sought.push(groups.length);
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
  const seekGroups = sought.length > 0 ? sought : groups.map((_, i) => i);
  const seekAny = seekGroups.length > 0 ? `(${seekGroups.map((i) => groups[i]).join(' || ')})` : null;
  return {
    match: `(${match})`,
    matchParams: [...(any ? groupParams.flat() : []), ...mustParams],
    all: `(${all})`,
    allParams: [...groupParams.flat(), ...mustParams],
    seek: `(${[seekAny, ...musts].filter(Boolean).join(' && ')})`,
    seekParams: [...(seekAny ? seekGroups.flatMap((i) => groupParams[i]!) : []), ...mustParams],
  };
}

const shareCache = new Map<string, { at: number; share: number }>();
let documentCount: { at: number; value: number } | null = null;
const STATS_TTL_MS = 10 * 60_000;

/** How many documents the index holds and what share of them holds each term. */
export interface TermStats {
  documents: number;
  shares: Map<string, number>;
}

/**
 * Share of documents holding each term (its English stem or its exact word, whichever is more
 * frequent) and the number of documents, from the planner's statistics of `search_doc` (most
 * common lexemes and row count, kept by ANALYZE); a term it does not list gets UNLISTED_SHARE.
 * Cached ten minutes. Without statistics (never analyzed) every term is unlisted.
 */
export async function termStats(em: EntityManager, terms: readonly string[]): Promise<TermStats> {
  const fresh = (at: number) => Date.now() - at < STATS_TTL_MS;
  const shares = new Map<string, number>();
  for (const term of terms) {
    const hit = shareCache.get(term);
    if (hit && fresh(hit.at)) shares.set(term, hit.share);
  }
  if (shares.size === terms.length && documentCount && fresh(documentCount.at)) return { documents: documentCount.value, shares };
  const rows = await em.execute<{ q: string | null; share: number | null; documents: number }[]>(
    `with mce as (
       select u.lexeme, u.share from pg_stats s
       cross join lateral unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) as u(lexeme, share)
       where s.schemaname = current_schema() and s.tablename = 'search_doc' and s.attname = 'tsv'),
     terms as (
       select t.q, max(m.share)::float8 as share
       from jsonb_array_elements_text(?::jsonb) as t(q)
       left join lateral unnest(tsvector_to_array(to_tsvector('english', t.q) || to_tsvector('simple', t.q))) as l(lexeme) on true
       left join mce m on m.lexeme = l.lexeme
       group by t.q)
     select t.q, t.share, c.documents from (select greatest(reltuples, 0)::float8 as documents from pg_class where oid = to_regclass('search_doc')) c
     left join terms t on true`,
    [JSON.stringify(terms)],
  );
  const at = Date.now();
  documentCount = { at, value: Number(rows[0]?.documents ?? 0) };
  if (shareCache.size > 10_000) shareCache.clear();
  for (const row of rows) {
    if (row.q === null) continue;
    const share = row.share === null ? UNLISTED_SHARE : Number(row.share);
    shareCache.set(row.q, { at, share });
    shares.set(row.q, share);
  }
  return { documents: documentCount.value, shares };
}

/**
 * CTEs naming the candidate ids matching `tsquery`: when matches are frequent, the first `limit`
 * rows a scan finds; otherwise every match read through the GIN index, then the first `limit`
 * (a CTE is planned for all its rows: the outer limit cannot turn it into a long scan for
 * matches the planner over-estimates).
 */
const candidatesSql = (name: string, filter: string, tsquery: string, share: number, limit: number) =>
  share >= SCAN_SHARE
    ? `${name} as materialized (select d.id from search_doc d where ${filter} and d.tsv @@ ${tsquery} limit ${limit})`
    : `${name}_all as materialized (select d.id from search_doc d where ${filter} and d.tsv @@ ${tsquery}), ${name} as materialized (select id from ${name}_all limit ${limit})`;

/** SQL filter clauses (alias `d`) shared by the lexical and vector halves. */
export function filterSql(filters: SearchFilters): { sql: string; params: unknown[] } {
  const where = ['d.owner_id = ?'];
  const params: unknown[] = [filters.ownerId];
  const anyOf = (column: string, values: readonly string[] | undefined) => {
    if (!values || values.length === 0) return;
    where.push(`${column} = any(array(select jsonb_array_elements_text(?::jsonb)))`);
    params.push(JSON.stringify(values));
  };
  if (filters.kinds && filters.kinds.length > 0) {
    // A message document with acu_id also stands for that ACU (see IndexedDoc.acuId).
    const standIn = filters.kinds.includes('acu') ? ' or d.acu_id is not null' : '';
    where.push(`(d.kind = any(array(select jsonb_array_elements_text(?::jsonb)))${standIn})`);
    params.push(JSON.stringify(filters.kinds));
  }
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
    await this.em().execute('delete from search_doc where id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))', [JSON.stringify(docIds)]);
  }

  async removeOwner(ownerId: string): Promise<void> {
    await this.em().execute('delete from search_doc where owner_id = ?', [ownerId]);
  }

  async search(query: ParsedQuery, filters: SearchFilters, limit: number): Promise<LexicalHit[]> {
    if (query.terms.length === 0 && query.phrases.length === 0) return [];
    const em = this.em();
    const terms = groupTerms(query);
    const [expansions, stats] = await Promise.all([typoExpansions(em, filters.ownerId, query.terms), termStats(em, terms)]);
    const share = (t: string) => stats.shares.get(t) ?? UNLISTED_SHARE;
    // A common term alone fills the loose candidates with documents matching nothing else (an
    // arbitrary tenth or less of its matches): the other terms are sought instead. In a library
    // where a term matches fewer than ten times the candidates, it is not treated as common.
    const common = new Set(terms.filter((t) => share(t) > COMMON_SHARE && share(t) * stats.documents > COMMON_MATCHES));
    const q = tsQuerySql(query, expansions, common);
    const filter = filterSql(filters);
    // Estimated shares of documents matching every term, and any sought term (phrases and exclusions only narrow them).
    const allShare = terms.length > 0 ? terms.reduce((p, t) => p * share(t), 1) : UNLISTED_SHARE;
    const sought = terms.filter((t) => !common.has(t));
    const seekShare = Math.min(1, (sought.length > 0 ? sought : terms).reduce((sum, t) => sum + share(t), 0)) || UNLISTED_SHARE;
    // When the sought terms (and all terms together) find few documents, documents matching only common terms fill in.
    const fill = common.size > 0 && sought.length > 0;
    const rows = await em.execute<(DocMetaRow & { score: number })[]>(
      `with ${candidatesSql('strict', filter.sql, q.all, allShare, STRICT_CANDIDATES)},
            ${candidatesSql('loose', filter.sql, q.seek, seekShare, LOOSE_CANDIDATES)},
            fill as materialized (${
              fill
                ? `select d.id from search_doc d where ${filter.sql} and d.tsv @@ ${q.match} and (select count(*) from strict) + (select count(*) from loose) < ${FILL_BELOW} limit ${LOOSE_CANDIDATES}`
                : 'select null::uuid as id where false'
            }),
            candidates as (
              select id, true as strict from strict
              union all select id, false from loose where id not in (select id from strict)
              union all select id, false from fill where id not in (select id from strict) and id not in (select id from loose))
       select ${META_COLUMNS}, ts_rank_cd('${RANK_WEIGHTS}', d.tsv, ${q.match}, 1) + case when c.strict then 0.5 else 0 end as score
       from candidates c join search_doc d on d.id = c.id
       order by score desc, d.created_at desc nulls last, d.id
       limit ?`,
      [...filter.params, ...q.allParams, ...filter.params, ...q.seekParams, ...(fill ? [...filter.params, ...q.matchParams] : []), ...q.matchParams, limit],
    );
    return rows.map(({ score, ...meta }) => ({ docId: meta.id, score: Number(score), snippet: null, meta }));
  }

  async health(): Promise<{ ok: boolean; detail: string; documents?: number }> {
    const [row] = await this.em().execute<{ n: number }[]>('select count(*)::int as n from search_doc');
    return { ok: true, detail: 'PostgreSQL full-text search', documents: row?.n ?? 0 };
  }
}
