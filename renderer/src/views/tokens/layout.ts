/**
 * Geometry of the token strip (DESIGN §8.2): every token as a box in reading order, wrapped into
 * lines of the given width, text measured in a fixed-width font (so width = characters × advance
 * without a DOM); the image tokens either one collapsed block or their patch grid on lines of its own;
 * and a marker at every modality boundary.
 */
import type { RecordingInfo } from '../../../../analysis/engine/api';
import { tokenLabel } from '../common/format';
import type { Modality, TokenLayout } from '../common/tokenSpans';

export const CHAR_WIDTH = 6.6;
export const LINE_HEIGHT = 20;
export const BOX_HEIGHT = 16;
export const GAP = 2;
export const MARKER_WIDTH = 6;
const PAD_X = 3;

export type StripItem =
  | { kind: 'token'; pos: number; x: number; y: number; w: number; label: string; modality: Modality }
  | { kind: 'imageBlock'; start: number; end: number; x: number; y: number; w: number; label: string }
  | {
      kind: 'patchGrid';
      start: number;
      end: number;
      x: number;
      y: number;
      cell: number;
      rows: number;
      cols: number;
      /** Position of the token in each grid cell (row-major), −1 for none. */
      cells: Int32Array;
    };

export interface StripLayout {
  items: StripItem[];
  /** Boundary markers: the gap before the first token of a new modality. */
  markers: { pos: number; x: number; y: number }[];
  height: number;
}

export function tokenWidth(label: string): number {
  return Math.ceil(label.length * CHAR_WIDTH + 2 * PAD_X);
}

/**
 * Lays the strip out in `width` pixels. With `expanded`, the image span becomes its rows × cols patch
 * grid (cell side `cell`), which takes whole lines.
 */
export function stripLayout(
  tokens: RecordingInfo['tokens'],
  t: TokenLayout,
  grid: { rows: number; cols: number },
  width: number,
  expanded: boolean,
  cell = 7,
): StripLayout {
  const items: StripItem[] = [];
  const markers: StripLayout['markers'] = [];
  let x = 0;
  let y = 0;
  const newline = (h = LINE_HEIGHT) => {
    x = 0;
    y += h;
  };
  const place = (w: number) => {
    if (x > 0 && x + w > width) newline();
    const at = { x, y };
    x += w + GAP;
    return at;
  };
  const boundaries = new Set(t.boundaries);
  for (let pos = 0; pos < t.n; pos++) {
    if (boundaries.has(pos)) {
      if (x > 0 && x + MARKER_WIDTH > width) newline();
      markers.push({ pos, x, y });
      x += MARKER_WIDTH;
    }
    if (pos === t.imageStart && t.imageEnd > t.imageStart) {
      const count = t.imageEnd - t.imageStart;
      if (!expanded) {
        const label = `▦ ${count} image tokens`;
        const w = tokenWidth(label);
        items.push({ kind: 'imageBlock', start: t.imageStart, end: t.imageEnd, ...place(w), w, label });
      } else {
        const cells = new Int32Array(grid.rows * grid.cols).fill(-1);
        for (let p = t.imageStart; p < t.imageEnd; p++) {
          const patch = tokens[p]?.patch;
          if (patch && !patch.isNewline && patch.tile === 0 && patch.row < grid.rows && patch.col < grid.cols)
            cells[patch.row * grid.cols + patch.col] = p;
        }
        if (x > MARKER_WIDTH) newline();
        items.push({
          kind: 'patchGrid',
          start: t.imageStart,
          end: t.imageEnd,
          x,
          y,
          cell,
          rows: grid.rows,
          cols: grid.cols,
          cells,
        });
        newline(grid.rows * cell + GAP + 2);
      }
      pos = t.imageEnd - 1;
      continue;
    }
    const label = tokenLabel(tokens[pos]?.text ?? '');
    const w = tokenWidth(label);
    items.push({
      kind: 'token',
      pos,
      ...place(w),
      w,
      label,
      modality: pos < t.m ? (tokens[pos]?.modality ?? 'text-pre') : 'generated',
    });
  }
  return { items, markers, height: x === 0 ? y : y + LINE_HEIGHT };
}

/** The position a point falls on (a token box or a patch cell), or null. */
export function stripHit(layout: StripLayout, px: number, py: number): number | null {
  for (const it of layout.items) {
    if (it.kind === 'patchGrid') {
      const c = Math.floor((px - it.x) / it.cell);
      const r = Math.floor((py - it.y) / it.cell);
      if (c >= 0 && r >= 0 && c < it.cols && r < it.rows) {
        const p = it.cells[r * it.cols + c];
        return p >= 0 ? p : null;
      }
    } else if (px >= it.x && px < it.x + it.w && py >= it.y && py < it.y + BOX_HEIGHT) {
      return it.kind === 'token' ? it.pos : null;
    }
  }
  return null;
}
