/**
 * The query-row ranges whose column sums over prompt keys make the per-KV-head score vectors of Stats
 * (ALGORITHMS §3 and §7): accumulated (H2O), postVision (VL-Cache), lastQuery (TOVA), the
 * CacheHitRate oracle and the unpooled observation-window sums. Both builders take them from here so
 * the TypeScript and probe paths cannot disagree on a boundary. The recall weights are not a plain
 * column sum (each decode row is normalised by its prompt mass) and are handled by each builder.
 */
import { type Stats, WINDOW_SIZES } from './stats';
import type { StatsLayout } from './statsLayout';

export type ColumnSumKey = 'accumulated' | 'postVision' | 'lastQuery' | 'oracle' | `window:${number}`;

export interface ColumnSumSet {
  key: ColumnSumKey;
  /** Query rows [start, end) summed (over the g query heads of a KV head too). */
  start: number;
  end: number;
}

/** w_obs = min(w, m − 1) of ALGORITHMS §3 (the last prompt row always stays out of the score range). */
export function observationWindow(m: number, w: number): number {
  return Math.min(w, m - 1);
}

/** The observation-window row set for window w. */
export function windowSumSet(layout: StatsLayout, w: number): ColumnSumSet {
  const { m } = layout;
  return { key: `window:${w}`, start: m - observationWindow(m, w), end: m };
}

/** Every column-sum row set Stats holds, with the window sums for `windowSizes`. */
export function columnSumSets(
  layout: StatsLayout,
  windowSizes: readonly number[] = WINDOW_SIZES,
): ColumnSumSet[] {
  const { m, postVisionStart: v } = layout;
  return [
    { key: 'accumulated', start: 0, end: m },
    // τ = 0 gives the empty range [m, m): the vector stays zero and policies raise EmptyPostVisionError.
    { key: 'postVision', start: v, end: m },
    { key: 'lastQuery', start: m - 1, end: m },
    { key: 'oracle', start: m, end: m + 1 },
    ...windowSizes.map((w) => windowSumSet(layout, w)),
  ];
}

/** The Stats vector (f32 [L, Hkv, m]) a column-sum set is written to. */
export function columnSumVector(stats: Stats, key: ColumnSumKey): Float32Array {
  if (key.startsWith('window:')) {
    const w = Number(key.slice('window:'.length));
    stats.windowSums[w] ??= new Float32Array(stats.dims.L * stats.dims.Hkv * stats.dims.m);
    return stats.windowSums[w];
  }
  return stats[key as Exclude<ColumnSumKey, `window:${number}`>];
}
