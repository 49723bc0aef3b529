/**
 * A small, complete Recording for session-file tests: every field filled, tensors of the right shapes
 * holding seeded random values (mulberry32), a real PNG for the image. The statistics are random
 * rather than computed — the session format stores whatever Stats it is given, and random values
 * catch any mix-up between tensors that computed ones (often zero or symmetric) would hide.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { overviewSize } from '../../analysis/attention/overviewMap';
import {
  type AttentionSpec,
  HIST_BINS,
  ROW_SETS,
  type Stats,
  WINDOW_SIZES,
} from '../../analysis/attention/stats';
import type { Recording, RecordingDims, TokenInfo } from '../../analysis/record/recording';
import { crc32 } from '../../analysis/session/crc32';
import { f16ToF32Array, f32ToF16Array, toF16Bits } from '../../analysis/session/float16';

export interface SyntheticRecordingOptions {
  seed?: number;
  qkDtype?: 'f16' | 'f32';
  /** Window sizes whose sums the Stats hold (default WINDOW_SIZES). */
  windows?: readonly number[];
  /** Image patch grid (rows × cols image tokens); the prompt is 3 text + grid + 5 text tokens. */
  grid?: { rows: number; cols: number };
  G?: number;
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

/** A valid RGB PNG of random pixels (8-bit, no interlace, filter 0 on every row). */
export function tinyPng(width: number, height: number, rand: () => number): Uint8Array {
  const raw = new Uint8Array(height * (1 + 3 * width));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < 3 * width; x++) raw[y * (1 + 3 * width) + 1 + x] = Math.floor(rand() * 256);
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', new Uint8Array(deflateSync(raw))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    png.set(p, at);
    at += p.length;
  }
  return png;
}

/** L=2, H=4, Hkv=2, D=8, m=20 (3 text, 3×4 image, 5 text), G=3, vocab=16 by default. */
export function syntheticRecording(o: SyntheticRecordingOptions = {}): Recording {
  const rand = mulberry32(o.seed ?? 1);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const grid = o.grid ?? { rows: 3, cols: 4 };
  const pre = 3;
  const post = 5;
  const G = o.G ?? 3;
  const m = pre + grid.rows * grid.cols + post;
  const dims: RecordingDims = { L: 2, H: 4, Hkv: 2, D: 8, m, G, vocab: 16 };
  const { L, H, Hkv, D, vocab } = dims;
  const n = m + G;
  const qkDtype = o.qkDtype ?? 'f16';
  const spec: AttentionSpec = {
    layers: L,
    heads: H,
    kvHeads: Hkv,
    headDim: D,
    scale: 1 / Math.sqrt(D),
    softcap: null,
    slidingWindow: [null, 16],
  };

  const randomF32 = (length: number, scale = 1) => {
    const a = new Float32Array(length);
    for (let i = 0; i < length; i++) a[i] = scale * normal();
    // Stored as f16: keep them exactly representable, as the recorder does.
    return qkDtype === 'f16' ? f16ToF32Array(f32ToF16Array(a)) : a;
  };
  const queries = Array.from({ length: L }, () => randomF32(H * n * D));
  const keys = Array.from({ length: L }, () => randomF32(Hkv * n * D));
  const logprobs = new Uint16Array(G * vocab);
  for (let i = 0; i < logprobs.length; i++) logprobs[i] = toF16Bits(-12 * rand());

  const vec = () => {
    const a = new Float32Array(L * Hkv * m);
    for (let i = 0; i < a.length; i++) a[i] = rand() * 4;
    return a;
  };
  const hist = new Uint32Array(L * H * ROW_SETS.length * HIST_BINS);
  for (let i = 0; i < hist.length; i++) hist[i] = Math.floor(rand() * 1000);
  const windowSums: Record<number, Float32Array> = {};
  for (const w of o.windows ?? WINDOW_SIZES) windowSums[w] = vec();
  const R = overviewSize(n);
  const overview = new Uint8Array(L * H * R * R);
  for (let i = 0; i < overview.length; i++) overview[i] = Math.floor(rand() * 256);
  const postVisionStart = pre + grid.rows * grid.cols;
  const stats: Stats = {
    dims: { L, H, Hkv, D, m, G },
    spec: { ...spec, slidingWindow: [...spec.slidingWindow] },
    postVisionStart,
    hist,
    postVision: vec(),
    accumulated: vec(),
    lastQuery: vec(),
    keyNorm: vec(),
    windowSums,
    recallW: vec(),
    oracle: vec(),
    overviewSize: R,
    overview,
  };

  const tokens: TokenInfo[] = [];
  for (const [i, text] of ['<s>', 'USER', ':'].entries())
    tokens.push({ id: 1 + i, text, modality: 'text-pre' });
  for (let i = 0; i < grid.rows * grid.cols; i++)
    tokens.push({
      id: 4,
      text: '<image>',
      modality: 'image',
      patch: { imageIndex: 0, tile: 0, row: Math.floor(i / grid.cols), col: i % grid.cols, isNewline: false },
    });
  for (const [i, text] of [' what', ' colour', ' is', ' it', '?'].entries())
    tokens.push({ id: 5 + i, text, modality: 'text-post' });
  const ids = Array.from({ length: G }, (_, t) => 10 + (t % 6));
  for (const id of ids) tokens.push({ id, text: ` w${id}`, modality: 'generated' });

  const png = tinyPng(8, 6, rand);
  return {
    appVersion: '0.1.0-test',
    createdAt: '2025-03-04T05:06:07.000Z',
    model: {
      name: 'synthetic-vlm',
      family: 'llava',
      hashes: { 'decoder.onnx': `sha256:${'ab'.repeat(32)}` },
      kvDtype: 'f16',
      imageGrid: { rows: grid.rows, cols: grid.cols, size: 56 },
    },
    prompt: 'what colour is it?',
    image: { png, sha256: createHash('sha256').update(png).digest('hex'), width: 8, height: 6 },
    tokens,
    generation: { text: ids.map((id) => ` w${id}`).join(''), ids, stoppedBy: 'max-new-tokens' },
    provider: 'cpu',
    timings: { preprocess: 1.5, prefill: 12, decode: 30 },
    dims,
    spec,
    postVisionStart,
    qkDtype,
    queries,
    keys,
    logprobs,
    stats,
  };
}
