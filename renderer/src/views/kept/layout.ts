/**
 * The kept/evicted matrix (DESIGN §8.7): which rows it shows (layers at one KV head, every (layer, KV
 * head), or the KV heads of one layer), each prompt token's state per row — kept or evicted, or in
 * diff mode only A / only B / both / neither — rasterised to at most one column per pixel (a pixel
 * covering several tokens blends their states), the modality spans along the token axis, and counts.
 */
import type { KeptSets } from '../../../../analysis/policies/keptSet';
import type { Span } from '../common/tokenSpans';

/** Token states: bit 0 = kept by A, bit 1 = kept by B. */
export const NEITHER = 0;
export const ONLY_A = 1;
export const ONLY_B = 2;
export const BOTH = 3;

export interface MatrixRow {
  layer: number;
  group: number;
  label: string;
}

/**
 * Rows for a head choice: `layers` shows every layer at the KV head of the chosen query head, or every
 * (layer, KV head) for the head mean; `heads` shows the groups of one layer.
 */
export function matrixRows(
  mode: 'layers' | 'heads',
  L: number,
  groups: number,
  H: number,
  layer: number,
  head: number | 'mean',
): MatrixRow[] {
  const g = (h: number) => (groups === 1 ? 0 : Math.floor(h / (H / groups)));
  if (mode === 'heads')
    return Array.from({ length: groups }, (_, gg) => ({
      layer,
      group: gg,
      label: groups === 1 ? `L${layer}` : `kv${gg}`,
    }));
  if (head !== 'mean' || groups === 1)
    return Array.from({ length: L }, (_, l) => ({
      layer: l,
      group: head === 'mean' ? 0 : g(head),
      label: `L${l}`,
    }));
  const rows: MatrixRow[] = [];
  for (let l = 0; l < L; l++)
    for (let gg = 0; gg < groups; gg++) rows.push({ layer: l, group: gg, label: gg === 0 ? `L${l}` : '' });
  return rows;
}

/** u8 [rows, m] of token states under A (and B in diff mode). */
export function stateMatrix(rows: MatrixRow[], a: KeptSets, b: KeptSets | null): Uint8Array {
  const m = a.m;
  const out = new Uint8Array(rows.length * m);
  rows.forEach((r, ri) => {
    const mark = (k: KeptSets, bit: number) => {
      const i = r.layer * k.groups + Math.min(r.group, k.groups - 1);
      for (let s = k.offsets[i]; s < k.offsets[i + 1]; s++) out[ri * m + k.indices[s]] |= bit;
    };
    mark(a, ONLY_A);
    if (b) mark(b, ONLY_B);
  });
  return out;
}

export interface StateCounts {
  onlyA: number;
  onlyB: number;
  both: number;
  neither: number;
}

export function countStates(states: Uint8Array): StateCounts {
  const c = { onlyA: 0, onlyB: 0, both: 0, neither: 0 };
  for (const s of states) {
    if (s === BOTH) c.both++;
    else if (s === ONLY_A) c.onlyA++;
    else if (s === ONLY_B) c.onlyB++;
    else c.neither++;
  }
  return c;
}

/**
 * RGBA pixels [rows, cols] with cols = min(m, maxCols): each pixel column blends the colours of the
 * tokens it covers. `colours` gives RGB per state (NEITHER, ONLY_A, ONLY_B, BOTH).
 */
export function rasterizeStates(
  states: Uint8Array,
  rows: number,
  m: number,
  maxCols: number,
  colours: readonly [number, number, number][],
): { pixels: Uint8ClampedArray; cols: number } {
  const cols = Math.max(1, Math.min(m, Math.floor(maxCols)));
  const px = new Uint8ClampedArray(rows * cols * 4);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const a = Math.floor((c * m) / cols);
      const b = Math.max(a + 1, Math.floor(((c + 1) * m) / cols));
      let R = 0;
      let G = 0;
      let B = 0;
      for (let j = a; j < b; j++) {
        const col = colours[states[r * m + j]];
        R += col[0];
        G += col[1];
        B += col[2];
      }
      const o = (r * cols + c) * 4;
      px[o] = R / (b - a);
      px[o + 1] = G / (b - a);
      px[o + 2] = B / (b - a);
      px[o + 3] = 255;
    }
  }
  return { pixels: px, cols };
}

export const KEPT_MARGIN = { top: 4, right: 8, bottom: 20, left: 34 };

export interface KeptLayout {
  plot: { x: number; y: number; width: number; height: number };
  rowHeight: number;
  /** Token position → x. */
  x: (pos: number) => number;
  /** Modality spans along the token axis, as x ranges. */
  spans: { modality: Span['modality']; x0: number; x1: number }[];
  labelEvery: number;
}

export function keptLayout(
  rows: number,
  m: number,
  spans: Span[],
  size: { width: number; height: number },
): KeptLayout {
  const mg = KEPT_MARGIN;
  const plot = {
    x: mg.left,
    y: mg.top,
    width: Math.max(10, size.width - mg.left - mg.right),
    height: Math.max(10, size.height - mg.top - mg.bottom),
  };
  const rowHeight = plot.height / Math.max(1, rows);
  const x = (pos: number) => plot.x + (pos / m) * plot.width;
  return {
    plot,
    rowHeight,
    x,
    spans: spans
      .filter((s) => s.start < m)
      .map((s) => ({ modality: s.modality, x0: x(s.start), x1: x(Math.min(m, s.end)) })),
    labelEvery: Math.max(1, Math.ceil(11 / rowHeight)),
  };
}

/** The (row, token) under a point, or null. */
export function keptCellAt(
  l: KeptLayout,
  rows: number,
  m: number,
  px: number,
  py: number,
): { row: number; pos: number } | null {
  const { plot } = l;
  if (px < plot.x || py < plot.y || px >= plot.x + plot.width || py >= plot.y + plot.height) return null;
  const row = Math.floor((py - plot.y) / l.rowHeight);
  const pos = Math.floor(((px - plot.x) / plot.width) * m);
  return row < rows && pos < m ? { row, pos } : null;
}
