import type { EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '#database/bound.ts';
import { META_COLUMNS, type DocMetaRow, type SearchFilters } from './engine.ts';
import { DEFAULT_EMBEDDING_DIMS, DEFAULT_EMBEDDING_MODEL } from './entities.ts';
import { filterSql } from './postgres-engine.ts';
import type { Ranked } from './fusion.ts';

/** pgvector literal of a vector. */
export function vectorLiteral(vector: ArrayLike<number>): string {
  return `[${Array.from(vector, (x) => (Number.isFinite(x) ? x : 0)).join(',')}]`;
}

/** A safe index name for a model id. */
export function hnswIndexName(model: string): string {
  return `search_embedding_${model.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40)}_hnsw`;
}

/** Creates the partial HNSW index of a non-default model (the default one is in the schema). */
export async function ensureModelIndex(em: EntityManager, model: string, dims: number): Promise<void> {
  if (model === DEFAULT_EMBEDDING_MODEL && dims === DEFAULT_EMBEDDING_DIMS) return;
  if (!Number.isInteger(dims) || dims < 1 || dims > 2000) throw new Error(`Embedding dimensions ${dims} out of range (pgvector HNSW indexes up to 2000)`);
  const literal = model.replace(/'/g, "''");
  await em.execute(`create index if not exists "${hnswIndexName(model)}" on search_embedding using hnsw ((embedding::vector(${dims})) vector_cosine_ops) where model = '${literal}'`);
}

/** Stores chunk vectors (skipping documents deleted meanwhile). */
export async function writeEmbeddings(em: EntityManager, model: string, rows: readonly { docId: string; ownerId: string; chunk: number; vector: Float32Array }[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    await executeBound(
      em,
      `insert into search_embedding (doc_id, model, chunk, owner_id, embedding, created_at)
       select r.doc_id, $1, r.chunk, r.owner_id, r.embedding::vector, now()
       from jsonb_to_recordset($2::jsonb) as r(doc_id uuid, chunk int, owner_id uuid, embedding text)
       where exists (select 1 from search_doc d where d.id = r.doc_id)
       on conflict (doc_id, model, chunk) do update set embedding = excluded.embedding, created_at = now()`,
      [model, JSON.stringify(chunk.map((r) => ({ doc_id: r.docId, chunk: r.chunk, owner_id: r.ownerId, embedding: vectorLiteral(r.vector) })))],
    );
  }
}

/**
 * Nearest documents to a query vector under the filters, best first (a document's score is its
 * best chunk's cosine similarity). HNSW with iterative scans keeps owner/filters from starving the
 * result; a conversation-scoped query scans that conversation exactly.
 */
export async function nearestDocs(
  em: EntityManager,
  options: { model: string; dims: number; vector: Float32Array; filters: SearchFilters; limit: number; mustMatch?: { sql: string; params: unknown[] } },
): Promise<(Ranked & { meta: DocMetaRow })[]> {
  const { model, dims, filters, limit } = options;
  const q = vectorLiteral(options.vector);
  const filter = filterSql(filters);
  const must = options.mustMatch ? ` and d.tsv @@ ${options.mustMatch.sql}` : '';
  const mustParams = options.mustMatch?.params ?? [];
  const distance = `(e.embedding::vector(${dims}) <=> ?::vector(${dims}))`;
  const rows = await em.transactional(async (tx) => {
    await tx.execute('set local hnsw.ef_search = 64');
    await tx.execute("set local hnsw.iterative_scan = 'relaxed_order'");
    if (filters.conversationId) {
      return tx.execute<(DocMetaRow & { sim: number })[]>(
        `select ${META_COLUMNS}, max(1 - ${distance}) as sim
         from search_doc d join search_embedding e on e.doc_id = d.id and e.model = ?
         where ${filter.sql}${must}
         group by d.id order by sim desc limit ?`,
        [q, model, ...filter.params, ...mustParams, limit],
      );
    }
    return tx.execute<(DocMetaRow & { sim: number })[]>(
      `select ${META_COLUMNS}, max(k.sim) as sim from (
         select e.doc_id, 1 - ${distance} as sim from search_embedding e
         where e.model = ? and e.owner_id = ?
         order by ${distance} limit ?
       ) k join search_doc d on d.id = k.doc_id
       where ${filter.sql}${must}
       group by d.id order by sim desc`,
      [q, model, filters.ownerId, q, limit + 50, ...filter.params, ...mustParams],
    );
  });
  return rows.slice(0, limit).map(({ sim, ...meta }) => ({ id: meta.id, score: Number(sim), meta }));
}
