/**
 * A lean graph: QKᵀ + mask + softmax + weighted column sums, nothing else. It is the baseline the
 * probe is timed against (one fused pass of the same size, DESIGN.md §10) and computes extra
 * observation-window sums on a provider (`ProbeRunner.addWindowSums`).
 *
 * Inputs: those of `probeLogits` plus `rowWeights` f32 [sets, rows]. Output: `columnSums` f32
 * [kvHeads, g, sets, keys] = Σ_r rowWeights[s, r] · A_h[r, k] for each query head h of the chunk.
 */
import type { AttentionSpec } from './stats';
import { DT, OnnxGraph } from './onnxGraph';
import { probeLogits } from './probeAttention';

export function buildColumnSumGraph(spec: AttentionSpec): Uint8Array {
  const g = new OnnxGraph('vlcache_column_sums');
  const z = probeLogits(g, spec);
  const rowWeights = g.input('rowWeights', DT.float, ['sets', 'rows']);
  const A = g.op('Softmax', [z], { axis: { int: -1 } });
  g.op('MatMul', [rowWeights, A], {}, 'columnSums');
  g.output('columnSums', DT.float, ['kvHeads', spec.heads / spec.kvHeads, 'sets', 'keys']);
  return g.encode('vlcache-column-sums');
}
