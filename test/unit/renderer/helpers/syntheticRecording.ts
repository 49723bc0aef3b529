/**
 * A small synthetic recording for renderer tests, previews and the UI benchmark: random queries and
 * keys shaped like a LLaVA-style prompt (text prefix, an image patch grid, a question, generated
 * tokens), run through the analysis core's real Stats builder and tile function. Image rows get
 * low-norm queries (diffuse attention), text and decode rows queries aimed at a few keys (peaked
 * attention), and position 0 is a sink — so sparsity differs by row set the way the paper describes.
 * Seeded (mulberry32), so every run builds the same recording. Pure: no Node, no DOM.
 */
import { buildStats } from '../../../../analysis/attention/buildStats';
import { getTile } from '../../../../analysis/attention/getTile';
import type { LayerTensors } from '../../../../analysis/attention/layerTensors';
import type { AttentionSpec, Stats } from '../../../../analysis/attention/stats';
import type { RecordingInfo } from '../../../../analysis/engine/api';

export interface SyntheticOptions {
  L?: number;
  H?: number;
  Hkv?: number;
  D?: number;
  /** Patch grid side (rows = cols). */
  grid?: number;
  textPre?: number;
  textPost?: number;
  G?: number;
  seed?: number;
}

export interface SyntheticRecording {
  info: RecordingInfo;
  stats: Stats;
  spec: AttentionSpec;
  tensors: LayerTensors[];
  tile(layer: number, head: number | 'mean', rows: [number, number], cols: [number, number]): Float32Array;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const WORDS = ['what', 'colour', 'is', 'the', 'triangle', '?', 'where', 'circle', 'how', 'many'];
const ANSWER = ['the', 'triangle', 'is', 'red', '.', '</s>', 'and', 'blue'];

export function syntheticRecording(o: SyntheticOptions = {}): SyntheticRecording {
  const L = o.L ?? 2;
  const H = o.H ?? 4;
  const Hkv = o.Hkv ?? 2;
  const D = o.D ?? 8;
  const grid = o.grid ?? 4;
  const pre = o.textPre ?? 3;
  const post = o.textPost ?? 5;
  const G = o.G ?? 3;
  const rand = mulberry32(o.seed ?? 7);
  const img = grid * grid;
  const m = pre + img + post;
  const n = m + G;
  const v = pre + img;
  const spec: AttentionSpec = {
    layers: L,
    heads: H,
    kvHeads: Hkv,
    headDim: D,
    scale: 1 / Math.sqrt(D),
    softcap: null,
    slidingWindow: Array.from({ length: L }, () => null),
  };
  const tensors: LayerTensors[] = [];
  for (let l = 0; l < L; l++) {
    const keys = new Float32Array(Hkv * n * D);
    for (let i = 0; i < keys.length; i++) keys[i] = gaussian(rand);
    // The sink: position 0's key is large along a shared direction every query leans towards.
    for (let g = 0; g < Hkv; g++) keys[g * n * D] = 6;
    const queries = new Float32Array(H * n * D);
    const g = H / Hkv;
    for (let h = 0; h < H; h++) {
      const kv = Math.floor(h / g);
      for (let q = 0; q < n; q++) {
        const off = (h * n + q) * D;
        const isImage = q >= pre && q < v;
        // Deeper layers and decode rows are sharper; layer 0 stays dense, as in the paper's Fig. 2.
        const sharp = isImage ? 0.3 : l === 0 ? 0.6 : 1.6 + 0.3 * l;
        for (let d = 0; d < D; d++) queries[off + d] = 0.3 * gaussian(rand);
        queries[off] += isImage ? 0.2 : 0.8;
        if (!isImage) {
          // Aim at two earlier keys (favouring image patches near the centre for text rows).
          for (let t = 0; t < 2; t++) {
            const target =
              q > pre ? pre + Math.floor(rand() * Math.min(img, q - pre)) : Math.floor(rand() * (q + 1));
            const kOff = (kv * n + Math.min(target, q)) * D;
            for (let d = 0; d < D; d++) queries[off + d] += sharp * keys[kOff + d];
          }
        }
      }
    }
    tensors.push({ queries, keys });
  }
  const stats = buildStats(spec, { m, G, postVisionStart: v }, (l) => tensors[l]);
  const tokens: RecordingInfo['tokens'] = [];
  for (let i = 0; i < pre; i++)
    tokens.push({ id: 10 + i, text: i === 0 ? '<s>' : (['USER', ':'][i - 1] ?? 'x'), modality: 'text-pre' });
  for (let i = 0; i < img; i++)
    tokens.push({
      id: 3,
      text: '<image>',
      modality: 'image',
      patch: { imageIndex: 0, tile: 0, row: Math.floor(i / grid), col: i % grid, isNewline: false },
    });
  for (let i = 0; i < post; i++)
    tokens.push({ id: 40 + i, text: ` ${WORDS[i % WORDS.length]}`, modality: 'text-post' });
  const genIds: number[] = [];
  for (let i = 0; i < G; i++) {
    genIds.push(60 + i);
    tokens.push({ id: 60 + i, text: ` ${ANSWER[i % ANSWER.length]}`, modality: 'generated' });
  }
  const info: RecordingInfo = {
    recordingId: `synthetic-${o.seed ?? 7}`,
    appVersion: '0.0.0-test',
    createdAt: '2025-01-01T00:00:00.000Z',
    model: {
      name: 'synthetic-vlm',
      family: 'llava',
      hashes: {},
      kvDtype: 'f32',
      imageGrid: { rows: grid, cols: grid, size: grid * 14 },
    },
    prompt: WORDS.slice(0, post).join(' '),
    image: { png: new Uint8Array(0), sha256: '', width: grid * 14, height: grid * 14 },
    tokens,
    generation: { text: ANSWER.slice(0, G).join(' '), ids: genIds, stoppedBy: 'max-new-tokens' },
    provider: 'cpu',
    timings: { preprocess: 3, vision: 10, prefill: 20, decode: 30, statistics: 15 },
    dims: { L, H, Hkv, D, m, G, vocab: 100 },
    spec: { ...spec, slidingWindow: spec.slidingWindow.map(() => null) },
    postVisionStart: v,
    qkDtype: 'f32',
    canEvaluate: false,
    unknownWords: [],
  };
  return {
    info,
    stats,
    spec,
    tensors,
    tile: (layer, head, rows, cols) => getTile(spec, tensors[layer], layer, head, rows, cols),
  };
}
