/**
 * Test-side Stats builders, written independently of analysis/attention (ALGORITHMS §1, §2, §7):
 *
 * - `makeStats`: a Stats value with given vectors and zeros elsewhere (for hand-computed cases
 *   that exercise one field at a time);
 * - `statsFromAttention`: every field from explicit attention probabilities A_h[q, j] over the
 *   m + G query rows (hand-written matrices, or the softmax below);
 * - `statsFromQK`: A from queries/keys in f64 (causal softmax, grouped-query heads, optional
 *   softcap and sliding window), then `statsFromAttention`.
 *
 * The overview maps are left at zero: the policies never read them.
 */
import {
  HIST_BINS,
  ROW_SETS,
  type Stats,
  type StatsDims,
  WINDOW_SIZES,
} from '../../../../../analysis/attention/stats';

/** e_i = −8 + i/20, i = 0..160 (ALGORITHMS §2). */
export const EDGES: number[] = Array.from({ length: HIST_BINS - 1 }, (_, i) => -8 + i / 20);

/** The bin of x = log10(A / rowmax): the first i with x < e_i, else 161 (x ≥ 0). */
export function binOf(x: number): number {
  for (let i = 0; i < EDGES.length; i++) if (x < EDGES[i]) return i;
  return HIST_BINS - 1;
}

export function isVisible(q: number, j: number, slidingWindow: number | null): boolean {
  return j <= q && (slidingWindow === null || q - slidingWindow < j);
}

export interface MakeStatsInput {
  dims: StatsDims;
  postVisionStart?: number;
  slidingWindow?: (number | null)[];
  hist?: Uint32Array;
  postVision?: ArrayLike<number>;
  accumulated?: ArrayLike<number>;
  lastQuery?: ArrayLike<number>;
  keyNorm?: ArrayLike<number>;
  windowSums?: Record<number, ArrayLike<number>>;
  recallW?: ArrayLike<number>;
  oracle?: ArrayLike<number>;
}

/** A Stats value from the given fields (zeros for the rest; every window size present). */
export function makeStats(input: MakeStatsInput): Stats {
  const { L, H, Hkv, D, m, G } = input.dims;
  const n = L * Hkv * m;
  const vec = (v?: ArrayLike<number>) => {
    const out = new Float32Array(n);
    if (v) out.set(Array.from(v));
    return out;
  };
  const windowSums: Record<number, Float32Array> = {};
  for (const w of WINDOW_SIZES) windowSums[w] = vec(input.windowSums?.[w]);
  for (const [w, v] of Object.entries(input.windowSums ?? {})) windowSums[Number(w)] = vec(v);
  const R = Math.min(256, m + G);
  return {
    dims: { L, H, Hkv, D, m, G },
    spec: {
      layers: L,
      heads: H,
      kvHeads: Hkv,
      headDim: D,
      scale: 1 / Math.sqrt(D),
      softcap: null,
      slidingWindow: input.slidingWindow ?? new Array(L).fill(null),
    },
    postVisionStart: input.postVisionStart ?? m,
    hist: input.hist ?? new Uint32Array(L * H * ROW_SETS.length * HIST_BINS),
    postVision: vec(input.postVision),
    accumulated: vec(input.accumulated),
    lastQuery: vec(input.lastQuery),
    keyNorm: vec(input.keyNorm),
    windowSums,
    recallW: vec(input.recallW),
    oracle: vec(input.oracle),
    overviewSize: R,
    overview: new Uint8Array(L * H * R * R),
  };
}

export interface AttentionInput {
  dims: StatsDims;
  postVisionStart: number;
  slidingWindow?: (number | null)[];
  /** A(l, h, q, j) for visible (q, j), q ∈ [0, m+G). */
  attention: (l: number, h: number, q: number, j: number) => number;
  /** ‖K_{l,g}[j]‖₂ for prompt keys. */
  keyNorm?: (l: number, g: number, j: number) => number;
  /** Window sizes to sum besides WINDOW_SIZES. */
  extraWindows?: number[];
}

