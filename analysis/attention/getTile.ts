/**
 * Exact attention tiles on demand (DESIGN.md §5): A[q, j] for a row range × column range of one
 * (layer, query head), or the mean over all query heads, recomputed from the layer's queries and keys
 * (each row is normalised over all its visible keys, not only over the tile's columns). Invisible
 * entries (j > q, or outside the sliding window) are NaN: they do not exist, and a 0 would read as an
 * underflowed probability.
 */
import type { AttentionSpec } from './stats';
import { type LayerTensors, positionsOf } from './layerTensors';
import { slidingWindowOf } from './statsLayout';
import { computeRow, firstVisibleKey } from './attentionRow';
import { InvalidRangeError } from './errors';

/** Value of an entry that does not exist in the attention matrix. */
export const INVISIBLE = Number.NaN;

export type HeadChoice = number | 'mean';

/** f32 [(r1 − r0) × (c1 − c0)], row-major, for rows [r0, r1) and columns [c0, c1). */
export function getTile(
  spec: AttentionSpec,
  tensors: LayerTensors,
  layer: number,
  head: HeadChoice,
  rowRange: readonly [number, number],
  colRange: readonly [number, number],
): Float32Array {
  const n = positionsOf(spec, tensors);
  const { heads: H, kvHeads: Hkv, headDim: D } = spec;
  checkRange('row', rowRange, n);
  checkRange('column', colRange, n);
  if (head !== 'mean' && !(Number.isInteger(head) && head >= 0 && head < H))
    throw new InvalidRangeError('head', [Number(head), Number(head) + 1], H);
  const [r0, r1] = rowRange;
  const [c0, c1] = colRange;
  const w = c1 - c0;
  const heads = head === 'mean' ? Array.from({ length: H }, (_, h) => h) : [head];
  const W = slidingWindowOf(spec, layer);
  const gs = H / Hkv;
  const tile = new Float32Array((r1 - r0) * w).fill(INVISIBLE);
  const sum = new Float64Array(w);
  const row = new Float32Array(n);
  const z = new Float64Array(n);
  for (let q = r0; q < r1; q++) {
    const start = firstVisibleKey(q, W);
    const lo = Math.max(start, c0);
    const hi = Math.min(q + 1, c1);
    if (lo >= hi) continue;
    sum.fill(0);
    for (const h of heads) {
      const kBase = Math.floor(h / gs) * n * D;
      computeRow(
        tensors.queries,
        (h * n + q) * D,
        tensors.keys,
        kBase,
        D,
        start,
        q + 1,
        spec.scale,
        spec.softcap,
        z,
        row,
      );
      for (let j = lo; j < hi; j++) sum[j - c0] += row[j];
    }
    const off = (q - r0) * w - c0;
    for (let j = lo; j < hi; j++) tile[off + j] = sum[j - c0] / heads.length;
  }
  return tile;
}

function checkRange(what: string, range: readonly [number, number], n: number): void {
  const [a, b] = range;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > n || a >= b)
    throw new InvalidRangeError(what, range, n);
}
