/**
 * The ONNX "probe" graph (DESIGN.md §3, §5): from one chunk of a layer's queries and keys it returns
 * the aggregates that make up Stats, so a provider (CPU or WebGPU) builds statistics without ever
 * materialising more than one chunk of attention probabilities. The runner
 * (analysis/model/probeRunner.ts) cuts a layer into chunks (`planProbeChunks`): whole KV groups of
 * query heads × a block of query rows aligned to overview pixel rows × the keys those rows can see
 * (causal: none past the last row; sliding window: none before the first row's window), so a chunk
 * holds at most `maxEntries` logits and the upper causal triangle is mostly skipped.
 *
 * Inputs: those of `probeFront`, and
 *   promptLen        i64 [1]                  m
 *   postVisionStart  i64 [1]                  v
 *   rowWeights       f32 [sets, rows]         1 where a row belongs to a column-sum row set
 *   overviewCols     i64 [colBlocks, width]   key indices (into the chunk) of each overview column
 *                                             block, padded by repeating the block's first index
 *   overviewRows     i64 [rowBlocks, width]   the same for the chunk's overview row blocks
 *
 * Outputs:
 *   columnSums  f32 [heads, sets + 1, keys]   Σ_r rowWeights[s, r]·A_h[r, k]; the last set is the recall
 *                                             weight sum Σ_{r ≥ m} A_h[r, k] / Σ_{j<m} A_h[r, j]
 *   histogram   i32 [heads·3·162]             counts per (head, row group, bin); row groups are
 *                                             [0, v), [v, m), [m, n). Invisible entries land in bin 0 of
 *                                             their row's group: the runner subtracts their number,
 *                                             known from geometry, which saves a masking pass here
 *   overview    f32 [heads, rowBlocks, colBlocks]  maximum probability per overview cell
 *
 * Histogram bins: x = log10(A / rowmax) equals (z − zmax)/ln 10, so the graph bins d = z − zmax against
 * the edge table scaled by ln 10 (f32). A first guess ⌊20x + 161⌋ is corrected by comparing d with the
 * table's lower and upper bound of that bin, so the bin is decided by comparison with the table, as
 * ALGORITHMS §2 asks; f32 rounding can move only values within ~1e-6 of an edge (§9 allows 1e-5).
 */
import { type AttentionSpec, HIST_BINS } from './stats';
import { EDGES, EDGE_COUNT } from './histogramGrid';
import { DT, OnnxGraph } from './onnxGraph';
import { probeFront } from './probeAttention';
import { ROW_GROUPS } from './layerAccumulator';

/** Output names, shared with the runner. */
export const PROBE_OUTPUTS = ['columnSums', 'histogram', 'overview'] as const;

