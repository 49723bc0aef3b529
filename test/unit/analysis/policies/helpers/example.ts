/**
 * The hand-computed example of the unit tests: m = 8 prompt tokens — text [0, 3), a 3-token image
 * [3, 6), 2 post-vision rows [6, 8) (v = 6, τ = 2) — and G = 2 decode rows [8, 10); H = 4 query heads
 * on Hkv = 2 KV heads (g = 2: heads 0, 1 → KV head 0; heads 2, 3 → KV head 1); L = 2 layers.
 *
 * Attention rows (every value below is exact in binary or a tenth, so sums are easy by hand):
 * - layer 0, rows 6, 7, 8, 9 are "peaked": one key gets `peak`, every other visible key gets 0.1
 *   (row 6: 7 keys, peak 0.4 = 1 − 6·0.1; row 7: 8 keys, peak 0.3 = 1 − 7·0.1;
 *    rows 8, 9 (decode): 9 and 10 keys, peak 0.2 and 0.1 — row 9 is uniform);
 * - every other row (and all of layer 1) is uniform: A[q, j] = 1/(q + 1).
 *
 * Peak keys by head (layer 0):        row 6   row 7   row 8
 *   head 0 (KV 0)                      4       4       4
 *   head 1 (KV 0)                      1       5       1
 *   head 2 (KV 1)                      3       3       3
 *   head 3 (KV 1)                      6       7       0
 */
import { statsFromAttention } from './stats';

export const EXAMPLE_DIMS = { L: 2, H: 4, Hkv: 2, D: 2, m: 8, G: 2 };
export const EXAMPLE_V = 6;

const PEAK_KEY: Record<number, number[]> = { 6: [4, 1, 3, 6], 7: [4, 5, 3, 7], 8: [4, 1, 3, 0] };
const PEAK: Record<number, number> = { 6: 0.4, 7: 0.3, 8: 0.2 };

export function exampleAttention(l: number, h: number, q: number, j: number): number {
  if (l === 0 && PEAK_KEY[q]) return j === PEAK_KEY[q][h] ? PEAK[q] : 0.1;
  return 1 / (q + 1);
}

/** ‖K_{l,g}[j]‖ = 1 + j/8 on KV head 0, 2 − j/8 on KV head 1 (both layers). */
export const exampleKeyNorm = (_l: number, g: number, j: number) => (g === 0 ? 1 + j / 8 : 2 - j / 8);

export function exampleStats(postVisionStart = EXAMPLE_V) {
  return statsFromAttention({
    dims: EXAMPLE_DIMS,
    postVisionStart,
    attention: exampleAttention,
    keyNorm: exampleKeyNorm,
  });
}
