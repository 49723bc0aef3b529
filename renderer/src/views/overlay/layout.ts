/**
 * Geometry and values of the image overlay (DESIGN §8.4): the image fitted into the view, the patch
 * grid's cells over it, each cell's token position, its attention (from a tile row or the
 * post-vision score) as a colour position, and its kept fraction under the current policy (1 kept,
 * 0 evicted; between when several KV heads are shown at once and only some keep it).
 */
import type { ImageTile } from '../../../../analysis/attention/imageLayout';
import type { RecordingInfo } from '../../../../analysis/engine/api';
import type { KeptSets } from '../../../../analysis/policies/keptSet';
import type { Rect } from '../attention/layout';

export interface OverlayLayout {
  image: Rect;
  rows: number;
  cols: number;
  cellW: number;
  cellH: number;
  /** Token position of each cell (row-major), −1 where no token maps to it. */
  positions: Int32Array;
  /**
   * The anyres grid tiles: per cell x, y, width, height in view pixels (cells tile by tile, each
   * tile's rows × cols row-major). Absent: the cells are one rows × cols grid over the image.
   */
  rects?: Float64Array;
}

/** Which tiles the overlay shows: tile 0 (the whole image) or the high-resolution grid tiles. */
export type OverlayTiles = 'base' | 'grid';

/** Whether a recording's image has grid tiles beside the base tile (an anyres layout). */
export function hasGridTiles(tiles: readonly ImageTile[] | undefined): boolean {
  return (tiles?.length ?? 0) > 1;
}

/**
 * Fits the image (aspect width/height) into `size`, with the rows × cols grid over it — or, for
 * `show: 'grid'` on an image with grid tiles, each grid tile's rows × cols cells at its rectangle
 * (which may reach past the image where the tile holds padding). Newline tokens are not placed.
 */
export function overlayLayout(
  size: { width: number; height: number },
  aspect: number,
  tokens: RecordingInfo['tokens'],
  grid: { rows: number; cols: number },
  tiles?: readonly ImageTile[],
  show: OverlayTiles = 'base',
): OverlayLayout {
  const a = aspect > 0 && Number.isFinite(aspect) ? aspect : 1;
  const width = Math.max(1, Math.min(size.width, size.height * a));
  const height = width / a;
  const image = { x: (size.width - width) / 2, y: (size.height - height) / 2, width, height };
  if (show === 'grid' && tiles && hasGridTiles(tiles)) return gridTilesLayout(image, tokens, tiles);
  const positions = new Int32Array(grid.rows * grid.cols).fill(-1);
  tokens.forEach((t, pos) => {
    const p = t.patch;
    if (t.modality === 'image' && p && !p.isNewline && p.tile === 0 && p.row < grid.rows && p.col < grid.cols)
      positions[p.row * grid.cols + p.col] = pos;
  });
  return {
    image,
    rows: grid.rows,
    cols: grid.cols,
    cellW: width / grid.cols,
    cellH: height / grid.rows,
    positions,
  };
}

function gridTilesLayout(
  image: Rect,
  tokens: RecordingInfo['tokens'],
  tiles: readonly ImageTile[],
): OverlayLayout {
  // First cell of each tile; tile 0 (the base) has none here.
  const first = new Int32Array(tiles.length + 1);
  for (let t = 1; t < tiles.length; t++) first[t + 1] = first[t] + tiles[t].rows * tiles[t].cols;
  const n = first[tiles.length];
  const positions = new Int32Array(n).fill(-1);
  const rects = new Float64Array(4 * n);
  for (let t = 1; t < tiles.length; t++) {
    const { x, y, w, h, rows, cols } = tiles[t];
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const i = 4 * (first[t] + r * cols + c);
        rects[i] = image.x + (x + (c * w) / cols) * image.width;
        rects[i + 1] = image.y + (y + (r * h) / rows) * image.height;
        rects[i + 2] = (w / cols) * image.width;
        rects[i + 3] = (h / rows) * image.height;
      }
  }
  tokens.forEach((tok, pos) => {
    const p = tok.patch;
    if (tok.modality !== 'image' || !p || p.isNewline || p.tile < 1 || p.tile >= tiles.length) return;
    const { rows, cols } = tiles[p.tile];
    if (p.row < rows && p.col < cols) positions[first[p.tile] + p.row * cols + p.col] = pos;
  });
  const t1 = tiles[1];
  return {
    image,
    rows: t1.rows,
    cols: t1.cols,
    cellW: (t1.w / t1.cols) * image.width,
    cellH: (t1.h / t1.rows) * image.height,
    positions,
    rects,
  };
}

export function cellRect(o: OverlayLayout, i: number): Rect {
  if (o.rects)
    return {
      x: o.rects[4 * i],
      y: o.rects[4 * i + 1],
      width: o.rects[4 * i + 2],
      height: o.rects[4 * i + 3],
    };
  const r = Math.floor(i / o.cols);
  const c = i % o.cols;
  return { x: o.image.x + c * o.cellW, y: o.image.y + r * o.cellH, width: o.cellW, height: o.cellH };
}

/**
 * Per cell, a value for the heatmap from a vector over positions [start, start + values.length)
 * (NaN where the vector has none), and the range used to colour it.
 */
export function cellValues(
  o: OverlayLayout,
  values: Float32Array,
  start: number,
): { cells: Float32Array; max: number } {
  const cells = new Float32Array(o.positions.length).fill(Number.NaN);
  let max = 0;
  for (let i = 0; i < cells.length; i++) {
    const p = o.positions[i] - start;
    if (o.positions[i] < 0 || p < 0 || p >= values.length) continue;
    const v = values[p];
    cells[i] = v;
    if (v > max) max = v;
  }
  return { cells, max };
}

/**
 * The post-vision score over prompt keys for a layer and a head choice: the KV head's vector of the
 * Stats (a KV head's score is the sum over its query heads), or the sum over KV heads for the mean.
 */
export function postVisionVector(
  scores: Float32Array,
  dims: { Hkv: number; H: number; m: number },
  layer: number,
  head: number | 'mean',
): Float32Array {
  const { Hkv, H, m } = dims;
  if (head !== 'mean') {
    const g = Math.floor(head / (H / Hkv));
    return scores.subarray((layer * Hkv + g) * m, (layer * Hkv + g + 1) * m);
  }
  const out = new Float32Array(m);
  for (let g = 0; g < Hkv; g++) {
    const base = (layer * Hkv + g) * m;
    for (let j = 0; j < m; j++) out[j] += scores[base + j];
  }
  return out;
}

/** The selection groups a head choice shows: one KV head (or the layer's one group), or all. */
export function groupsShown(kept: KeptSets, H: number, head: number | 'mean'): number[] {
  if (kept.groups === 1) return [0];
  if (head === 'mean') return Array.from({ length: kept.groups }, (_, g) => g);
  return [Math.floor(head / (H / kept.groups))];
}

/** Per cell, the share of the shown groups whose kept set at `layer` holds the cell's token. */
export function keptFractions(
  o: OverlayLayout,
  kept: KeptSets,
  layer: number,
  groups: number[],
): Float32Array {
  const mask = new Uint8Array(kept.m);
  for (const g of groups) {
    const i = layer * kept.groups + g;
    for (let s = kept.offsets[i]; s < kept.offsets[i + 1]; s++) mask[kept.indices[s]]++;
  }
  const out = new Float32Array(o.positions.length);
  for (let i = 0; i < out.length; i++) {
    const p = o.positions[i];
    out[i] = p >= 0 && p < kept.m ? mask[p] / groups.length : 0;
  }
  return out;
}
