/**
 * A synthetic recording at LLaVA-1.6 scale (L = 32, H = 32, Hkv = 8, D = 128, m = 2,900 with a
 * 2,880-token AnyRes image of five 24 × 24 tiles, G = 32) for the UI benchmark. Too large to build
 * from queries and keys in a page, so its Stats are generated directly with the right shapes and
 * structure: histograms whose post-vision sparsity at p = 1 % is dense in the first two layers and
 * 70–99 % after (not monotonic), heavy-tailed per-KV-head score vectors with the sums ALGORITHMS §7
 * requires (recall weights sum to g·G per KV head, the oracle to g), and causal overview maps. Tiles
 * are attention-like rows from a hash (each row sums to about one). Seeded and pure (no Node, no DOM).
 */
import { HIST_BINS, type Stats, WINDOW_SIZES } from '../../../../analysis/attention/stats';
import type { RecordingInfo } from '../../../../analysis/engine/api';
import { mulberry32 } from './syntheticRecording';

export const LLAVA = { L: 32, H: 32, Hkv: 8, D: 128, pre: 5, tiles: 5, side: 24, post: 15, G: 32 } as const;

export function llavaScaleRecording(seed = 20241030) {
  const { L, H, Hkv, D, pre, tiles, side, post, G } = LLAVA;
  const img = tiles * side * side;
  const m = pre + img + post;
  const n = m + G;
  const v = pre + img;
  const g = H / Hkv;
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const sparsity = Array.from({ length: L }, (_, l) => (l < 2 ? 0.35 + 0.1 * l : 0.7 + 0.29 * rand()));

  // Histograms: per row set, the visible-entry count spread over bins so that the share below
  // e_120 (p = 1 %) is the layer's sparsity, jittered per head.
  const hist = new Uint32Array(L * H * 3 * HIST_BINS);
  const visible = (a: number, b: number) => {
    let s = 0;
    for (let q = a; q < b; q++) s += q + 1;
    return s;
  };
  const totals = [visible(0, m), visible(v, m), visible(m, n)];
  for (let l = 0; l < L; l++)
    for (let h = 0; h < H; h++)
      for (let r = 0; r < 3; r++) {
        const s = Math.min(0.995, Math.max(0.05, sparsity[l] + 0.04 * gauss() - (r === 0 ? 0.3 : 0)));
        const total = totals[r];
        const base = ((l * H + h) * 3 + r) * HIST_BINS;
        const below = Math.round(total * s);
        // below e_120: bins 40..120; at or above: bins 121..161 (161 holds the row maxima).
        for (let b = 40; b <= 120; b++) hist[base + b] = Math.floor(below / 81);
        hist[base + 120] += below - 81 * Math.floor(below / 81);
        const rows = r === 0 ? m : r === 1 ? m - v : G;
        const above = total - below;
        hist[base + 161] = Math.min(rows, above);
        const rest = above - hist[base + 161];
        for (let b = 121; b < 161; b++) hist[base + b] = Math.floor(rest / 40);
        hist[base + 160] += rest - 40 * Math.floor(rest / 40);
      }

  const size = L * Hkv * m;
  const vector = (mass: number, sigma: number) => {
    const out = new Float32Array(size);
    const tmp = new Float64Array(m);
    for (let lg = 0; lg < L * Hkv; lg++) {
      let s = 0;
      for (let j = 0; j < m; j++) {
        let x = Math.exp(sigma * gauss());
        if (j < 4) x *= 50;
        if (j >= v) x *= 5;
        tmp[j] = x;
        s += x;
      }
      for (let j = 0; j < m; j++) out[lg * m + j] = (tmp[j] / s) * mass;
    }
    return out;
  };
  const windowSums: Record<number, Float32Array> = {};
  for (const w of WINDOW_SIZES) windowSums[w] = vector(g * w, 2.5);
  const keyNorm = new Float32Array(size);
  for (let i = 0; i < size; i++) keyNorm[i] = 8 + Math.abs(gauss());

  // Overview maps: causal, brighter near the diagonal and on the sink column.
  const R = 256;
  const overview = new Uint8Array(L * H * R * R);
  for (let lh = 0; lh < L * H; lh++) {
    const off = lh * R * R;
    for (let i = 0; i < R; i++)
      for (let k = 0; k <= i; k++) {
        const near = k === i ? 60 : k === 0 ? 50 : 0;
        overview[off + i * R + k] = Math.max(1, Math.min(255, 120 + near + Math.round(25 * gauss())));
      }
  }

  const stats: Stats = {
    dims: { L, H, Hkv, D, m, G },
    spec: {
      layers: L,
      heads: H,
      kvHeads: Hkv,
      headDim: D,
      scale: 1 / Math.sqrt(D),
      softcap: null,
      slidingWindow: Array(L).fill(null),
    },
    postVisionStart: v,
    hist,
    postVision: vector(g * post, 2.5),
    accumulated: vector(g * m, 2),
    lastQuery: vector(g, 3),
    keyNorm,
    windowSums,
    recallW: vector(g * G, 3),
    oracle: vector(g, 3),
    overviewSize: R,
    overview,
  };

  const tokens: RecordingInfo['tokens'] = [];
  for (let i = 0; i < pre; i++)
    tokens.push({ id: 1 + i, text: ['<s>', '[INST]', ' ', 'look', ':'][i], modality: 'text-pre' });
  for (let i = 0; i < img; i++) {
    const tile = Math.floor(i / (side * side));
    const k = i % (side * side);
    tokens.push({
      id: 32000,
      text: '<image>',
      modality: 'image',
      patch: { imageIndex: 0, tile, row: Math.floor(k / side), col: k % side, isNewline: false },
    });
  }
  for (let i = 0; i < post; i++) tokens.push({ id: 100 + i, text: ` w${i}`, modality: 'text-post' });
  for (let i = 0; i < G; i++) tokens.push({ id: 200 + i, text: ` y${i}`, modality: 'generated' });

  const info: RecordingInfo = {
    recordingId: `llava-scale-${seed}`,
    appVersion: '0.0.0-bench',
    createdAt: '2025-01-01T00:00:00.000Z',
    model: {
      name: 'llava-1.6-scale (synthetic)',
      family: 'llava',
      hashes: {},
      kvDtype: 'f16',
      imageGrid: { rows: side, cols: side, size: 336 },
    },
    prompt: 'look: describe the image',
    image: { png: new Uint8Array(0), sha256: '', width: 672, height: 672 },
    tokens,
    generation: {
      text: tokens
        .slice(m)
        .map((t) => t.text)
        .join(''),
      ids: tokens.slice(m).map((t) => t.id),
      stoppedBy: 'max-new-tokens',
    },
    provider: 'cpu',
    timings: { preprocess: 1, vision: 1, prefill: 1, decode: 1, statistics: 1 },
    dims: { L, H, Hkv, D, m, G, vocab: 32064 },
    spec: stats.spec,
    postVisionStart: v,
    qkDtype: 'f16',
    canEvaluate: false,
    unknownWords: [],
  };

  /** Attention-like rows: hashed weights over the visible keys, a sink and a diagonal, summing to ~1. */
  const tile = (layer: number, head: number | 'mean', rows: [number, number], cols: [number, number]) => {
    const w = cols[1] - cols[0];
    const out = new Float32Array((rows[1] - rows[0]) * w).fill(Number.NaN);
    const hh = head === 'mean' ? 0 : head + 1;
    for (let q = rows[0]; q < rows[1]; q++)
      for (let j = cols[0]; j < Math.min(cols[1], q + 1); j++) {
        let x = Math.imul((q * 73856093) ^ (j * 19349663) ^ (layer * 83492791 + hh), 0x9e3779b1) >>> 0;
        x = (x ^ (x >>> 15)) / 4294967296;
        const base = (2 * x ** 6) / (q + 1);
        out[(q - rows[0]) * w + (j - cols[0])] = j === 0 ? 0.2 : j === q ? 0.1 : base * 0.7;
      }
    return out;
  };
  return { info, stats, tile };
}
