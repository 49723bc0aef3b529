/**
 * Attention recall and policy-mode CacheHitRate of the same kept sets in one pass over their
 * indices: the hot path of a budget change, where every preset's sets are new. Same definitions,
 * same summation order and same results as `attentionRecall` and `policyHitRate` (tested equal);
 * reading each kept position once instead of twice is what this file is for.
 */
import type { KeptSets } from '../keptSet';
import type { Ranking } from '../ranking';
import { type LayerMetric, layerMetric } from './layerMetric';

export interface KeptMetrics {
  recall: LayerMetric;
  hitRate: LayerMetric;
}

export function keptMetrics(
  kept: KeptSets,
  weights: Float32Array,
  totals: Float64Array,
  oracle: Ranking,
): KeptMetrics {
  const { L, groups, m, offsets, indices } = kept;
  const rank = oracle.rank;
  const recall = new Float64Array(L);
  const hitRate = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    const k = kept.k[l];
    let s = 0;
    let hits = 0;
    for (let g = 0; g < groups; g++) {
      const base = (l * groups + g) * m;
      for (let i = offsets[l * groups + g], e = offsets[l * groups + g + 1]; i < e; i++) {
        const j = base + indices[i];
        s += weights[j];
        // (rank − k) is negative exactly when j is in the oracle's top k: its sign bit is the hit,
        // taken without a branch (hits are close to a coin flip, so a branch mispredicts often).
        hits += (rank[j] - k) >>> 31;
      }
    }
    recall[l] = k === m || totals[l] === 0 ? 1 : s / totals[l];
    hitRate[l] = hits / (k * groups);
  }
  return { recall: layerMetric(recall), hitRate: layerMetric(hitRate) };
}
