/**
 * `Stats`: the compact per-recording statistics of DESIGN.md §5, from which every view and every
 * policy is derived without touching O(L·H·m²) data. Plain objects of typed arrays, so a Stats value
 * can be posted to a worker, stored in a session file (`stats.*` tensors) and rebuilt from it.
 *
 * Layout conventions: row-major, outermost dimension first, e.g. `hist[((l*H + h)*3 + r)*162 + b]`.
 * All score-like vectors are per KV head: the sum over the g query heads of that KV head
 * (ALGORITHMS §3, head aggregation); layer granularity sums them over KV heads.
 */

/** Row sets of ALGORITHMS §2, in the order used by `hist`. */
export const ROW_SETS = ['prefill', 'postVision', 'decode'] as const;
export type RowSet = (typeof ROW_SETS)[number];

/** Number of histogram bins (ALGORITHMS §2: b_0 … b_161). */
export const HIST_BINS = 162;

/** Observation windows whose unpooled sums are precomputed, so SnapKV-style scoring is live. */
export const WINDOW_SIZES = [8, 16, 32, 64] as const;

/** Attention details the statistics must reproduce (from the model manifest). */
export interface AttentionSpec {
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** s of ALGORITHMS §1. */
  scale: number;
  softcap: number | null;
  /** One entry per layer: the sliding window W, or null for full causal attention. */
  slidingWindow: (number | null)[];
}

export interface StatsDims {
  L: number;
  H: number;
  Hkv: number;
  D: number;
  /** Prompt length. */
  m: number;
  /** Generated tokens (decode query rows are [m, m+G)). */
  G: number;
}

export interface Stats {
  dims: StatsDims;
  spec: AttentionSpec;
  /** v: first position after the last image token; post-vision rows are [v, m). v = m means τ = 0. */
  postVisionStart: number;
  /** u32 [L, H, 3, 162]: per (layer, head, row set) histogram over x = log10(A / rowmax). */
  hist: Uint32Array;
  /** f32 [L, Hkv, m]: Σ_{h∈g} Σ_{q∈[v,m)} A_h[q, j] (zeros when τ = 0). */
  postVision: Float32Array;
  /** f32 [L, Hkv, m]: Σ_{h∈g} Σ_{q<m} A_h[q, j]. */
  accumulated: Float32Array;
  /** f32 [L, Hkv, m]: Σ_{h∈g} A_h[m−1, j]. */
  lastQuery: Float32Array;
  /** f32 [L, Hkv, m]: ‖K_l,g[j]‖₂. */
  keyNorm: Float32Array;
  /**
   * Unpooled observation-window sums keyed by w: f32 [L, Hkv, m], Σ_{h∈g} Σ_{q∈[m−w_obs, m)} A_h[q, j]
   * with w_obs = min(w, m−1), for every j < m (the scorer sets j ≥ m − w_obs to +∞ and pools).
   * Built for WINDOW_SIZES; other w are added on demand (`addWindowSums`).
   */
  windowSums: Record<number, Float32Array>;
  /** f32 [L, Hkv, m]: recall weights w_{l,g}[j] of ALGORITHMS §7. */
  recallW: Float32Array;
  /** f32 [L, Hkv, m]: CacheHitRate oracle o_{l,g}[j] = Σ_{h∈g} A_h[m, j]. */
  oracle: Float32Array;
  /** Side R of the square overview maps (R = min(256, m + G)). */
  overviewSize: number;
  /**
   * u8 [L, H, R, R]: max-pooled log-quantised overview maps; pixel (i, k) covers rows
   * [⌊i·n/R⌋, ⌊(i+1)·n/R⌋) and columns likewise (n = m + G). 0 = no visible entry ("no data");
   * 1..255 map log10(A) linearly from −8 (1) to 0 (255).
   */
  overview: Uint8Array;
}
