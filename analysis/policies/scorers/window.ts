/**
 * SnapKV's observation-window score: the attention each earlier key receives from the last w prompt
 * rows, `s[j] = Σ_{h∈g} Σ_{q∈[m−w_obs, m)} A_h[q, j]` for j < m − w_obs, smoothed by a 1-D pooling of
 * odd kernel k (stride 1, same length) so that neighbours of a hit survive with it. Keys inside the
 * observation window score +∞: the window is always kept (kvpress pads it with the maximum score).
 *
 * Based on Li et al., "SnapKV: LLM Knows What You are Looking for Before Generation", NeurIPS 2024,
 * https://arxiv.org/abs/2404.14469 (§4.2, Algorithm 1); ALGORITHMS §3. PyramidKV reuses it with a
 * budget-dependent w.
 *
 * Parameters:
 * - `w` — observation window in rows, default 32; `w_obs = min(w, m − 1)`.
 * - `k` — pooling kernel in keys, odd, default 5 (1 = no pooling).
 * - `pool` — `avg`: zero padding, divisor k (padding included); `max`: −∞ padding. Default `avg`.
 *
 * Reads the unpooled sums `windowSums[w]` (precomputed for WINDOW_SIZES); other w raise
 * `MissingWindowSumsError` so the engine can compute them.
 */
import type { Stats } from '../../attention/stats';
import { MissingWindowSumsError } from '../errors';
import { aggregateGroups, type Granularity } from '../granularity';

export interface WindowParams {
  /** Observation window, rows. */
  w: number;
  /** Pooling kernel, keys (odd). */
  k: number;
  pool: 'avg' | 'max';
}

export const WINDOW_DEFAULTS: WindowParams = { w: 32, k: 5, pool: 'avg' };

/** w_obs = min(w, m − 1): at least one key stays outside the window. */
export function observationWindow(w: number, m: number): number {
  return Math.min(w, m - 1);
}

/** Pools s[0, n) into out[0, n) with kernel k (odd), stride 1, padding per `pool`. */
export function pool1d(
  s: Float32Array,
  sOff: number,
  n: number,
  k: number,
  pool: 'avg' | 'max',
  out: Float32Array,
  outOff: number,
): void {
  const r = (k - 1) >> 1;
  for (let j = 0; j < n; j++) {
    const a = Math.max(0, j - r);
    const b = Math.min(n - 1, j + r);
    if (pool === 'avg') {
      // Zero padding contributes nothing to the sum; the divisor stays k.
      let acc = 0;
      for (let i = a; i <= b; i++) acc += s[sOff + i];
      out[outOff + j] = acc / k;
    } else {
      // −∞ padding never wins, so the max runs over the in-range part only.
      let best = Number.NEGATIVE_INFINITY;
      for (let i = a; i <= b; i++) if (s[sOff + i] > best) best = s[sOff + i];
      out[outOff + j] = best;
    }
  }
}

export function windowScore(
  stats: Stats,
  params: WindowParams = WINDOW_DEFAULTS,
  granularity: Granularity = 'kvHead',
  windowSums: Record<number, Float32Array> = stats.windowSums,
): Float32Array {
  const sums = windowSums[params.w];
  if (!sums) throw new MissingWindowSumsError(params.w);
  const { L, Hkv, m } = stats.dims;
  const n = m - observationWindow(params.w, m);
  const out = new Float32Array(L * Hkv * m);
  for (let i = 0; i < L * Hkv; i++) {
    pool1d(sums, i * m, n, params.k, params.pool, out, i * m);
    out.fill(Number.POSITIVE_INFINITY, i * m + n, (i + 1) * m);
  }
  return aggregateGroups(out, stats.dims, granularity);
}
