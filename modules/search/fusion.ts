/** How the lexical and the vector ranking are merged. */
export interface FusionOptions {
  /** `score`: weighted sum of normalized scores (default; fitted by eval:search). `rrf`: weighted reciprocal-rank fusion. */
  method: 'score' | 'rrf';
  lexicalWeight: number;
  vectorWeight: number;
  /** RRF constant. */
  k: number;
  /** Vector candidates below this cosine similarity are noise and are dropped. */
  minSimilarity: number;
}

/**
 * Defaults fitted by `npm run eval:search` (bench/eval-search.ts): grid over score/RRF, weights, k
 * and minSimilarity >= 0.3 (below it one-word queries get unrelated vector hits), maximising
 * mean(recall@5, recall@10, MRR) on half of a labelled set (341 queries: keyword, paraphrased and
 * neighbour-context questions over hand-written conversations among generated distractors and the
 * captured fixtures; USE-lite embeddings), judged on the other half (170 queries). Re-fitted after
 * the stop-word and candidate changes to full-text search: recall@5 / recall@10 / MRR held out:
 * this setting .588 / .659 / .512; full-text alone .524 / .559 / .450; vector alone .400 / .488 /
 * .314 (hybrid +10.0 points of recall@10 over full-text).
 */
export const DEFAULT_FUSION: FusionOptions = { method: 'rrf', lexicalWeight: 0.5, vectorWeight: 0.5, k: 5, minSimilarity: 0.4 };

export interface Ranked {
  id: string;
  score: number;
}

export interface Fused {
  id: string;
  score: number;
  lexicalRank: number | null;
  vectorRank: number | null;
}

/** Merges two rankings (each best first) into one, best first; ties keep lexical order. */
export function fuse(lexical: readonly Ranked[], vector: readonly Ranked[], options: FusionOptions = DEFAULT_FUSION): Fused[] {
  const vectors = vector.filter((v) => v.score >= options.minSimilarity);
  const out = new Map<string, Fused>();
  const entry = (id: string) => {
    let e = out.get(id);
    if (!e) {
      e = { id, score: 0, lexicalRank: null, vectorRank: null };
      out.set(id, e);
    }
    return e;
  };
  if (options.method === 'rrf') {
    lexical.forEach((hit, i) => {
      const e = entry(hit.id);
      e.lexicalRank = i + 1;
      e.score += options.lexicalWeight / (options.k + i + 1);
    });
    vectors.forEach((hit, i) => {
      const e = entry(hit.id);
      e.vectorRank = i + 1;
      e.score += options.vectorWeight / (options.k + i + 1);
    });
  } else {
    const lexMax = Math.max(0, ...lexical.map((h) => h.score));
    lexical.forEach((hit, i) => {
      const e = entry(hit.id);
      e.lexicalRank = i + 1;
      // Every lexical hit matched the query: it keeps a sliver of weight even when its rank is ~0.
      e.score += options.lexicalWeight * (lexMax > 0 ? Math.max(0.01, hit.score / lexMax) : 1);
    });
    // Normalized against the floor, not the pool's minimum: a lone weak hit does not get full weight.
    const vMax = Math.max(options.minSimilarity, ...vectors.map((h) => h.score));
    vectors.forEach((hit, i) => {
      const e = entry(hit.id);
      e.vectorRank = i + 1;
      const norm = vMax > options.minSimilarity ? (hit.score - options.minSimilarity) / (vMax - options.minSimilarity) : 1;
      e.score += options.vectorWeight * norm;
    });
  }
  return [...out.values()].filter((e) => e.score > 0).sort((a, b) => b.score - a.score || (a.lexicalRank ?? Infinity) - (b.lexicalRank ?? Infinity) || (a.vectorRank ?? Infinity) - (b.vectorRank ?? Infinity));
}
