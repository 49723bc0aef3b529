/**
 * Attention recall (ALGORITHMS §7): the share of the full-cache decode attention to prompt keys that
 * falls on kept keys, averaged over query heads and decode rows. It is linear in the kept set, so with
 * the per-KV-head weights w_{l,g}[j] = Σ_{h∈g} Σ_r A_h[r,j] / Σ_{j'<m} A_h[r,j'] from the Stats,
 *
 *   recall_l = (1/(H·G)) Σ_g Σ_{j∈kept(l,g)} w_{l,g}[j],
 *
 * and the overall recall is the mean over layers.
 *
 * The divisor used is Σ_g Σ_{j<m} w_{l,g}[j], summed in the same order as the kept keys. In exact
 * arithmetic it is H·G (each decode row's weights sum to one); taking the sum instead means the f32
 * rounding of the weights can never push a recall above 1 or make it decrease when a key is added
 * (sums of non-negative terms in a fixed order are monotone under IEEE rounding), a layer that keeps
 * every key has recall exactly 1, and a decode row that sees no prompt key (a sliding window) drops
 * out instead of counting as a miss. A layer with no weight at all has nothing to lose: recall 1.
 */
import type { KeptSets } from '../keptSet';
import { type LayerMetric, layerMetric } from './layerMetric';

/** Σ_g Σ_{j<m} w[l, g, j] per layer, in f64, group-major and by increasing position. */
export function recallTotals(weights: Float32Array, L: number, groups: number, m: number): Float64Array {
  const totals = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    let s = 0;
    for (let i = l * groups * m, e = (l + 1) * groups * m; i < e; i++) s += weights[i];
    totals[l] = s;
  }
  return totals;
}

/**
 * Per-layer recall of a kept-set family. `weights` is f32 [L, groups, m] at the kept sets'
 * granularity (the Stats' recallW, summed over KV heads at layer granularity); `totals` are its
 * `recallTotals` (computed here when omitted).
 */
export function attentionRecall(weights: Float32Array, kept: KeptSets, totals?: Float64Array): LayerMetric {
  const { L, groups, m, offsets, indices } = kept;
  const total = totals ?? recallTotals(weights, L, groups, m);
  const perLayer = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    if (kept.k[l] === m || total[l] === 0) {
      perLayer[l] = 1;
      continue;
    }
    let s = 0;
    for (let g = 0; g < groups; g++) {
      const base = (l * groups + g) * m;
      for (let i = offsets[l * groups + g], e = offsets[l * groups + g + 1]; i < e; i++)
        s += weights[base + indices[i]];
    }
    perLayer[l] = s / total[l];
  }
  return layerMetric(perLayer);
}
