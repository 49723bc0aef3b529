/**
 * VL-Cache's sparsity-aware allocation (ALGORITHMS §4.3): layers whose post-vision attention is
 * dense need more cache. With the post-vision layer sparsity γ'_l at threshold pAlloc and the density
 * d_l = 1 − γ'_l, the budget of a layer is proportional to its density, clipped to [1 %, 100 %].
 *
 * - `renormalize` (default): `x_l = clip(λ*·d_l·m, lo, hi)` with lo = max(1, ⌊min(0.01, T/(L·m))·m⌋),
 *   hi = m, and λ* solved exactly so that Σ x_l = T (the clipped sum is piecewise linear and
 *   non-decreasing in λ; it is solved on its breakpoints lo/(d_l·m), hi/(d_l·m)); then
 *   largest-remainder rounding, so the total is exactly T. Keeps the paper's shape and its budget.
 * - `paper-literal`: Algorithm 1 as reimplementations restate it, `β_l = clip(d_l/Σd·α·L, 0.01, 1)`,
 *   `k_l = max(1, ⌊β_l·m⌋)`; the total drifts from T and is reported.
 * - `windowOutside` (EffiVLM-Bench): β from 0.9·α clipped to [0.009, 1], plus a recent window of
 *   ⌊0.1·α·m⌋ tokens in every layer, outside the β share: `k_l = min(m, max(1, ⌊β_l·m⌋) + window)`.
 *
 * Here α = T/(L·m), the realised budget fraction.
 *
 * Based on Tu et al., "VL-Cache", ICLR 2025, https://arxiv.org/abs/2410.23317 (§4.1, Algorithm 1).
 *
 * Parameters: `mode` — one of the three above, default `renormalize`. The threshold pAlloc is an
 * analysis parameter (edge index of the histogram grid, default p = 1 %).
 */
import type { Stats } from '../../attention/stats';
import { EmptyPostVisionError } from '../errors';
import { layerSparsity } from '../histogramSparsity';
import { largestRemainder } from './largestRemainder';

export type SparsityAwareMode = 'renormalize' | 'paper-literal' | 'windowOutside';

export const SPARSITY_AWARE_MODES: readonly SparsityAwareMode[] = [
  'renormalize',
  'paper-literal',
  'windowOutside',
];

export interface SparsityAwareParams {
  mode: SparsityAwareMode;
}

export const SPARSITY_AWARE_DEFAULTS: SparsityAwareParams = { mode: 'renormalize' };

export interface SparsityAwareAllocation {
  k: Int32Array;
  /** windowOutside: the recent window every layer keeps outside its β share; else null. */
  window: number | null;
}

/**
 * d_l = 1 − γ(l, post-vision, e_edge) from the histogram prefix table; raises EmptyPostVisionError
 * when the prompt has no post-vision rows.
 */
export function postVisionDensity(stats: Stats, prefix: Float64Array, edge: number): Float64Array {
  const { m } = stats.dims;
  const gamma = stats.postVisionStart < m ? layerSparsity(prefix, stats.dims, 'postVision', edge) : null;
  if (!gamma) throw new EmptyPostVisionError('sparsityAware allocator', m, stats.postVisionStart);
  const d = new Float64Array(gamma.length);
  for (let l = 0; l < d.length; l++) d[l] = 1 - gamma[l];
  return d;
}

const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

/**
 * λ* with Σ_l clip(λ·d_l·m, lo, hi) = T, exact on the breakpoints. Requires d_l > 0 and
 * L·lo ≤ T ≤ L·hi (true for every resolved budget: lo ≤ T/L and hi = m).
 */
export function solveLambda(d: Float64Array, m: number, lo: number, hi: number, total: number): number {
  const L = d.length;
  const bps: number[] = [];
  for (let l = 0; l < L; l++) bps.push(lo / (d[l] * m), hi / (d[l] * m));
  bps.sort((a, b) => a - b);
  const sumAt = (lambda: number) => {
    let s = 0;
    for (let l = 0; l < L; l++) s += clip(lambda * d[l] * m, lo, hi);
    return s;
  };
  // At the first breakpoint every layer sits at lo, so the sum is L·lo ≤ T.
  if (sumAt(bps[0]) >= total) return bps[0];
  let i = 1;
  while (i < bps.length - 1 && sumAt(bps[i]) < total) i++;
  // On (bps[i−1], bps[i]) the sum is linear: clamped layers are constants, free ones grow with λ.
  const a = bps[i - 1];
  const b = bps[i];
  let constant = 0;
  let slope = 0;
  for (let l = 0; l < L; l++) {
    const lower = lo / (d[l] * m);
    const upper = hi / (d[l] * m);
    if (upper <= a) constant += hi;
    else if (lower >= b) constant += lo;
    else slope += d[l] * m;
  }
  return (total - constant) / slope;
}

export function sparsityAwareAllocation(
  density: Float64Array,
  total: number,
  m: number,
  params: SparsityAwareParams = SPARSITY_AWARE_DEFAULTS,
): SparsityAwareAllocation {
  const L = density.length;
  const alpha = total / (L * m);
  if (params.mode === 'renormalize') {
    // ⌊min(0.01, T/(L·m))·m⌋ on integers: T/L when T/(L·m) < 1 %, else m/100.
    const lo = Math.max(1, 100 * total < L * m ? Math.floor(total / L) : Math.floor(m / 100));
    const hi = m;
    const lambda = solveLambda(density, m, lo, hi, total);
    const x = new Float64Array(L);
    for (let l = 0; l < L; l++) x[l] = clip(lambda * density[l] * m, lo, hi);
    return { k: largestRemainder(x, total, hi), window: null };
  }
  let sumD = 0;
  for (let l = 0; l < L; l++) sumD += density[l];
  const k = new Int32Array(L);
  if (params.mode === 'paper-literal') {
    for (let l = 0; l < L; l++) {
      const beta = clip((density[l] / sumD) * alpha * L, 0.01, 1);
      k[l] = Math.max(1, Math.floor(beta * m));
    }
    return { k, window: null };
  }
  // windowOutside: ⌊0.1·α·m⌋ = ⌊T/(10·L)⌋ on integers.
  const window = Math.floor(total / (10 * L));
  for (let l = 0; l < L; l++) {
    const beta = clip((density[l] / sumD) * (0.9 * alpha) * L, 0.009, 1);
    k[l] = Math.min(m, Math.max(1, Math.floor(beta * m)) + window);
  }
  return { k, window };
}
