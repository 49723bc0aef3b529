/**
 * One layer's recorded queries and keys, as the recorder keeps them (DESIGN.md §3): queries f32
 * [H, n, D] and keys f32 [Hkv, n, D] over all n = m + G positions, prompt rows then decode rows.
 * Queries are exactly as multiplied with the keys (after rotary embedding, before scaling).
 */
import type { AttentionSpec } from './stats';
import { ShapeError } from './errors';

export interface LayerTensors {
  queries: Float32Array;
  keys: Float32Array;
}

/** Supplies layer l's tensors; builders call it once per layer and drop the result before the next. */
export type GetLayer = (layer: number) => LayerTensors;

/** n (positions) of a layer's tensors, checking both shapes against the spec. */
export function positionsOf(spec: AttentionSpec, t: LayerTensors, expectedN?: number): number {
  const { heads: H, kvHeads: Hkv, headDim: D } = spec;
  const n = t.keys.length / (Hkv * D);
  if (!Number.isInteger(n) || n < 1 || (expectedN !== undefined && n !== expectedN))
    throw new ShapeError('keys', [Hkv, expectedN ?? 'n', D], t.keys.length);
  if (t.queries.length !== H * n * D) throw new ShapeError('queries', [H, n, D], t.queries.length);
  return n;
}
