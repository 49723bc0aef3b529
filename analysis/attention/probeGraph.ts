/**
 * The ONNX "probe" graph (DESIGN.md §3, §5): from one chunk of a layer's queries and keys it returns
 * the aggregates that make up Stats, so a provider (CPU or WebGPU) builds statistics without ever
 * materialising more than one chunk of attention probabilities. `ProbeLayerAssembler` (probePlan.ts)
 * cuts a layer into chunks — whole KV groups of query heads × a block of query rows aligned to
 * overview pixel rows × the keys those rows can see (causal: none past the last row; sliding window:
 * none before the first row's window) — so a chunk holds at most `maxEntries` logits and the upper
 * causal triangle is mostly skipped; it builds each chunk's inputs and folds the outputs into Stats.
 *
 * Inputs: those of `probeLogits` (queries [kvHeads, g, rows, D], keys [kvHeads, 1, keys, D], bias
 * [rows, keys]), and
 *   rowWeights    f32 [sets, rows]          1 where a row belongs to a column-sum row set
 *   promptCols    f32 [keys, 1]             1 for prompt keys (j < m)
 *   decodeFrom    i64 [1]                   first chunk row that is a decode row (the last row if
 *                                           none, so no tensor is ever empty; its sums are ignored)
 *   overviewRows  i32 [rowBlocks, width]    row indices (into the chunk) of each overview pixel row,
 *                                           padded by repeating the block's first index (max is
 *                                           unchanged by duplicates)
 *   overviewCols  i32 [colBlocks, width]    the same for the overview pixel columns the keys meet
 *   rowBase       i32 [kvHeads, g, rows, 1] (mode `scatter`) (head·3 + row group)·162, row groups
 *                                           being [0, v), [v, m), [m, n)
 *   histogramInit i32 [heads·3·162]         (mode `scatter`) zeros
 *
 * Outputs:
 *   columnSums  f32 [kvHeads, sets + 1, keys]  summed over each KV head's g query heads:
 *                                              Σ_r rowWeights[s, r]·A_h[r, k]; the last set is the
 *                                              recall weight sum Σ_{r ≥ m} A_h[r, k] / Σ_{j<m} A_h[r, j]
 *                                              (a decode row without prompt keys adds 0)
 *   histogram   i32 [heads·3·162]          (mode `scatter`) counts per (head, row group, bin).
 *                                          Invisible entries land in bin 0 of their row's group; the
 *                                          assembler subtracts their number, known from geometry,
 *                                          which saves a masking pass here
 *   bins        u8 [kvHeads, g, rows, keys] (mode `bins`) the bin of every entry, counted by the
 *                                          assembler over the visible entries only
 *   overview    u8 [kvHeads, g, colBlocks, rowBlocks]  overview level (`quantizeOverview`) of each
 *                                          cell's maximum probability — transposed, see below
 *
 * Histogram bins: x = log10(A / rowmax) equals (z − zmax)/ln 10 exactly, so the graph takes x from the
 * logits (no log of a rounded probability) and the bin as ⌊20x + 161⌋ clipped to [0, 161] in f32 —
 * the index of the last edge e_i = −8 + i/20 that is ≤ x, plus one. The TypeScript builder is the
 * definition (comparison with the f64 edge table, ALGORITHMS §2); this evaluation agrees with it
 * except for x within a few 1e-7 of an edge, inside the 1e-5 that §9 allows between implementations.
 * (A comparison against a gathered f32 edge table was tried: its two per-entry Gathers cost 60 % of
 * the graph on CPU and decide nothing more exactly, the f32 table being itself rounded.)
 */
import type { AttentionSpec } from './stats';
import { EDGE_COUNT } from './histogramGrid';
import { DT, OnnxGraph } from './onnxGraph';
import { probeLogits } from './probeAttention';

/**
 * How the graph returns histograms: `bins` outputs each entry's bin (u8 [heads, rows, keys]) and the
 * caller counts the visible ones — the CPU default, where the bins are already in host memory and
 * the graph sheds its int32 index tensors; `scatter` counts in the graph with a scatter-add, so a
 * GPU sends back 3·162 numbers per head instead of one byte per logit.
 */
export type ProbeHistogramMode = 'bins' | 'scatter';

