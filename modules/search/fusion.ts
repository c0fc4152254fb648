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
 * Defaults fitted by `npm run eval:search` on the labelled set built from the fixtures (see
 * bench/eval-search.ts): the offline embedder is much weaker than full-text on chat turns, so the
 * lexical signal leads and the vector signal adds what words miss.
 */
export const DEFAULT_FUSION: FusionOptions = { method: 'score', lexicalWeight: 0.7, vectorWeight: 0.3, k: 60, minSimilarity: 0.3 };

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
      e.score += options.lexicalWeight * (lexMax > 0 ? hit.score / lexMax : 0);
    });
    const sims = vectors.map((h) => h.score);
    const vMax = Math.max(...sims);
    const vMin = Math.min(...sims);
    vectors.forEach((hit, i) => {
      const e = entry(hit.id);
      e.vectorRank = i + 1;
      const norm = vMax > vMin ? (hit.score - vMin) / (vMax - vMin) : 1;
      e.score += options.vectorWeight * norm;
    });
  }
  return [...out.values()].sort((a, b) => b.score - a.score || (a.lexicalRank ?? Infinity) - (b.lexicalRank ?? Infinity) || (a.vectorRank ?? Infinity) - (b.vectorRank ?? Infinity));
}
