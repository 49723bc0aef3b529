/**
 * The fixed histogram grid of ALGORITHMS §2: 20 bins per decade over x = log10(A / rowmax), edges
 * e_i = −8 + i/20 for i = 0..160 held as one f64 table. Bins: b_0 = {x < e_0} (which includes A = 0,
 * x = −∞), b_i = {e_{i−1} ≤ x < e_i}, b_161 = {x ≥ 0} (the row maxima). The edges are the only
 * threshold values the app offers, so a sparsity read from a histogram equals the direct count.
 */
import { HIST_BINS } from './stats';
import { InvalidThresholdError } from './errors';

/** Number of edges (e_0 … e_160). */
export const EDGE_COUNT = HIST_BINS - 1;

/**
 * The edge table. Built once as `−8 + i / 20` in f64 — the same two IEEE operations numpy performs — so
 * every implementation that follows the definition holds bit-identical edges.
 */
export const EDGES: Float64Array = (() => {
  const t = new Float64Array(EDGE_COUNT);
  for (let i = 0; i < EDGE_COUNT; i++) t[i] = -8 + i / 20;
  return t;
})();

/** Edge index of the default threshold p = 0.01 (e_120 = −2). */
export const DEFAULT_EDGE_INDEX = 120;

/** The edge table padded with +∞ to 256 entries, so the search below takes exactly 8 halving steps. */
const PADDED: Float64Array = (() => {
  const t = new Float64Array(256).fill(Number.POSITIVE_INFINITY);
  t.set(EDGES);
  return t;
})();

/**
 * The bin of x: the number of edges ≤ x, found by binary search over the table (never by arithmetic on
 * x, which would misplace values that sit on an edge). NaN is not a valid x and lands in bin 0.
 */
export function histogramBin(x: number): number {
  // Fast exits for the two open-ended bins: most entries of a sparse row are far below e_0.
  if (!(x >= EDGES[0])) return 0;
  if (x >= 0) return HIST_BINS - 1;
  // Invariant: PADDED[lo] ≤ x. Fixed steps with conditional moves instead of data-dependent branches
  // (~1.4× faster on random x); each step keeps lo or advances it by a power of two.
  let lo = 0;
  let t = 128;
  lo = PADDED[t] <= x ? t : lo;
  t = lo + 64;
  lo = PADDED[t] <= x ? t : lo;
  t = lo + 32;
  lo = PADDED[t] <= x ? t : lo;
  t = lo + 16;
  lo = PADDED[t] <= x ? t : lo;
  t = lo + 8;
  lo = PADDED[t] <= x ? t : lo;
  t = lo + 4;
  lo = PADDED[t] <= x ? t : lo;
  t = lo + 2;
  lo = PADDED[t] <= x ? t : lo;
  t = lo + 1;
  lo = PADDED[t] <= x ? t : lo;
  return lo + 1;
}

/** 10^{e_i} in f64, padded with +∞ like PADDED: the edges as ratios A / rowmax. */
const PADDED_RATIO: Float64Array = (() => {
  const t = new Float64Array(256).fill(Number.POSITIVE_INFINITY);
  for (let i = 0; i < EDGE_COUNT; i++) t[i] = 10 ** EDGES[i];
  return t;
})();

/**
 * Relative margin around a ratio threshold inside which the ratio search defers to the log. Math.log10
 * and 10^e are accurate to a few ulps (~1e-15 relative), far inside it.
 */
const RATIO_GUARD = 1e-12;

/**
 * histogramBin(logRatio(a, rowmax)), found by comparing r = a / rowmax with the edge table taken as
 * ratios 10^{e_i} — no logarithm per entry, which is most of the cost of a histogram. Where r lies
 * within 1e-12 (relative) of a ratio edge, the comparison could differ from comparing log10(r) with
 * e_i, so those entries take the exact path; every bin therefore equals the definition's.
 */
export function histogramBinOfRatio(a: number, rowmax: number): number {
  const r = a / rowmax;
  if (!(r >= PADDED_RATIO[0] * (1 + RATIO_GUARD))) {
    return r < PADDED_RATIO[0] * (1 - RATIO_GUARD) || !(r > 0) ? 0 : histogramBin(logRatio(a, rowmax));
  }
  if (r >= 1) return HIST_BINS - 1;
  let lo = 0;
  let t = 128;
  lo = PADDED_RATIO[t] <= r ? t : lo;
  t = lo + 64;
  lo = PADDED_RATIO[t] <= r ? t : lo;
  t = lo + 32;
  lo = PADDED_RATIO[t] <= r ? t : lo;
  t = lo + 16;
  lo = PADDED_RATIO[t] <= r ? t : lo;
  t = lo + 8;
  lo = PADDED_RATIO[t] <= r ? t : lo;
  t = lo + 4;
  lo = PADDED_RATIO[t] <= r ? t : lo;
  t = lo + 2;
  lo = PADDED_RATIO[t] <= r ? t : lo;
  t = lo + 1;
  lo = PADDED_RATIO[t] <= r ? t : lo;
  // PADDED_RATIO[lo] ≤ r < PADDED_RATIO[lo + 1]; too close to either bound → decide on the log.
  if (r < PADDED_RATIO[lo] * (1 + RATIO_GUARD) || r > PADDED_RATIO[lo + 1] * (1 - RATIO_GUARD))
    return histogramBin(logRatio(a, rowmax));
  return lo + 1;
}

/**
 * x = log10(a / rowmax) in f64 from the stored f32 values (ALGORITHMS §2); −∞ for a = 0. `rowmax` is
 * the row's largest probability, so x ≤ 0.
 */
export function logRatio(a: number, rowmax: number): number {
  return a > 0 ? Math.log10(a / rowmax) : Number.NEGATIVE_INFINITY;
}

/** The edge e_k as a number, for 0 ≤ k ≤ 160. */
export function edgeValue(k: number): number {
  checkEdgeIndex(k);
  return EDGES[k];
}

/** The threshold p = 10^{e_k} of edge k (a fraction of the row maximum). */
export function edgeToP(k: number): number {
  return 10 ** edgeValue(k);
}

export function checkEdgeIndex(k: number): void {
  if (!Number.isInteger(k) || k < 0 || k >= EDGE_COUNT)
    throw new InvalidThresholdError(`edge index ${k} is outside 0..${EDGE_COUNT - 1}`, k);
}
