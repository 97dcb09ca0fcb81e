/** k of reciprocal rank fusion (Cormack et al. 2009): 60 damps the weight of the very top ranks. */
export const RRF_K = 60;

export interface Fused {
  key: string;
  score: number;
}

/**
 * Reciprocal rank fusion: score(d) = Σ 1 / (k + rank_i(d)) over the ranked lists holding d (rank from 1).
 * Done in code: this Elasticsearch build has no `rrf` retriever. Ties keep the order of first appearance.
 */
export function reciprocalRankFusion(lists: string[][], k = RRF_K): Fused[] {
  const scores = new Map<string, number>();
  for (const list of lists) list.forEach((key, i) => scores.set(key, (scores.get(key) ?? 0) + 1 / (k + i + 1)));
  return [...scores].map(([key, score]) => ({ key, score })).sort((a, b) => b.score - a.score);
}
