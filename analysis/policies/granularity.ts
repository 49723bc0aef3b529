/**
 * Granularity of scoring and selection (ALGORITHMS §3, head aggregation).
 *
 * - `kvHead` (default): one score vector and one kept set per (layer, KV head); a KV head's score is
 *   the sum of its g query heads' scores, and query head h uses the set of KV head ⌊h/g⌋.
 * - `layer`: one score vector per layer (the sum over all KV heads) and one kept set shared by every
 *   head of the layer.
 *
 * Every per-group array in this folder is laid out [L, groups, m] with groups = Hkv or 1.
 */
import type { StatsDims } from '../attention/stats';

export type Granularity = 'kvHead' | 'layer';

export const GRANULARITIES: readonly Granularity[] = ['kvHead', 'layer'];

/** Number of selection groups per layer. */
export function groupCount(dims: StatsDims, granularity: Granularity): number {
  return granularity === 'kvHead' ? dims.Hkv : 1;
}

/**
 * Per-group view of an f32 [L, Hkv, m] tensor: the tensor itself at `kvHead` granularity, else a new
 * [L, 1, m] tensor summed over KV heads (summed in f64, stored in f32 like every score).
 */
export function aggregateGroups(src: Float32Array, dims: StatsDims, granularity: Granularity): Float32Array {
  if (granularity === 'kvHead') return src;
  const { L, Hkv, m } = dims;
  const out = new Float32Array(L * m);
  const acc = new Float64Array(m);
  for (let l = 0; l < L; l++) {
    acc.fill(0);
    for (let g = 0; g < Hkv; g++) {
      const base = (l * Hkv + g) * m;
      for (let j = 0; j < m; j++) acc[j] += src[base + j];
    }
    out.set(acc, l * m);
  }
  return out;
}
