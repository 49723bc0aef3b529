/**
 * Attention probabilities of one query row (ALGORITHMS §1): z[q,j] = s·⟨Q_h[q], K_⌊h/g⌋[j]⟩, then
 * softcap·tanh(z/softcap) when the model has a softcap, then a softmax over the visible keys with the
 * row maximum subtracted. Key j is visible to q iff j ≤ q and, with a sliding window W, q − W < j;
 * invisible keys do not exist (neither zeros nor counted). Decode rows (q ≥ m) see prompt and earlier
 * generated keys alike, since the recorded tensors hold all n = m + G positions.
 *
 * The probabilities are produced as f32 — the values every statistic reads. The dot products, the
 * exponentials and the normaliser are evaluated in JavaScript's f64 before that single rounding: f32
 * arithmetic would cost a `Math.fround` per operation and only move the result further from the f64
 * reference that §9 measures against.
 */
import type { AttentionSpec } from './stats';
import { type LayerTensors, positionsOf } from './layerTensors';
import { slidingWindowOf } from './statsLayout';
import { InvalidRangeError } from './errors';

/** First key visible to query row q under a sliding window W (null: full causal attention). */
export function firstVisibleKey(q: number, window: number | null): number {
  return window === null ? 0 : Math.max(0, q - window + 1);
}

/** The query row widened to f64 once per row (module scratch: the builders are single-threaded). */
let qScratch = new Float64Array(128);

/**
 * The kernel every builder, tile and test goes through. Writes A[q, j] for j ∈ [start, end) into
 * `out[start..end)` (end = q + 1) and returns the row maximum of the stored f32 values.
 * `qOff` is the offset of Q_h[q] in `queries`; `kBase` the offset of K_g[0] in `keys`; `z` is scratch
 * of length ≥ end.
 */
export function computeRow(
  queries: Float32Array,
  qOff: number,
  keys: Float32Array,
  kBase: number,
  D: number,
  start: number,
  end: number,
  scale: number,
  softcap: number | null,
  z: Float64Array,
  out: Float32Array,
): number {
  if (qScratch.length < D) qScratch = new Float64Array(D);
  const qv = qScratch;
  for (let d = 0; d < D; d++) qv[d] = queries[qOff + d];
  let zmax = Number.NEGATIVE_INFINITY;
  for (let j = start; j < end; j++) {
    // Four partial sums: independent chains let the JIT overlap the multiply-adds (~1.6× here).
    let k = kBase + j * D;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let d = 0;
    for (; d + 3 < D; d += 4, k += 4) {
      a0 += qv[d] * keys[k];
      a1 += qv[d + 1] * keys[k + 1];
      a2 += qv[d + 2] * keys[k + 2];
      a3 += qv[d + 3] * keys[k + 3];
    }
    for (; d < D; d++, k++) a0 += qv[d] * keys[k];
    let zj = scale * (a0 + a1 + (a2 + a3));
    if (softcap !== null) zj = softcap * Math.tanh(zj / softcap);
    z[j] = zj;
    if (zj > zmax) zmax = zj;
  }
  let sum = 0;
  for (let j = start; j < end; j++) {
    const e = Math.exp(z[j] - zmax);
    z[j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  let amax = 0;
  for (let j = start; j < end; j++) {
    out[j] = z[j] * inv;
    // Read back the stored (rounded) value: the row maximum must be the f32 one the histogram divides by.
    if (out[j] > amax) amax = out[j];
  }
  return amax;
}

export interface AttentionRow {
  /** First visible key; the row covers keys [start, q]. */
  start: number;
  /** A[q, start..q], f32, summing to 1 up to rounding. */
  values: Float32Array;
}

/** A[q, ·] for layer l, query head h and query position q of a recording's tensors. */
export function attentionRow(
  spec: AttentionSpec,
  tensors: LayerTensors,
  layer: number,
  head: number,
  q: number,
): AttentionRow {
  const n = positionsOf(spec, tensors);
  const { heads: H, kvHeads: Hkv, headDim: D } = spec;
  if (!Number.isInteger(head) || head < 0 || head >= H)
    throw new InvalidRangeError('head', [head, head + 1], H);
  if (!Number.isInteger(q) || q < 0 || q >= n) throw new InvalidRangeError('query row', [q, q + 1], n);
  const g = H / Hkv;
  const start = firstVisibleKey(q, slidingWindowOf(spec, layer));
  const out = new Float32Array(q + 1);
  const z = new Float64Array(q + 1);
  computeRow(
    tensors.queries,
    (head * n + q) * D,
    tensors.keys,
    Math.floor(head / g) * n * D,
    D,
    start,
    q + 1,
    spec.scale,
    spec.softcap,
    z,
    out,
  );
  return { start, values: out.slice(start) };
}