export function buildProbeGraph(spec: AttentionSpec, histogram: ProbeHistogramMode = 'scatter'): Uint8Array {
  const g = new OnnxGraph('vlcache_probe');
  const group = spec.heads / spec.kvHeads;
  const z = probeLogits(g, spec);
  const rowWeights = g.input('rowWeights', DT.float, ['sets', 'rows']);
  const promptCols = g.input('promptCols', DT.float, ['keys', 1]);
  const decodeFrom = g.input('decodeFrom', DT.int64, [1]);
  const overviewRows = g.input('overviewRows', DT.int32, ['rowBlocks', 'rowWidth']);
  const overviewCols = g.input('overviewCols', DT.int32, ['colBlocks', 'colWidth']);
  const i64 = (v: number[]) => g.constI64(v, [v.length]);
  const f32 = (v: number) => g.constF32([v], []);

  // ORT's fused Softmax for the probabilities; the row maximum separately, for the histogram.
  const A = g.op('Softmax', [z], { axis: { int: -1 } }); // [Hkv_c, g, R, keys]
  const zmax = g.op('ReduceMax', [z], { axes: { ints: [-1] }, keepdims: { int: 1 } });

  // Column sums of the shared row sets: [S, R] × [Hkv_c, g, R, keys] broadcasts over heads.
  const shared = g.op('MatMul', [rowWeights, A]);
  // Recall weights from the chunk's decode rows only (usually a few rows): each row's prompt mass
  // P = Σ_{j<m} A[r, j], then Σ_r A[r, ·] / P. A row with P = 0 has A = 0 on every prompt key, so
  // dividing it by 1 instead adds the required 0 to every prompt column.
  const decodeA = g.op('Slice', [A, decodeFrom, i64([2 ** 62]), i64([2])]); // [Hkv_c, g, G_c, keys]
  const P = g.op('MatMul', [decodeA, promptCols]); // [Hkv_c, g, G_c, 1]
  const invP = g.op('Reciprocal', [g.op('Where', [g.op('Greater', [P, f32(0)]), P, f32(1)])]);
  const recall = g.op('MatMul', [g.op('Transpose', [invP], { perm: { ints: [0, 1, 3, 2] } }), decodeA]);
  const sums = g.op('Concat', [shared, recall], { axis: { int: 2 } }); // [Hkv_c, g, S + 1, keys]
  g.op('ReduceSum', [sums, i64([1])], { keepdims: { int: 0 } }, 'columnSums');
  g.output('columnSums', DT.float, ['kvHeads', 'setsPlusRecall', 'keys']);

  // Histogram bin per entry: x = d / ln 10 with d = z − zmax, bin = ⌊20x + 161⌋ clipped to [0, 161]
  // (invisible entries, d = −∞, clip to 0). Cast truncates, which is the floor on these non-negative
  // values; the upper clip 161.5 keeps x ≥ 0 in bin 161.
  const d = g.op('Sub', [z, zmax]);
  const t = g.op('Clip', [
    g.op('Add', [g.op('Mul', [d, f32(20 / Math.LN10)]), f32(EDGE_COUNT)]),
    f32(0),
    f32(161.5),
  ]);
  if (histogram === 'bins') {
    g.op('Cast', [t], { to: { int: DT.uint8 } }, 'bins');
    g.output('bins', DT.uint8, ['kvHeads', group, 'rows', 'keys']);
  } else {
    const rowBase = g.input('rowBase', DT.int32, ['kvHeads', group, 'rows', 1]);
    const init = g.input('histogramInit', DT.int32, ['histSize']);
    const flat = g.op('Reshape', [
      g.op('Add', [g.op('Cast', [t], { to: { int: DT.int32 } }), rowBase]),
      i64([-1]),
    ]);
    const ones = g.op('Expand', [g.constI32([1], [1]), g.op('Shape', [flat])]);
    g.op(
      'ScatterElements',
      [init, flat, ones],
      { axis: { int: 0 }, reduction: { string: 'add' } },
      'histogram',
    );
    g.output('histogram', DT.int32, ['histSize']);
  }

  // Overview: max over each pixel row first — a Gather along the rows copies whole rows, which is
  // cheap — then over each pixel column of the (block-size times smaller) transposed result, again
  // gathering whole rows (a Gather along the last axis moves single floats, ~10× slower). The output
  // stays transposed ([.., colBlocks, rowBlocks]): the assembler reads it either way.
  const rows = g.op('Gather', [A, overviewRows], { axis: { int: 2 } }); // [Hkv_c, g, Rb, w, keys]
  const rowMax = g.op('ReduceMax', [rows], { axes: { ints: [3] }, keepdims: { int: 0 } });
  const byKey = g.op('Transpose', [rowMax], { perm: { ints: [0, 1, 3, 2] } }); // [Hkv_c, g, keys, Rb]
  const cols = g.op('Gather', [byKey, overviewCols], { axis: { int: 2 } }); // [Hkv_c, g, Cb, w, Rb]
  const cellMax = g.op('ReduceMax', [cols], { axes: { ints: [3] }, keepdims: { int: 0 } });
  // Quantised here, on the small tensor, as `quantizeOverview` does:
  // level = 1 + round(254·(clamp(log10 a, −8, 0) + 8)/8), rounding half up (+0.5, then truncate).
  const y = g.op('Add', [g.op('Mul', [g.op('Log', [cellMax]), f32(254 / (8 * Math.LN10))]), f32(254)]);
  const level = g.op('Add', [g.op('Clip', [y, f32(0), f32(254)]), f32(1.5)]);
  g.op('Cast', [level], { to: { int: DT.uint8 } }, 'overview');
  g.output('overview', DT.uint8, ['kvHeads', group, 'colBlocks', 'rowBlocks']);

  return g.encode('vlcache-probe');
}
