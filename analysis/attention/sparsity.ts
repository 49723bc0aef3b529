/**
 * Sparsity read from the Stats histograms (ALGORITHMS §2): an entry is sparse at edge e_k iff
 * x = log10(A / rowmax) < e_k, i.e. iff its bin is ≤ k, so
 * γ(l, h, R, e_k) = Σ_{i≤k} b_i / Σ_i b_i over visible entries only, exactly equal to the direct count
 * (`sparsityDirect`). Layer sparsity is the mean over query heads. An empty row set (post-vision with
 * τ = 0) raises EmptyRowSetError rather than returning NaN.
 */
import { HIST_BINS, type RowSet, type Stats } from './stats';
import { checkEdgeIndex } from './histogramGrid';
import { histOffset } from './statsIndex';
import { EmptyRowSetError } from './errors';

export interface SparseCount {
  /** Visible entries with x < e_k. */
  sparse: number;
  /** All visible entries of the row set. */
  total: number;
}

/** Σ_{i≤k} b_i and Σ_i b_i of one histogram (162 bins starting at `offset`). */
export function countSparseInHist(hist: Uint32Array, offset: number, k: number): SparseCount {
  checkEdgeIndex(k);
  let sparse = 0;
  let total = 0;
  for (let b = 0; b < HIST_BINS; b++) {
    const c = hist[offset + b];
    total += c;
    if (b <= k) sparse += c;
  }
  return { sparse, total };
}

/** The counts behind γ(l, h, R, e_k). */
export function sparseCount(
  stats: Stats,
  layer: number,
  head: number,
  rowSet: RowSet,
  k: number,
): SparseCount {
  return countSparseInHist(stats.hist, histOffset(stats.dims, layer, head, rowSet), k);
}

/** γ(l, h, R, p = 10^{e_k}). */
export function headSparsity(stats: Stats, layer: number, head: number, rowSet: RowSet, k: number): number {
  const { sparse, total } = sparseCount(stats, layer, head, rowSet, k);
  if (total === 0) throw new EmptyRowSetError(rowSet, layer, head);
  return sparse / total;
}

/** γ(l, R, p) = mean over query heads of γ(l, h, R, p). */
export function layerSparsity(stats: Stats, layer: number, rowSet: RowSet, k: number): number {
  let s = 0;
  for (let h = 0; h < stats.dims.H; h++) s += headSparsity(stats, layer, h, rowSet, k);
  return s / stats.dims.H;
}

/** γ(l, R, p) for every layer (the sparsity profile view). */
export function sparsityProfile(stats: Stats, rowSet: RowSet, k: number): Float64Array {
  const out = new Float64Array(stats.dims.L);
  for (let l = 0; l < stats.dims.L; l++) out[l] = layerSparsity(stats, l, rowSet, k);
  return out;
}

/** Whether a row set has rows (only post-vision can be empty: τ = 0). */
export function rowSetAvailable(stats: Stats, rowSet: RowSet): boolean {
  return rowSet !== 'postVision' || stats.postVisionStart < stats.dims.m;
}
