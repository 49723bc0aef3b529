/**
 * ThresholdFilter(A, p) of ALGORITHMS §2 (VL-Cache's definition): keep A[q, j] when
 * A[q, j] ≥ p · max_j' A[q, j'], else 0 — relative to the row maximum, not an absolute cut.
 * `thresholdFilterAtEdge` is the same filter at an edge of the histogram grid, decided on
 * x = log10(A / rowmax) ≥ e_k exactly as the sparsity counts are, so the zeros it leaves are precisely
 * the entries `headSparsity` counts as sparse.
 */
import { edgeValue, logRatio } from './histogramGrid';
import { InvalidThresholdError } from './errors';

function rowMax(row: Float32Array): number {
  let mx = 0;
  for (let j = 0; j < row.length; j++) if (row[j] > mx) mx = row[j];
  return mx;
}

/** A copy of one row's visible probabilities with the entries below p·rowmax set to 0. */
export function thresholdFilter(row: Float32Array, p: number): Float32Array {
  if (!(p >= 0 && p <= 1)) throw new InvalidThresholdError(`threshold ${p} is outside [0, 1]`, p);
  const cut = p * rowMax(row);
  return row.map((a) => (a >= cut ? a : 0));
}

/** A copy of one row with every entry whose x < e_k set to 0. */
export function thresholdFilterAtEdge(row: Float32Array, k: number): Float32Array {
  const e = edgeValue(k);
  const mx = rowMax(row);
  return row.map((a) => (logRatio(a, mx) < e ? 0 : a));
}