/** Every Stats field from attention probabilities, in f64, stored as the contract's dtypes. */
export function statsFromAttention(input: AttentionInput): Stats {
  const { dims, postVisionStart: v } = input;
  const { L, H, Hkv, m, G } = dims;
  const g = H / Hkv;
  const n = m + G;
  const sw = input.slidingWindow ?? new Array(L).fill(null);
  const size = L * Hkv * m;
  const postVision = new Float64Array(size);
  const accumulated = new Float64Array(size);
  const lastQuery = new Float64Array(size);
  const recallW = new Float64Array(size);
  const oracle = new Float64Array(size);
  const keyNorm = new Float64Array(size);
  const windows = [...new Set([...WINDOW_SIZES, ...(input.extraWindows ?? [])])];
  const windowSums: Record<number, Float64Array> = {};
  for (const w of windows) windowSums[w] = new Float64Array(size);
  const hist = new Uint32Array(L * H * ROW_SETS.length * HIST_BINS);
  for (let l = 0; l < L; l++) {
    const W = sw[l];
    for (let h = 0; h < H; h++) {
      const base = (l * Hkv + Math.floor(h / g)) * m;
      for (let q = 0; q < n; q++) {
        const row: number[] = [];
        for (let j = 0; j <= q; j++) row.push(isVisible(q, j, W) ? input.attention(l, h, q, j) : Number.NaN);
        const rowMax = Math.max(...row.filter((a) => !Number.isNaN(a)));
        const sets = [q < m ? 0 : -1, q >= v && q < m ? 1 : -1, q >= m ? 2 : -1].filter((r) => r >= 0);
        for (let j = 0; j <= q; j++) {
          const a = row[j];
          if (Number.isNaN(a)) continue;
          const bin = binOf(a === 0 ? Number.NEGATIVE_INFINITY : Math.log10(a / rowMax));
          for (const r of sets) hist[((l * H + h) * ROW_SETS.length + r) * HIST_BINS + bin]++;
          if (j >= m) continue;
          if (q < m) accumulated[base + j] += a;
          if (q >= v && q < m) postVision[base + j] += a;
          if (q === m - 1) lastQuery[base + j] += a;
          if (q === m) oracle[base + j] += a;
          for (const w of windows) {
            const wObs = Math.min(w, m - 1);
            if (q >= m - wObs && q < m) windowSums[w][base + j] += a;
          }
        }
        if (q >= m) {
          let toPrompt = 0;
          for (let j = 0; j < m; j++) if (!Number.isNaN(row[j])) toPrompt += row[j];
          if (toPrompt > 0)
            for (let j = 0; j < m; j++) if (!Number.isNaN(row[j])) recallW[base + j] += row[j] / toPrompt;
        }
      }
    }
    for (let kv = 0; kv < Hkv; kv++)
      for (let j = 0; j < m; j++) keyNorm[(l * Hkv + kv) * m + j] = input.keyNorm?.(l, kv, j) ?? 0;
  }
  const stats = makeStats({
    dims,
    postVisionStart: v,
    slidingWindow: sw,
    hist,
    postVision,
    accumulated,
    lastQuery,
    keyNorm,
    recallW,
    oracle,
    windowSums,
  });
  return stats;
}

export interface QK {
  dims: StatsDims;
  /** Q[l][h][q][d], q ∈ [0, m+G). */
  Q: number[][][][];
  /** K[l][kv][j][d], j ∈ [0, m+G). */
  K: number[][][][];
  postVisionStart: number;
  slidingWindow?: (number | null)[];
  softcap?: number | null;
  extraWindows?: number[];
}

/** f64 causal softmax over visible keys, z = s·⟨q, k⟩ (then softcap), max-subtracted. */
export function attentionFromQK(qk: QK): (l: number, h: number, q: number, j: number) => number {
  const { L, H, Hkv, D, m, G } = qk.dims;
  const g = H / Hkv;
  const n = m + G;
  const s = 1 / Math.sqrt(D);
  const sw = qk.slidingWindow ?? new Array(L).fill(null);
  const probs: Float64Array[][] = [];
  for (let l = 0; l < L; l++) {
    probs.push([]);
    for (let h = 0; h < H; h++) {
      const A = new Float64Array(n * n);
      for (let q = 0; q < n; q++) {
        const z = new Float64Array(q + 1).fill(Number.NEGATIVE_INFINITY);
        let zMax = Number.NEGATIVE_INFINITY;
        for (let j = 0; j <= q; j++) {
          if (!isVisible(q, j, sw[l])) continue;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += qk.Q[l][h][q][d] * qk.K[l][Math.floor(h / g)][j][d];
          let zj = s * dot;
          if (qk.softcap) zj = qk.softcap * Math.tanh(zj / qk.softcap);
          z[j] = zj;
          zMax = Math.max(zMax, zj);
        }
        let sum = 0;
        for (let j = 0; j <= q; j++) if (z[j] > Number.NEGATIVE_INFINITY) sum += Math.exp(z[j] - zMax);
        for (let j = 0; j <= q; j++)
          if (z[j] > Number.NEGATIVE_INFINITY) A[q * n + j] = Math.exp(z[j] - zMax) / sum;
      }
      probs[l].push(A);
    }
  }
  return (l, h, q, j) => probs[l][h][q * n + j];
}

export function statsFromQK(qk: QK): Stats {
  const norm = (l: number, kv: number, j: number) => Math.hypot(...qk.K[l][kv][j]);
  return statsFromAttention({
    dims: qk.dims,
    postVisionStart: qk.postVisionStart,
    slidingWindow: qk.slidingWindow,
    attention: attentionFromQK(qk),
    keyNorm: norm,
    extraWindows: qk.extraWindows,
  });
}

/** mulberry32: a tiny seeded PRNG for reproducible test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random Q/K with a tunable spread (larger = peakier attention). */
export function randomQK(
  dims: StatsDims,
  seed: number,
  postVisionStart: number,
  spread = 2,
  slidingWindow?: (number | null)[],
): QK {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const { L, H, Hkv, D, m, G } = dims;
  const n = m + G;
  const tensor = (heads: number) =>
    Array.from({ length: L }, () =>
      Array.from({ length: heads }, () =>
        Array.from({ length: n }, () => Array.from({ length: D }, () => spread * gauss())),
      ),
    );
  return { dims, Q: tensor(H), K: tensor(Hkv), postVisionStart, slidingWindow };
}
