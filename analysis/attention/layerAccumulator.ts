/**
 * What both Stats builders collect for one layer before it is written into `Stats`: f64 column sums per
 * row set and KV head, the recall-weight sums, histogram counts per (query head, row group) and the
 * overview cells' maximum probabilities. `commit` turns them into the stored form (u32 histograms per
 * row set, f32 vectors, u8 overview levels) and adds the key norms, so the TypeScript builder and the
 * probe runner cannot differ in that last step.
 */
import { HIST_BINS, type Stats } from './stats';
import { columnSumSets, columnSumVector, type ColumnSumSet } from './columnSumSets';
import type { LayerTensors } from './layerTensors';
import { histOffset, overviewOffset, vectorOffset } from './statsIndex';
import { quantizeOverview } from './overviewMap';
import { keyNorms } from './keyNorm';
import { AttentionError } from './errors';

/**
 * Histogram row groups: pre-vision prompt rows [0, v), post-vision rows [v, m), decode rows [m, n).
 * Disjoint, so each row is binned once; the `prefill` histogram is the sum of the first two.
 */
export const ROW_GROUPS = 3;

/** The row group of query position q. */
export function rowGroupOf(q: number, v: number, m: number): number {
  return q < v ? 0 : q < m ? 1 : 2;
}

export class LayerAccumulator {
  readonly sets: ColumnSumSet[];
  /** Per set: f64 [Hkv, m]. */
  readonly sums: Float64Array[];
  /** f64 [Hkv, m]: Σ over decode rows of A[r, j] / Σ_{j'<m} A[r, j']. */
  readonly recall: Float64Array;
  /** f64 [H, ROW_GROUPS, 162] (f64 so the probe's corrections can be checked before storing as u32). */
  readonly counts: Float64Array;
  /**
   * f32 [H, R, R]: largest probability per overview cell; −1 while no visible entry reached it. Null
   * when the builder writes quantised levels into `stats.overview` itself (the probe).
   */
  readonly cellMax: Float32Array | null;

  constructor(
    readonly stats: Stats,
    readonly layer: number,
    options: { cellMax?: boolean } = {},
  ) {
    const { H, Hkv, m, G } = stats.dims;
    const R = stats.overviewSize;
    this.sets = columnSumSets(
      { m, G, postVisionStart: stats.postVisionStart },
      Object.keys(stats.windowSums).map(Number),
    );
    this.sums = this.sets.map(() => new Float64Array(Hkv * m));
    this.recall = new Float64Array(Hkv * m);
    this.counts = new Float64Array(H * ROW_GROUPS * HIST_BINS);
    this.cellMax = options.cellMax === false ? null : new Float32Array(H * R * R).fill(-1);
  }

  /** Writes this layer's fields into `stats`. */
  commit(tensors: LayerTensors): void {
    const { stats, layer } = this;
    const { dims } = stats;
    const { H, m } = dims;
    const R = stats.overviewSize;
    for (let h = 0; h < H; h++) {
      const c = h * ROW_GROUPS * HIST_BINS;
      const pre = histOffset(dims, layer, h, 'prefill');
      const post = histOffset(dims, layer, h, 'postVision');
      const dec = histOffset(dims, layer, h, 'decode');
      for (let b = 0; b < HIST_BINS; b++) {
        const g0 = this.counts[c + b];
        const g1 = this.counts[c + HIST_BINS + b];
        const g2 = this.counts[c + 2 * HIST_BINS + b];
        if (!(g0 >= 0 && g1 >= 0 && g2 >= 0))
          throw new AttentionError('bad-count', `negative histogram count at layer ${layer}, head ${h}`, {
            layer,
            head: h,
            bin: b,
          });
        stats.hist[pre + b] = g0 + g1;
        stats.hist[post + b] = g1;
        stats.hist[dec + b] = g2;
      }
      const cellMax = this.cellMax;
      if (!cellMax) continue;
      const ov = overviewOffset(dims, R, layer, h);
      const src = h * R * R;
      for (let i = 0; i < R * R; i++) {
        const a = cellMax[src + i];
        stats.overview[ov + i] = a < 0 ? 0 : quantizeOverview(a);
      }
    }
    const base = vectorOffset(dims, layer, 0);
    this.sets.forEach((set, s) => {
      columnSumVector(stats, set.key).set(this.sums[s], base);
    });
    stats.recallW.set(this.recall, base);
    keyNorms(stats.spec, tensors, m, stats.keyNorm, base);
  }
}
