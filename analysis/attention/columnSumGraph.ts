/**
 * A lean graph: QKᵀ + mask + softmax + weighted column sums, nothing else. It is the baseline the
 * probe is timed against (one fused pass of the same size, DESIGN.md §10) and computes extra
 * observation-window sums on a provider (`addWindowSums` on the engine side).
 *
 * Inputs: those of `probeFront` plus `rowWeights` f32 [sets, rows]. Output: `columnSums` f32
 * [heads, sets, keys] = Σ_r rowWeights[s, r] · A_h[r, k].
 */
import type { AttentionSpec } from './stats';
import { DT, OnnxGraph } from './onnxGraph';
import { probeFront } from './probeAttention';

export function buildColumnSumGraph(spec: AttentionSpec): Uint8Array {
  const g = new OnnxGraph('vlcache_column_sums');
  const { zMasked } = probeFront(g, spec);
  const rowWeights = g.input('rowWeights', DT.float, ['sets', 'rows']);
  const A = g.op('Softmax', [zMasked], { axis: { int: -1 } });
  // [1, S, R] × [Hc, R, keys] broadcasts over heads.
  const w = g.op('Unsqueeze', [rowWeights, g.constI64([0], [1])]);
  g.op('MatMul', [w, A], {}, 'columnSums');
  g.output('columnSums', DT.float, ['heads', 'sets', 'keys']);
  return g.encode('vlcache-column-sums');
}