export function buildProbeGraph(spec: AttentionSpec): Uint8Array {
  const g = new OnnxGraph('vlcache_probe');
  const { zMasked, queryPos, keyPos, queryShape } = probeFront(g, spec);
  const promptLen = g.input('promptLen', DT.int64, [1]);
  const postVisionStart = g.input('postVisionStart', DT.int64, [1]);
  const rowWeights = g.input('rowWeights', DT.float, ['sets', 'rows']);
  const overviewCols = g.input('overviewCols', DT.int64, ['colBlocks', 'colWidth']);
  const overviewRows = g.input('overviewRows', DT.int64, ['rowBlocks', 'rowWidth']);
  const i64 = (v: number[]) => g.constI64(v, [v.length]);
  const f32 = (v: number) => g.constF32([v], []);

  // Softmax with the row maximum subtracted; d is kept for the histogram.
  const zmax = g.op('ReduceMax', [zMasked], { axes: { ints: [-1] }, keepdims: { int: 1 } });
  const d = g.op('Sub', [zMasked, zmax]);
  const e = g.op('Exp', [d]);
  const sum = g.op('ReduceSum', [e, i64([-1])], { keepdims: { int: 1 } });
  const A = g.op('Div', [e, sum]);

  // Column sums: the shared row sets plus the per-head recall weights as one batched MatMul over A.
  const promptCol = g.op('Cast', [g.op('Less', [keyPos, promptLen])], { to: { int: DT.float } });
  const P = g.op('MatMul', [A, g.op('Transpose', [promptCol])]); // [Hc, R, 1]: prompt mass per row
  const isDecode = g.op('Cast', [g.op('GreaterOrEqual', [queryPos, promptLen])], { to: { int: DT.float } });
  const hasPrompt = g.op('Greater', [P, f32(0)]);
  const recallRow = g.op('Where', [
    hasPrompt,
    g.op('Div', [isDecode, g.op('Where', [hasPrompt, P, f32(1)])]),
    f32(0),
  ]);
  const recallT = g.op('Transpose', [recallRow], { perm: { ints: [0, 2, 1] } }); // [Hc, 1, R]
  const heads = g.op('Slice', [queryShape, i64([0]), i64([1])]);
  const shared = g.op('Expand', [
    g.op('Unsqueeze', [rowWeights, i64([0])]),
    g.op('Concat', [heads, i64([1, 1])], { axis: { int: 0 } }),
  ]);
  const weights = g.op('Concat', [shared, recallT], { axis: { int: 1 } });
  g.op('MatMul', [weights, A], {}, 'columnSums');
  g.output('columnSums', DT.float, ['heads', 'setsPlusRecall', 'keys']);

  // Histogram bin per entry, in d = ln(10)·x space.
  const lower = new Float32Array(HIST_BINS);
  const upper = new Float32Array(HIST_BINS);
  lower[0] = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < HIST_BINS; i++) lower[i] = EDGES[i - 1] * Math.LN10;
  for (let i = 0; i < EDGE_COUNT; i++) upper[i] = EDGES[i] * Math.LN10;
  upper[HIST_BINS - 1] = Number.POSITIVE_INFINITY;
  const guessF = g.op('Floor', [g.op('Add', [g.op('Mul', [d, f32(20 / Math.LN10)]), f32(EDGE_COUNT)])]);
  // Invisible entries have d = −∞ and clip to bin 0.
  const guess = g.op('Cast', [g.op('Clip', [guessF, f32(0), f32(HIST_BINS - 1)])], { to: { int: DT.int32 } });
  const lo = g.op('Gather', [g.constF32(lower, [HIST_BINS]), guess]);
  const hi = g.op('Gather', [g.constF32(upper, [HIST_BINS]), guess]);
  const down = g.op('Cast', [g.op('Less', [d, lo])], { to: { int: DT.int32 } });
  const up = g.op('Cast', [g.op('GreaterOrEqual', [d, hi])], { to: { int: DT.int32 } });
  const bin = g.op('Add', [g.op('Sub', [guess, down]), up]);

  // Flat index (head·3 + group)·162 + bin; groups from v and m.
  const toI32 = (x: string) => g.op('Cast', [x], { to: { int: DT.int32 } });
  const group = g.op('Add', [
    toI32(g.op('GreaterOrEqual', [queryPos, postVisionStart])),
    toI32(g.op('GreaterOrEqual', [queryPos, promptLen])),
  ]); // [R, 1]
  const headIdx = g.op('Reshape', [
    g.op('Range', [g.constI32([0], []), toI32(g.op('Squeeze', [heads, i64([0])])), g.constI32([1], [])]),
    i64([-1, 1, 1]),
  ]);
  const base = g.op('Mul', [
    g.op('Add', [g.op('Mul', [headIdx, g.constI32([ROW_GROUPS], [])]), group]),
    g.constI32([HIST_BINS], []),
  ]); // [Hc, R, 1]
  const flat = g.op('Reshape', [g.op('Add', [bin, base]), i64([-1])]);
  const ones = g.op('ConstantOfShape', [g.op('Shape', [flat])], {
    value: { scalar: { type: 'int32', value: 1 } },
  });
  const histSize = g.op('Mul', [heads, i64([ROW_GROUPS * HIST_BINS])]);
  const zeros = g.op('ConstantOfShape', [histSize], { value: { scalar: { type: 'int32', value: 0 } } });
  g.op(
    'ScatterElements',
    [zeros, flat, ones],
    { axis: { int: 0 }, reduction: { string: 'add' } },
    'histogram',
  );
  g.output('histogram', DT.int32, ['histSize']);

  // Overview: max over each column block, then over each row block.
  const cols = g.op('Gather', [A, overviewCols], { axis: { int: 2 } }); // [Hc, R, Cb, w]
  const colMax = g.op('ReduceMax', [cols], { axes: { ints: [3] }, keepdims: { int: 0 } });
  const rows = g.op('Gather', [colMax, overviewRows], { axis: { int: 1 } }); // [Hc, Rb, w, Cb]
  g.op('ReduceMax', [rows], { axes: { ints: [2] }, keepdims: { int: 0 } }, 'overview');
  g.output('overview', DT.float, ['heads', 'rowBlocks', 'colBlocks']);

  return g.encode('vlcache-probe');
}
