/**
 * The part every probe-style graph shares: the inputs of one chunk (a block of query heads that is a
 * whole number of KV groups, a block of query rows, and the keys those rows can see) and the logits
 * z = s·QKᵀ (softcapped), masked to the visible keys with −∞. Grouped-query heads are handled by
 * reshaping the queries to [Hkv_c, g·R, D], so each KV head's keys multiply all g of its query heads'
 * rows in one batched MatMul without copying the keys g times.
 *
 * Chunk inputs (dynamic axes named):
 *   queries   f32 [heads, rows, D]   query heads h0..h1 (a multiple of g), rows r0..r1
 *   keys      f32 [kvHeads, keys, D] the matching KV heads, key positions k0..k1
 *   queryPos  i64 [rows, 1]          absolute positions of the rows
 *   keyPos    i64 [1, keys]          absolute positions of the keys
 *   window    i64 [1]                sliding window W (n or more for full causal attention)
 */
import type { AttentionSpec } from './stats';
import { DT, type OnnxGraph } from './onnxGraph';

export interface ProbeFront {
  /** f32 [heads, rows, keys]: logits with −∞ on invisible entries. */
  zMasked: string;
  queryPos: string;
  keyPos: string;
  /** i64 [3]: shape of `queries`. */
  queryShape: string;
}

export function probeFront(g: OnnxGraph, spec: AttentionSpec): ProbeFront {
  const D = spec.headDim;
  const queries = g.input('queries', DT.float, ['heads', 'rows', D]);
  const keys = g.input('keys', DT.float, ['kvHeads', 'keys', D]);
  const queryPos = g.input('queryPos', DT.int64, ['rows', 1]);
  const keyPos = g.input('keyPos', DT.int64, [1, 'keys']);
  const window = g.input('window', DT.int64, [1]);

  const queryShape = g.op('Shape', [queries]);
  const keyShape = g.op('Shape', [keys]);
  const i64 = (v: number[]) => g.constI64(v, [v.length]);
  const kvHeads = g.op('Slice', [keyShape, i64([0]), i64([1])]);
  // Scale the (small) queries rather than the (large) logits; with a softcap, fold 1/softcap in too.
  const qScale = spec.softcap === null ? spec.scale : spec.scale / spec.softcap;
  const qs = g.op('Mul', [queries, g.constF32([qScale], [])]);
  const grouped = g.op('Reshape', [qs, g.op('Concat', [kvHeads, i64([-1, D])], { axis: { int: 0 } })]);
  const keysT = g.op('Transpose', [keys], { perm: { ints: [0, 2, 1] } });
  const zGrouped = g.op('MatMul', [grouped, keysT]);
  const headsRows = g.op('Slice', [queryShape, i64([0]), i64([2])]);
  let z = g.op('Reshape', [zGrouped, g.op('Concat', [headsRows, i64([-1])], { axis: { int: 0 } })]);
  if (spec.softcap !== null) z = g.op('Mul', [g.op('Tanh', [z]), g.constF32([spec.softcap], [])]);

  // Visibility is the same for every head: build the [rows, keys] bias once and broadcast it.
  const notFuture = g.op('LessOrEqual', [keyPos, queryPos]);
  const inWindow = g.op('Greater', [keyPos, g.op('Sub', [queryPos, window])]);
  const visible = g.op('And', [notFuture, inWindow]);
  const bias = g.op('Where', [visible, g.constF32([0], []), g.constF32([Number.NEGATIVE_INFINITY], [])]);
  const zMasked = g.op('Add', [z, bias]);
  return { zMasked, queryPos, keyPos, queryShape };
}
