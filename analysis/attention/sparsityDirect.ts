/**
 * Sparsity counted directly from queries and keys (ALGORITHMS §2), without a histogram: every visible
 * entry of the row set is recomputed and compared with the edge e_k itself. It must equal the
 * histogram reading (`headSparsity`) exactly; tests hold the two against each other, and the CLI can
 * use it to check a stored Stats.
 */
import type { AttentionSpec, RowSet } from './stats';
import { type LayerTensors, positionsOf } from './layerTensors';
import { rowSetRange, slidingWindowOf, type StatsLayout } from './statsLayout';
import { computeRow, firstVisibleKey } from './attentionRow';
import { edgeValue, logRatio } from './histogramGrid';
import { EmptyRowSetError } from './errors';
import type { SparseCount } from './sparsity';

export function sparseCountDirect(
  spec: AttentionSpec,
  layout: StatsLayout,
  tensors: LayerTensors,
  layer: number,
  head: number,
  rowSet: RowSet,
  k: number,
): SparseCount {
  const e = edgeValue(k);
  const n = positionsOf(spec, tensors, layout.m + layout.G);
  const { heads: H, kvHeads: Hkv, headDim: D } = spec;
  const W = slidingWindowOf(spec, layer);
  const [r0, r1] = rowSetRange(layout, rowSet);
  const row = new Float32Array(n);
  const z = new Float64Array(n);
  const kBase = Math.floor(head / (H / Hkv)) * n * D;
  let sparse = 0;
  let total = 0;
  for (let q = r0; q < r1; q++) {
    const start = firstVisibleKey(q, W);
    const amax = computeRow(
      tensors.queries,
      (head * n + q) * D,
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
    for (let j = start; j <= q; j++) if (logRatio(row[j], amax) < e) sparse++;
    total += q + 1 - start;
  }
  return { sparse, total };
}

/** γ(l, h, R, e_k) counted directly. */
export function sparsityDirect(
  spec: AttentionSpec,
  layout: StatsLayout,
  tensors: LayerTensors,
  layer: number,
  head: number,
  rowSet: RowSet,
  k: number,
): number {
  const { sparse, total } = sparseCountDirect(spec, layout, tensors, layer, head, rowSet, k);
  if (total === 0) throw new EmptyRowSetError(rowSet, layer, head);
  return sparse / total;
}
