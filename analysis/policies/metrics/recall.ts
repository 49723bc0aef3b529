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
import type { Ranking } from '../ranking';
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

/**
 * f64 [rows, m + 1] running sums of an f32 [rows, m] tensor, along positions or, given a ranking's
 * order, along ranks: out[r·(m+1) + i] = Σ_{i' < i} w[r, order[i']].
 */
export function prefixSums(weights: Float32Array, rows: number, m: number, order?: Int32Array): Float64Array {
  const out = new Float64Array(rows * (m + 1));
  for (let r = 0; r < rows; r++) {
    const src = r * m;
    const dst = r * (m + 1);
    let s = 0;
    for (let i = 0; i < m; i++) out[dst + i + 1] = s += weights[src + (order ? order[src + i] : i)];
  }
  return out;
}

/**
 * Recall of the kept sets `selectKept(ranking, k, W)` would build, without building them (for
 * recall curves): the kept keys below the window are the first t ranked positions minus those in the
 * window, so their weight is byRank[t] − (weight of window positions ranked before t), and the window
 * adds byPosition[m] − byPosition[m − W]. Equal to `attentionRecall` of those sets up to the order of
 * summation (≈ 1e-16); clamped to 1 against that rounding.
 */
export function rankedRecall(
  ranking: Ranking,
  weights: Float32Array,
  byRank: Float64Array,
  byPosition: Float64Array,
  totals: Float64Array,
  k: Int32Array,
  W: Int32Array,
): LayerMetric {
  const { groups, m, order } = ranking;
  const L = k.length;
  const perLayer = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    if (k[l] === m || totals[l] === 0) {
      perLayer[l] = 1;
      continue;
    }
    const cut = m - W[l];
    const need = k[l] - W[l];
    let s = 0;
    for (let g = 0; g < groups; g++) {
      const base = (l * groups + g) * m;
      const row = (l * groups + g) * (m + 1);
      let t = 0;
      let skipped = 0;
      for (let seen = 0; seen < need; t++) {
        const j = order[base + t];
        if (j < cut) seen++;
        else skipped += weights[base + j];
      }
      s += byRank[row + t] - skipped + (byPosition[row + m] - byPosition[row + cut]);
    }
    perLayer[l] = Math.min(1, s / totals[l]);
  }
  return layerMetric(perLayer);
}

/** Recall of kept sets [0, k_l − tail_l) ∪ [m − tail_l, m) (StreamingLLM) from positional sums. */
export function rangeRecall(
  byPosition: Float64Array,
  totals: Float64Array,
  k: Int32Array,
  tail: Int32Array,
  groups: number,
  m: number,
): LayerMetric {
  const L = k.length;
  const perLayer = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    if (k[l] === m || totals[l] === 0) {
      perLayer[l] = 1;
      continue;
    }
    let s = 0;
    for (let g = 0; g < groups; g++) {
      const row = (l * groups + g) * (m + 1);
      s += byPosition[row + k[l] - tail[l]] + (byPosition[row + m] - byPosition[row + m - tail[l]]);
    }
    perLayer[l] = Math.min(1, s / totals[l]);
  }
  return layerMetric(perLayer);
}
