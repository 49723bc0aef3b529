/**
 * The part every probe-style graph shares: the inputs of one chunk — a block of query heads that is a
 * whole number of KV groups, a block of query rows, and the keys those rows can see — and the logits
 * z = s·QKᵀ (softcapped) with −∞ on invisible entries. Grouped-query heads are handled by shape alone:
 * queries come as [kvHeads, g, rows, D] (the same memory as [heads, rows, D]) and keys as
 * [kvHeads, 1, keys, D], so one broadcasting MatMul multiplies each KV head's keys with all g of its
 * query heads without copying keys g times. Visibility (causal and sliding window) arrives as an
 * additive bias computed by the caller from the same `firstVisibleKey` the TypeScript builder uses.
 * With every size carried by the inputs the graph needs no Shape/Reshape bookkeeping, which on CPU
 * costs a fixed overhead per node and chunk.
 *
 * Chunk inputs (dynamic axes named):
 *   queries  f32 [kvHeads, g, rows, D]  query heads h0..h1 (h0 a multiple of g), rows r0..r1
 *   keys     f32 [kvHeads, 1, keys, D]  the matching KV heads, key positions k0..k1
 *   bias     f32 [rows, keys]           0 where key j is visible to row q, −∞ elsewhere
 */
import type { AttentionSpec } from './stats';
import { DT, type OnnxGraph } from './onnxGraph';

/** f32 [kvHeads, g, rows, keys]: logits with −∞ on invisible entries. */
export function probeLogits(g: OnnxGraph, spec: AttentionSpec): string {
  const D = spec.headDim;
  const group = spec.heads / spec.kvHeads;
  const queries = g.input('queries', DT.float, ['kvHeads', group, 'rows', D]);
  const keys = g.input('keys', DT.float, ['kvHeads', 1, 'keys', D]);
  const bias = g.input('bias', DT.float, ['rows', 'keys']);
  // ORT folds the transpose and the scalar scale into one FusedMatMul (transB, alpha).
  const keysT = g.op('Transpose', [keys], { perm: { ints: [0, 1, 3, 2] } });
  const qk = g.op('MatMul', [queries, keysT]);
  const qScale = spec.softcap === null ? spec.scale : spec.scale / spec.softcap;
  let z = g.op('Mul', [qk, g.constF32([qScale], [])]);
  if (spec.softcap !== null) z = g.op('Mul', [g.op('Tanh', [z]), g.constF32([spec.softcap], [])]);
  return g.op('Add', [z, bias]);
}

/** The bias input for rows [r0, r1) and keys [k0, k1) of a layer with sliding window W (or null). */
export function visibilityBias(
  r0: number,
  r1: number,
  k0: number,
  k1: number,
  firstVisible: (q: number) => number,
): Float32Array {
  const keys = k1 - k0;
  const bias = new Float32Array((r1 - r0) * keys).fill(Number.NEGATIVE_INFINITY);
  for (let q = r0; q < r1; q++) {
    const row = (q - r0) * keys - k0;
    const lo = Math.max(firstVisible(q), k0);
    const hi = Math.min(q + 1, k1);
    if (lo < hi) bias.fill(0, row + lo, row + hi);
  }
  return bias;
}
