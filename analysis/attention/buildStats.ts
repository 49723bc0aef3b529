/**
 * The plain TypeScript Stats builder (DESIGN.md §5): every field of `Stats` from per-layer queries and
 * keys, one layer at a time and one attention row at a time, so memory stays O(n + R² + Hkv·m) however
 * long the recording — never L·H·m² probabilities. Meant for small recordings and as the reference the
 * ONNX probe (`probeGraph.ts`, run by analysis/model/probeRunner.ts) is tested against.
 *
 * Each row is computed once (`computeRow`) and read by every statistic: its histogram bins (ALGORITHMS
 * §2), the column sums of the row sets it belongs to (`columnSumSets`), its recall weights when it is
 * a decode row (§7) and the overview cell maxima. Sums are accumulated in f64 and stored as f32.
 */
import { type AttentionSpec, HIST_BINS, type Stats } from './stats';
import { LayerAccumulator, ROW_GROUPS, rowGroupOf } from './layerAccumulator';
import { createStats } from './createStats';
import type { GetLayer, LayerTensors } from './layerTensors';
import { positionsOf } from './layerTensors';
import { slidingWindowOf, type StatsLayout } from './statsLayout';
import { computeRow, firstVisibleKey } from './attentionRow';
import { histogramBinOfRatio } from './histogramGrid';
import { overviewBlockOf } from './overviewMap';

export interface BuildStatsOptions {
  /** Called after each layer with (layer, L); throw from it to cancel the build. */
  onLayer?: (layer: number, layers: number) => void;
}

export function buildStats(
  spec: AttentionSpec,
  layout: StatsLayout,
  getLayer: GetLayer,
  options: BuildStatsOptions = {},
): Stats {
  const stats = createStats(spec, layout);
  for (let l = 0; l < spec.layers; l++) {
    addLayerStats(stats, l, getLayer(l));
    options.onLayer?.(l, spec.layers);
  }
  return stats;
}

/** Fills every field of `stats` that belongs to `layer` from that layer's tensors. */
export function addLayerStats(stats: Stats, layer: number, tensors: LayerTensors): void {
  const { spec, dims } = stats;
  const { H, Hkv, D, m, G } = dims;
  const n = m + G;
  positionsOf(spec, tensors, n);
  const v = stats.postVisionStart;
  const gs = H / Hkv;
  const W = slidingWindowOf(spec, layer);
  const { scale, softcap } = spec;
  const Q = tensors.queries;
  const K = tensors.keys;

  const acc = new LayerAccumulator(stats, layer);
  const { sets, sums, recall, counts } = acc;
  const cellMax = acc.cellMax!;
  const R = stats.overviewSize;
  const blockOf = overviewBlockOf(n, R);
  const row = new Float32Array(n);
  const z = new Float64Array(n);

  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / gs);
    const kBase = g * n * D;
    const vOff = g * m;
    const cBase = h * ROW_GROUPS * HIST_BINS;
    const ovBase = h * R * R;
    for (let q = 0; q < n; q++) {
      const start = firstVisibleKey(q, W);
      const end = q + 1;
      const amax = computeRow(Q, (h * n + q) * D, K, kBase, D, start, end, scale, softcap, z, row);

      const grp = cBase + rowGroupOf(q, v, m) * HIST_BINS;
      const rb = ovBase + blockOf[q] * R;
      for (let j = start; j < end; j++) {
        const a = row[j];
        counts[grp + histogramBinOfRatio(a, amax)]++;
        const ci = rb + blockOf[j];
        if (a > cellMax[ci]) cellMax[ci] = a;
      }

      const jEnd = Math.min(end, m);
      for (let s = 0; s < sets.length; s++) {
        if (q < sets[s].start || q >= sets[s].end) continue;
        const a = sums[s];
        for (let j = start; j < jEnd; j++) a[vOff + j] += row[j];
      }
      if (q >= m) {
        // Recall weights (§7): each decode row contributes its prompt attention normalised to sum 1.
        // A row whose window sees no prompt key has no prompt attention to share out and adds nothing.
        let P = 0;
        for (let j = start; j < jEnd; j++) P += row[j];
        if (P > 0) for (let j = start; j < jEnd; j++) recall[vOff + j] += row[j] / P;
      }
    }
  }
  acc.commit(tensors);
}
