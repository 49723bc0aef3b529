/**
 * One call of `decoder.onnx` (docs/model-package.md) with a per-layer KV cache whose lengths may
 * differ by layer. The same call serves prefill (empty past), greedy decode (n = 1), teacher forcing
 * (n > 1 against a compressed cache) and decoding under a policy (key_bias or a compacted cache).
 */
import * as ort from 'onnxruntime-node';
import type { ImageTokenMixes } from '../attention/imageLayout';
import { f32Data, ioTensor } from './ioTensor';
import type { LoadedModel } from './loadedModel';

/** One layer's cache: key and value f32 [Hkv, T, D] (keys after rotary embedding). */
export interface LayerCache {
  key: Float32Array;
  value: Float32Array;
  length: number;
}

export interface DecoderCall {
  /** f32 [n, hidden]. */
  embeds: Float32Array;
  n: number;
  /** Absolute positions of the n new tokens (eviction never renumbers positions). */
  positions: number[];
  past: LayerCache[];
  /** Optional per layer f32 [Hkv, T_l + n]: 0 keep, −Infinity evicted. Zeros when absent. */
  keyBias?: (Float32Array | null)[];
  /** Skip copying queries out (they are still computed by the graph). */
  withQueries?: boolean;
}

export interface DecoderResult {
  /** f32 [n, vocab] (or [1, vocab] for logitsLastOnly models). */
  logits: Float32Array;
  present: LayerCache[];
  /** Per layer f32 [H, n, D], when asked for. */
  queries: Float32Array[];
}

export function emptyCache(layers: number): LayerCache[] {
  return Array.from({ length: layers }, () => ({
    key: new Float32Array(0),
    value: new Float32Array(0),
    length: 0,
  }));
}

export async function runDecoder(model: LoadedModel, call: DecoderCall): Promise<DecoderResult> {
  const m = model.manifest;
  const { kvHeads: Hkv, headDim: D, hidden, layers: L } = m;
  const { n } = call;
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: ioTensor(m, call.embeds, [1, n, hidden]),
    position_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from(call.positions, (p) => BigInt(p)),
      [1, n],
    ),
  };
  for (let l = 0; l < L; l++) {
    const c = call.past[l];
    feeds[`past_key_values.${l}.key`] = ioTensor(m, c.key, [1, Hkv, c.length, D]);
    feeds[`past_key_values.${l}.value`] = ioTensor(m, c.value, [1, Hkv, c.length, D]);
    const bias = call.keyBias?.[l] ?? new Float32Array(Hkv * (c.length + n));
    feeds[`key_bias.${l}`] = ioTensor(m, bias, [1, Hkv, 1, c.length + n]);
  }
  const fetch = [
    'logits',
    ...Array.from({ length: L }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat(),
  ];
  if (call.withQueries) for (let l = 0; l < L; l++) fetch.push(`queries.${l}`);
  const out = await model.sessions.decoder.run(feeds, fetch);
  const present: LayerCache[] = [];
  for (let l = 0; l < L; l++) {
    present.push({
      key: f32Data(out[`present.${l}.key`]),
      value: f32Data(out[`present.${l}.value`]),
      length: call.past[l].length + n,
    });
  }
  const queries = call.withQueries ? Array.from({ length: L }, (_, l) => f32Data(out[`queries.${l}`])) : [];
  return { logits: f32Data(out.logits), present, queries };
}

/** Embeddings of token ids through `embed.onnx`: f32 [n, hidden]. */
export async function embedTokens(model: LoadedModel, ids: number[]): Promise<Float32Array> {
  const out = await model.sessions.embed.run({
    input_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from(ids, (i) => BigInt(i)),
      [1, ids.length],
    ),
  });
  return f32Data(out.inputs_embeds);
}

/**
 * Image features through `vision.onnx`: pixel_values f32 [tiles, 3, size, size] → image_features
 * f32 [1, count, hidden] (count = tiles · rows · cols for anyres, per tile in tile order), and the
 * `image_newline` vector [hidden] when the graph has it.
 */
export async function encodeImage(
  model: LoadedModel,
  pixels: Float32Array,
  size: number,
  tiles = 1,
): Promise<{ features: Float32Array; count: number; newline: Float32Array | null }> {
  const session = model.sessions.vision;
  const fetch = ['image_features'];
  if (session.outputNames.includes('image_newline')) fetch.push('image_newline');
  const out = await session.run(
    { pixel_values: new ort.Tensor('float32', pixels, [tiles, 3, size, size]) },
    fetch,
  );
  const t = out.image_features;
  const newline = out.image_newline ? f32Data(out.image_newline) : null;
  return { features: f32Data(t), count: Number(t.dims[1]), newline };
}

/**
 * The image tokens' embeddings f32 [n_img, hidden] packed from the vision output, per token either
 * feature row sources[i] or the newline vector where it is −1 (imageTokenSources), or — given
 * imageTokenMixes — the weighted sum of its terms (OneVision's downsampled grid). A weighted token is
 * accumulated in f64 in term order and rounded to f32 once, as the Python reference (apply_terms in
 * tools/hf/verify_llava_onevision.py) does; a single weight-1 term is copied, so packages without
 * downsampling pack bit for bit as before.
 */
export function packImageFeatures(
  tokens: Int32Array | ImageTokenMixes,
  features: Float32Array,
  newline: Float32Array | null,
  hidden: number,
): Float32Array {
  const mix =
    tokens instanceof Int32Array
      ? {
          offsets: Int32Array.from({ length: tokens.length + 1 }, (_, i) => i),
          sources: tokens,
          weights: new Float64Array(tokens.length).fill(1),
        }
      : tokens;
  const n = mix.offsets.length - 1;
  const rows = features.length / hidden;
  const out = new Float32Array(n * hidden);
  const acc = new Float64Array(hidden);
  const row = (i: number, s: number) => {
    if (s < 0) {
      if (!newline || newline.length !== hidden)
        throw new Error(`vision.onnx gave no image_newline of ${hidden} values for the newline tokens`);
      return newline;
    }
    if (s >= rows) throw new Error(`image token ${i} needs feature row ${s}; vision.onnx gave ${rows}`);
    return features.subarray(s * hidden, (s + 1) * hidden);
  };
  for (let i = 0; i < n; i++) {
    const a = mix.offsets[i];
    const b = mix.offsets[i + 1];
    if (b - a === 1 && mix.weights[a] === 1) {
      out.set(row(i, mix.sources[a]), i * hidden);
      continue;
    }
    acc.fill(0);
    for (let k = a; k < b; k++) {
      const f = row(i, mix.sources[k]);
      const w = mix.weights[k];
      for (let j = 0; j < hidden; j++) acc[j] += w * f[j];
    }
    out.set(acc, i * hidden);
  }
  return out;
}

/** Row r of a [rows, vocab] logits block: argmax (ties to the lower id) and log-softmax in f64. */
export function argmax(logits: Float32Array, row: number, vocab: number): number {
  let best = 0;
  let bestV = Number.NEGATIVE_INFINITY;
  const o = row * vocab;
  for (let v = 0; v < vocab; v++) {
    if (logits[o + v] > bestV) {
      bestV = logits[o + v];
      best = v;
    }
  }
  return best;
}

export function logSoftmax(logits: Float32Array, row: number, vocab: number): Float64Array {
  const o = row * vocab;
  let max = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < vocab; v++) max = Math.max(max, logits[o + v]);
  let sum = 0;
  for (let v = 0; v < vocab; v++) sum += Math.exp(logits[o + v] - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(vocab);
  for (let v = 0; v < vocab; v++) out[v] = logits[o + v] - lse;
  return out;
}
