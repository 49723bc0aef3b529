/**
 * The hand-computed recording the attention tests share (not a test file itself).
 *
 * m = 8 prompt tokens: text 0..2, a 3-token image span 3..5, post-vision text 6..7 (v = 6, τ = 2),
 * then G = 2 generated tokens (decode rows 8, 9): n = 10. H = 4 query heads, Hkv = 2 (g = 2), D = 2,
 * scale s = 1. Keys and queries are chosen so every probability is a fraction:
 *   KV head 0: K[j] = (ln w_j, 0), w = [4, 1, 1, 2, 1, 1, 1, 1, 1, 1]
 *   KV head 1: K[j] = (0, ln u_j), u = [1, 1, 2, 1, 1, 1, 2, 1, 3, 1]
 *   head 0 (KV 0): q = (1, 0)  → A₀[q, j] = w_j / W_q,  W_q = Σ_{j≤q} w_j = 4, 5, 6, 8, 9, 10, 11, 12, 13, 14
 *   head 1 (KV 0): q = (0, 0)  → A₁[q, j] = 1 / (q + 1)  (uniform)
 *   head 2 (KV 1): q = (0, 1)  → A₂[q, j] = u_j / U_q,  U_q = 1, 2, 4, 5, 6, 7, 9, 10, 13, 14
 *   head 3 (KV 1): q = (0, 2)  → A₃[q, j] = u_j² / V_q, V_q = Σ u² = 1, 2, 6, 7, 8, 9, 13, 14, 23, 24
 * (every row q uses the same query vector, so Q_h[q] does not depend on q).
 */
import type { AttentionSpec } from '../../../../analysis/attention/stats';
import type { LayerTensors } from '../../../../analysis/attention/layerTensors';
import type { StatsLayout } from '../../../../analysis/attention/statsLayout';

export const W = [4, 1, 1, 2, 1, 1, 1, 1, 1, 1];
export const U = [1, 1, 2, 1, 1, 1, 2, 1, 3, 1];
export const m = 8;
export const G = 2;
export const n = m + G;
export const v = 6;
const QUERY = [
  [1, 0],
  [0, 0],
  [0, 1],
  [0, 2],
];

export function handSpec(overrides: Partial<AttentionSpec> = {}): AttentionSpec {
  return {
    layers: 1,
    heads: 4,
    kvHeads: 2,
    headDim: 2,
    scale: 1,
    softcap: null,
    slidingWindow: [null],
    ...overrides,
  };
}

export const handLayout: StatsLayout = { m, G, postVisionStart: v };

export function handTensors(): LayerTensors {
  const keys = new Float32Array(2 * n * 2);
  for (let j = 0; j < n; j++) {
    keys[j * 2] = Math.log(W[j]);
    keys[(n + j) * 2 + 1] = Math.log(U[j]);
  }
  const queries = new Float32Array(4 * n * 2);
  for (let h = 0; h < 4; h++)
    for (let q = 0; q < n; q++) {
      queries[(h * n + q) * 2] = QUERY[h][0];
      queries[(h * n + q) * 2 + 1] = QUERY[h][1];
    }
  return { queries, keys };
}

const prefix = (xs: number[], q: number) => xs.slice(0, q + 1).reduce((a, b) => a + b, 0);

/** A_h[q, j] by the closed forms above (full causal attention, no softcap). */
export function handProb(h: number, q: number, j: number): number {
  if (j > q) return 0;
  if (h === 0) return W[j] / prefix(W, q);
  if (h === 1) return 1 / (q + 1);
  if (h === 2) return U[j] / prefix(U, q);
  return (
    (U[j] * U[j]) /
    prefix(
      U.map((u) => u * u),
      q,
    )
  );
}
