/**
 * The full decode rows A[m..m+G, 0..m+G) of one (layer, head) or the head mean, on demand (DESIGN.md
 * §5): what the per-generated-token overlays and the recall read-outs show. Invisible entries are NaN,
 * as in `getTile`.
 */
import type { AttentionSpec } from './stats';
import type { LayerTensors } from './layerTensors';
import type { StatsLayout } from './statsLayout';
import { getTile, type HeadChoice } from './getTile';
import { ShapeError } from './errors';

export interface DecodeRows {
  /** Rows (G) and columns (n = m + G) of `values`. */
  rows: number;
  cols: number;
  /** f32 [G, m + G]: row r is query position m + r. */
  values: Float32Array;
}

export function getDecodeRows(
  spec: AttentionSpec,
  layout: StatsLayout,
  tensors: LayerTensors,
  layer: number,
  head: HeadChoice,
): DecodeRows {
  const { m, G } = layout;
  const n = m + G;
  if (tensors.keys.length !== spec.kvHeads * n * spec.headDim)
    throw new ShapeError('keys', [spec.kvHeads, n, spec.headDim], tensors.keys.length);
  return { rows: G, cols: n, values: getTile(spec, tensors, layer, head, [m, n], [0, n]) };
}
