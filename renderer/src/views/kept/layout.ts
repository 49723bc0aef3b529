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

/** The sorted kept positions of a row under one policy (its layer and group, clamped to the policy's groups). */
function rowSet(k: KeptSets, r: MatrixRow): Int32Array {
  const i = r.layer * k.groups + Math.min(r.group, k.groups - 1);
  return k.indices.subarray(k.offsets[i], k.offsets[i + 1]);
}

function contains(sorted: Int32Array, x: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === x;
}

/** The state of one cell: bit 0 = kept by A, bit 1 = kept by B. */
export function stateAt(row: MatrixRow, pos: number, a: KeptSets, b: KeptSets | null): number {
  return (contains(rowSet(a, row), pos) ? ONLY_A : 0) | (b && contains(rowSet(b, row), pos) ? ONLY_B : 0);
}

/** u8 [rows, m] of token states under A (and B in diff mode): the reference the fast paths are tested against. */
export function stateMatrix(rows: MatrixRow[], a: KeptSets, b: KeptSets | null): Uint8Array {
  const m = a.m;
  const out = new Uint8Array(rows.length * m);
  rows.forEach((r, ri) => {
    for (const j of rowSet(a, r)) out[ri * m + j] |= ONLY_A;
    if (b) for (const j of rowSet(b, r)) out[ri * m + j] |= ONLY_B;
  });
  return out;
}

export interface StateCounts {
  onlyA: number;
  onlyB: number;
  both: number;
  neither: number;
}

/** Counts of the four states over all rows, from the sorted sets (a merge per row, O(k) not O(m)). */
export function countKept(rows: MatrixRow[], a: KeptSets, b: KeptSets | null): StateCounts {
  let inA = 0;
  let inB = 0;
  let both = 0;
  for (const r of rows) {
    const sa = rowSet(a, r);
    inA += sa.length;
    if (!b) continue;
    const sb = rowSet(b, r);
    inB += sb.length;
    for (let i = 0, j = 0; i < sa.length && j < sb.length; ) {
      if (sa[i] === sb[j]) {
        both++;
        i++;
        j++;
      } else if (sa[i] < sb[j]) i++;
      else j++;
    }
  }
  const cells = rows.length * a.m;
  return { onlyA: inA - both, onlyB: inB - both, both, neither: cells - inA - inB + both };
}

/**
 * RGBA pixels [rows, cols] with cols = min(m, maxCols): each pixel column blends the colours of the
 * states of the tokens it covers. Built from the sorted kept sets by merging them along each row,
 * O(rows · (cols + k)) rather than a pass over every token. `colours` gives RGB per state (NEITHER,
 * ONLY_A, ONLY_B, BOTH).
 */
export function rasterizeKept(
  rows: MatrixRow[],
  a: KeptSets,
  b: KeptSets | null,
  maxCols: number,
  colours: readonly [number, number, number][],
): { pixels: Uint8ClampedArray; cols: number } {
  const m = a.m;
  const cols = Math.max(1, Math.min(m, Math.floor(maxCols)));
  const px = new Uint8ClampedArray(rows.length * cols * 4);
  const rgb = new Float64Array(12);
  colours.forEach((c, i) => {
    rgb.set(c, i * 3);
  });
  // Pixel column of each token, and each column's token count.
  const colOf = new Int32Array(m);
  const span = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    const lo = Math.floor((c * m) / cols);
    const hi = Math.max(lo + 1, Math.floor(((c + 1) * m) / cols));
    for (let j = lo; j < Math.min(hi, m); j++) colOf[j] = c;
    span[c] = Math.min(hi, m) - lo;
  }
  const cA = new Float64Array(cols);
  const cB = new Float64Array(cols);
  const cAB = new Float64Array(cols);
  const empty = new Int32Array(0);
  rows.forEach((r, ri) => {
    cA.fill(0);
    cB.fill(0);
    cAB.fill(0);
    const sa = rowSet(a, r);
    const sb = b ? rowSet(b, r) : empty;
    let i = 0;
    let j = 0;
    while (i < sa.length || j < sb.length) {
      const x = i < sa.length ? sa[i] : m;
      const y = j < sb.length ? sb[j] : m;
      if (x === y) {
        cAB[colOf[x]]++;
        i++;
        j++;
      } else if (x < y) {
        cA[colOf[x]]++;
        i++;
      } else {
        cB[colOf[y]]++;
        j++;
      }
    }
    for (let c = 0; c < cols; c++) {
      const n = span[c];
      const none = n - cA[c] - cB[c] - cAB[c];
      const o = (ri * cols + c) * 4;
      for (let ch = 0; ch < 3; ch++)
        px[o + ch] = (none * rgb[ch] + cA[c] * rgb[3 + ch] + cB[c] * rgb[6 + ch] + cAB[c] * rgb[9 + ch]) / n;
      px[o + 3] = 255;
    }
  });
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
