/**
 * ‖K_l,g[j]‖₂ for every KV head g and prompt key j < m (the K-norm scorer's input, ALGORITHMS §3; the
 * scorer negates it). It needs no attention, so both builders call this directly.
 */
import type { AttentionSpec } from './stats';
import { type LayerTensors, positionsOf } from './layerTensors';

/** Writes f32 [Hkv, m] into `out` at `offset` (a fresh array when `out` is omitted). */
export function keyNorms(
  spec: AttentionSpec,
  tensors: LayerTensors,
  m: number,
  out: Float32Array = new Float32Array(spec.kvHeads * m),
  offset = 0,
): Float32Array {
  const n = positionsOf(spec, tensors);
  const { kvHeads: Hkv, headDim: D } = spec;
  const k = tensors.keys;
  for (let g = 0; g < Hkv; g++) {
    for (let j = 0; j < m; j++) {
      const base = (g * n + j) * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += k[base + d] * k[base + d];
      out[offset + g * m + j] = Math.sqrt(s);
    }
  }
  return out;
}
