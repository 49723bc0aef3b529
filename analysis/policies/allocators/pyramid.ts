/**
 * PyramidKV's schedule (ALGORITHMS §4.2): lower layers attend broadly and get more cache, upper
 * layers less, in an arithmetic progression from `w + max` (layer 0) to `w + min` (layer L−1) whose
 * mean is the per-layer budget B = T/L:
 *
 *   min = (B − w)/β,  max = 2(B − w) − min,  x_l = w + max − l·(max − min)/(L − 1),
 *
 * with max clamped to m − w (and min raised to keep the mean) so no layer asks for more than the
 * prompt; then largest-remainder rounding within [w, m] so Σ k_l = T. Falls back to uniform when
 * L = 1 or B ≤ w (no room above the window).
 *
 * Based on Cai et al., "PyramidKV: Dynamic KV Cache Compression based on Pyramidal Information
 * Funneling", https://arxiv.org/abs/2406.02069 (§3.3, Eq. 5–6), following KVCache-Factory's
 * schedule.
 *
 * Parameters:
 * - `beta` — ratio of the top of the pyramid to its bottom above the window, default 20 (≥ 1).
 * - `w` — window in tokens (recent and observation window), default `max(1, ⌊f·B/100⌋)` for the
 *   analysis's window fraction f in percent (PyramidKV's 10 %).
 */
import { largestRemainder } from './largestRemainder';
import { uniformAllocation } from './uniform';

export interface PyramidParams {
  beta: number;
  /** Explicit window in tokens; omitted = from the window fraction. */
  w?: number;
}

export const PYRAMID_DEFAULTS: PyramidParams = { beta: 20 };

export interface PyramidAllocation {
  k: Int32Array;
  /** The window w in force. */
  w: number;
  /** True when the schedule fell back to uniform (L = 1 or B ≤ w). */
  uniformFallback: boolean;
}

/** w = max(1, ⌊f·B/100⌋) with B = T/L, on integers: ⌊f·T / (100·L)⌋. */
export function pyramidWindow(total: number, L: number, windowFraction: number): number {
  return Math.max(1, Math.floor((windowFraction * total) / (100 * L)));
}

export function pyramidAllocation(
  total: number,
  L: number,
  m: number,
  params: PyramidParams = PYRAMID_DEFAULTS,
  windowFraction = 10,
): PyramidAllocation {
  const w = params.w ?? pyramidWindow(total, L, windowFraction);
  // B ≤ w ⇔ T ≤ w·L, compared on integers.
  if (L === 1 || total <= w * L) return { k: uniformAllocation(total, L), w, uniformFallback: true };
  const B = total / L;
  let min = (B - w) / params.beta;
  let max = 2 * (B - w) - min;
  if (max > m - w) {
    max = m - w;
    min = 2 * (B - w) - max;
  }
  const x = new Float64Array(L);
  // Written as (l·(max − min))/(L − 1) — the reference generator evaluates it in the same order.
  for (let l = 0; l < L; l++) x[l] = w + max - (l * (max - min)) / (L - 1);
  return { k: largestRemainder(x, total, m), w, uniformFallback: false };
}
