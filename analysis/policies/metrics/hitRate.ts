/**
 * CacheHitRate (VL-Cache paper, Def. 3.1; ALGORITHMS §7): how much of what the first decode query
 * actually attends to a policy keeps. The oracle is the attention of row q = m restricted to prompt
 * keys, per KV group o_{l,g}[j] = Σ_{h∈g} A_h[m, j] (summed over all heads at layer granularity);
 * TopK of the oracle breaks ties to the lower position, as every ranking here does.
 *
 * - scorer mode (the paper's Fig. 3): k = max(1, ⌊T/L⌋), no windows,
 *   CHR_l = (1/groups) Σ_g |TopK(score_{l,g}, k) ∩ TopK(o_{l,g}, k)| / k;
 * - policy mode: CHR_l = (1/groups) Σ_g |kept(l,g) ∩ TopK(o_{l,g}, k_l)| / k_l.
 *
 * Both are counts over k entries given the precomputed oracle ranking: j is in TopK(o, k) iff its
 * oracle rank is below k.
 */
import type { KeptSets } from '../keptSet';
import type { Ranking } from '../ranking';
import { type LayerMetric, layerMetric } from './layerMetric';

/** k of scorer mode: max(1, ⌊T/L⌋). */
export function scorerModeK(total: number, L: number): number {
  return Math.max(1, Math.floor(total / L));
}

export function policyHitRate(kept: KeptSets, oracle: Ranking): LayerMetric {
  const { L, groups, m, offsets, indices } = kept;
  const perLayer = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    const k = kept.k[l];
    let hits = 0;
    for (let g = 0; g < groups; g++) {
      const base = (l * groups + g) * m;
      for (let i = offsets[l * groups + g], e = offsets[l * groups + g + 1]; i < e; i++)
        hits += (oracle.rank[base + indices[i]] - k) >>> 31; // 1 iff rank < k, without a branch
    }
    perLayer[l] = hits / (k * groups);
  }
  return layerMetric(perLayer);
}

export function scorerHitRate(scorer: Ranking, oracle: Ranking, k: number, L: number): LayerMetric {
  const { groups, m } = scorer;
  const perLayer = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    let hits = 0;
    for (let g = 0; g < groups; g++) {
      const base = (l * groups + g) * m;
      for (let i = 0; i < k; i++) hits += (oracle.rank[base + scorer.order[base + i]] - k) >>> 31;
    }
    perLayer[l] = hits / (k * groups);
  }
  return layerMetric(perLayer);
}
