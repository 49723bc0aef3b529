/**
 * Sparsity read from the per-recording histograms (ALGORITHMS §2): at threshold edge e_k the number
 * of sparse entries is the cumulative count Σ_{i≤k} b_i, exactly the direct count.
 *
 * Thresholds are edge indices k ∈ [0, 160] of the fixed grid e_k = −8 + k/20 (p = 10^{e_k}), which
 * belongs to analysis/attention (histogramGrid.ts). analysis/attention's `sparsityProfile` gives the
 * same values (tested equal) by summing up to 162 bins per head; this reader sums once into a prefix
 * table per recording, so a threshold-slider move costs one read per (layer, head).
 */
import { DEFAULT_EDGE_INDEX, EDGE_COUNT } from '../attention/histogramGrid';
import { HIST_BINS, ROW_SETS, type RowSet, type StatsDims } from '../attention/stats';

/** Number of threshold edges e_0 … e_160. */
export const THRESHOLD_EDGE_COUNT = EDGE_COUNT;

/** Edge index of the default threshold p = 0.01 (e_120 = −2). */
export const DEFAULT_THRESHOLD_EDGE = DEFAULT_EDGE_INDEX;

/** f64 [L, H, 3, 162] running sums of `hist` along the bins (f64: prefill counts reach m²/2). */
export function histogramPrefix(hist: Uint32Array): Float64Array {
  const out = new Float64Array(hist.length);
  for (let base = 0; base < hist.length; base += HIST_BINS) {
    let acc = 0;
    for (let b = 0; b < HIST_BINS; b++) out[base + b] = acc += hist[base + b];
  }
  return out;
}

/**
 * γ(l, h, R, e_k) = #{visible entries with x < e_k} / #{visible entries}; null when the row set has
 * no visible entries (the post-vision rows of a prompt with τ = 0).
 */
export function headSparsity(
  prefix: Float64Array,
  dims: StatsDims,
  l: number,
  h: number,
  rowSet: RowSet,
  edge: number,
): number | null {
  const base = ((l * dims.H + h) * ROW_SETS.length + ROW_SETS.indexOf(rowSet)) * HIST_BINS;
  const total = prefix[base + HIST_BINS - 1];
  return total > 0 ? prefix[base + edge] / total : null;
}

/** Layer sparsity γ(l, R, e_k) = mean over query heads, per layer; null when R has no entries. */
export function layerSparsity(
  prefix: Float64Array,
  dims: StatsDims,
  rowSet: RowSet,
  edge: number,
): Float64Array | null {
  const out = new Float64Array(dims.L);
  for (let l = 0; l < dims.L; l++) {
    let acc = 0;
    for (let h = 0; h < dims.H; h++) {
      const s = headSparsity(prefix, dims, l, h, rowSet, edge);
      if (s === null) return null;
      acc += s;
    }
    out[l] = acc / dims.H;
  }
  return out;
}
