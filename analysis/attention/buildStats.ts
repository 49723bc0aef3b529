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
import { createStats } from './createStats';
import type { GetLayer, LayerTensors } from './layerTensors';
import { positionsOf } from './layerTensors';
import { slidingWindowOf, type StatsLayout } from './statsLayout';
import { computeRow, firstVisibleKey } from './attentionRow';
import { histogramBin, logRatio } from './histogramGrid';
import { columnSumSets, columnSumVector } from './columnSumSets';
import { histOffset, overviewOffset, vectorOffset } from './statsIndex';
import { overviewBlockOf, quantizeOverview } from './overviewMap';
import { keyNorms } from './keyNorm';

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

/**
 * Row groups of the histogram pass: pre-vision prompt rows [0, v), post-vision rows [v, m), decode rows
 * [m, n). Disjoint, so each row is binned once; `prefill` is the sum of the first two.
 */
const GROUPS = 3;

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
  const layout = { m, G, postVisionStart: v };

  const sets = columnSumSets(layout, Object.keys(stats.windowSums).map(Number));
  const acc = sets.map(() => new Float64Array(Hkv * m));
  const recall = new Float64Array(Hkv * m);
  const counts = new Uint32Array(GROUPS * HIST_BINS);
  const R = stats.overviewSize;
  const blockOf = overviewBlockOf(n, R);
  const cell = new Float32Array(R * R);
  const row = new Float32Array(n);
  const z = new Float64Array(n);

  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / gs);
    const kBase = g * n * D;
    const vOff = g * m;
    counts.fill(0);
    // −1 marks a cell no visible entry reached ("no data"); a visible entry, even 0, raises it.
    cell.fill(-1);
    for (let q = 0; q < n; q++) {
      const start = firstVisibleKey(q, W);
      const end = q + 1;
      const amax = computeRow(Q, (h * n + q) * D, K, kBase, D, start, end, scale, softcap, z, row);

      const grp = (q < v ? 0 : q < m ? 1 : 2) * HIST_BINS;
      const rb = blockOf[q] * R;
      for (let j = start; j < end; j++) {
        const a = row[j];
        counts[grp + histogramBin(logRatio(a, amax))]++;
        const ci = rb + blockOf[j];
        if (a > cell[ci]) cell[ci] = a;
      }

      const jEnd = Math.min(end, m);
      for (let s = 0; s < sets.length; s++) {
        if (q < sets[s].start || q >= sets[s].end) continue;
        const a = acc[s];
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

    const pre = histOffset(dims, layer, h, 'prefill');
    const post = histOffset(dims, layer, h, 'postVision');
    const dec = histOffset(dims, layer, h, 'decode');
    for (let b = 0; b < HIST_BINS; b++) {
      stats.hist[pre + b] = counts[b] + counts[HIST_BINS + b];
      stats.hist[post + b] = counts[HIST_BINS + b];
      stats.hist[dec + b] = counts[2 * HIST_BINS + b];
    }
    const ov = overviewOffset(dims, R, layer, h);
    for (let i = 0; i < R * R; i++) stats.overview[ov + i] = cell[i] < 0 ? 0 : quantizeOverview(cell[i]);
  }

  const base = vectorOffset(dims, layer, 0);
  sets.forEach((set, s) => {
    columnSumVector(stats, set.key).set(acc[s], base);
  });
  stats.recallW.set(recall, base);
  keyNorms(spec, tensors, m, stats.keyNorm, base);
}
