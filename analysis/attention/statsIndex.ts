/**
 * Offsets into the flat Stats arrays (layout of stats.ts: row-major, outermost dimension first), so no
 * caller re-derives `((l*H + h)*3 + r)*162` by hand.
 */
import { HIST_BINS, ROW_SETS, type RowSet, type StatsDims } from './stats';

/** Index of a row set in `hist`'s third dimension. */
export function rowSetIndex(rowSet: RowSet): number {
  return ROW_SETS.indexOf(rowSet);
}

/** Offset of bin 0 of the histogram of (layer, query head, row set) in `hist`. */
export function histOffset(dims: StatsDims, layer: number, head: number, rowSet: RowSet): number {
  return ((layer * dims.H + head) * ROW_SETS.length + rowSetIndex(rowSet)) * HIST_BINS;
}

/** Offset of key 0 of the [L, Hkv, m] vectors (postVision, accumulated, …) for (layer, KV head). */
export function vectorOffset(dims: StatsDims, layer: number, kvHead: number): number {
  return (layer * dims.Hkv + kvHead) * dims.m;
}

/** Offset of pixel (0, 0) of the overview map of (layer, query head); R = `overviewSize`. */
export function overviewOffset(dims: StatsDims, R: number, layer: number, head: number): number {
  return (layer * dims.H + head) * R * R;
}
