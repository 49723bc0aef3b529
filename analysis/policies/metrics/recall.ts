/**
 * Attention recall (ALGORITHMS §7): the share of the full-cache decode attention to prompt keys that
 * falls on kept keys, averaged over query heads and decode rows. It is linear in the kept set, so with
 * the per-KV-head weights w_{l,g}[j] = Σ_{h∈g} Σ_r A_h[r,j] / Σ_{j'<m} A_h[r,j'] from the Stats,
 *
 *   recall_l = (1/(H·G)) Σ_g Σ_{j∈kept(l,g)} w_{l,g}[j],
 *
 * and the overall recall is the mean over layers. A layer that keeps all m prompt keys has recall 1
 * by definition (the ratio's numerator is its denominator); it is returned as exactly 1 rather than
 * as a sum of f32 weights.
 */
import type { KeptSets } from '../keptSet';
import { type LayerMetric, layerMetric } from './layerMetric';

/**
 * Per-layer recall of a kept-set family. `weights` is f32 [L, groups, m] at the kept sets'
 * granularity (the Stats' recallW, summed over KV heads at layer granularity).
 */
export function attentionRecall(weights: Float32Array, kept: KeptSets, H: number, G: number): LayerMetric {
  const { L, groups, m, offsets, indices } = kept;
  const perLayer = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    if (kept.k[l] === m) {
      perLayer[l] = 1;
      continue;
    }
    let s = 0;
    for (let g = 0; g < groups; g++) {
      const base = (l * groups + g) * m;
      for (let i = offsets[l * groups + g], e = offsets[l * groups + g + 1]; i < e; i++)
        s += weights[base + indices[i]];
    }
    perLayer[l] = s / (H * G);
  }
  return layerMetric(perLayer);
}
