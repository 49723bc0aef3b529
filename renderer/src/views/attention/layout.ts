/**
 * Geometry of the attention map (DESIGN §8.3), as pure functions of the data and a size: the visible
 * window of the n × n matrix (rows = queries, columns = keys) and its zoom/pan, the scales from
 * positions to pixels, the modality boundary lines on both axes, the post-vision and decode row
 * bands, the exact tiles a window needs, the rasterisation of tiles or overview maps into one value
 * per pixel (max-pooled, so a single sharp attention entry never vanishes when zoomed out), and the
 * colour legend.
 */
import { scaleLinear, scaleLog } from 'd3';
import type { TokenLayout } from '../common/tokenSpans';

/** A window over the matrix in positions: rows [r0, r1) × columns [c0, c1) (fractional while panning). */
export interface MapWindow {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Side of the aligned square tiles requested from the engine. */
export const TILE = 256;
/** Above this many tiles in view the map shows the overview maps instead of exact tiles. */
export const MAX_TILES = 16;
/** The smallest window side, in positions. */
export const MIN_SPAN = 8;

export function fullWindow(n: number): MapWindow {
  return { r0: 0, r1: n, c0: 0, c1: n };
}

/** Keeps a window inside [0, n) on both axes with sides between MIN_SPAN (or n) and n. */
export function clampWindow(w: MapWindow, n: number): MapWindow {
  const fitRange = (a: number, b: number): [number, number] => {
    const min = Math.min(MIN_SPAN, n);
    let span = Math.min(n, Math.max(min, b - a));
    let lo = a + (b - a - span) / 2;
    if (lo < 0) lo = 0;
    if (lo + span > n) lo = n - span;
    if (span > n) span = n;
    return [lo, lo + span];
  };
  const [r0, r1] = fitRange(w.r0, w.r1);
  const [c0, c1] = fitRange(w.c0, w.c1);
  return { r0, r1, c0, c1 };
}

/** Zooms by `factor` (< 1 zooms in) about the anchor (row, col), which stays under the pointer. */
export function zoomAt(
  w: MapWindow,
  anchor: { row: number; col: number },
  factor: number,
  n: number,
): MapWindow {
  return clampWindow(
    {
      r0: anchor.row - (anchor.row - w.r0) * factor,
      r1: anchor.row + (w.r1 - anchor.row) * factor,
      c0: anchor.col - (anchor.col - w.c0) * factor,
      c1: anchor.col + (w.c1 - anchor.col) * factor,
    },
    n,
  );
}

/** Moves the window by whole or fractional positions, stopping at the matrix edges. */
export function panBy(w: MapWindow, dRows: number, dCols: number, n: number): MapWindow {
  const dr = Math.max(-w.r0, Math.min(n - w.r1, dRows));
  const dc = Math.max(-w.c0, Math.min(n - w.c1, dCols));
  return { r0: w.r0 + dr, r1: w.r1 + dr, c0: w.c0 + dc, c1: w.c1 + dc };
}

export const MAP_MARGIN = { top: 6, right: 6, bottom: 22, left: 34 };

export interface Tick {
  pos: number;
  px: number;
  label: string;
}

export interface MapLayout {
  plot: Rect;
  /** Column (key position) → x pixel. */
  x: (pos: number) => number;
  /** Row (query position) → y pixel. */
  y: (pos: number) => number;
  invertX: (px: number) => number;
  invertY: (py: number) => number;
  /** Modality boundaries inside the window, as key (x) and query (y) lines. */
  boundariesX: { pos: number; px: number }[];
  boundariesY: { pos: number; px: number }[];
  /** Post-vision rows [v, m) and decode rows [m, n), clipped to the window, as pixel bands. */
  bands: { kind: 'postVision' | 'decode'; y0: number; y1: number }[];
  ticksX: Tick[];
  ticksY: Tick[];
}

/**
 * The map's geometry for a window in a canvas of `size` CSS pixels. The plot is square-celled when it
 * can be (equal scales on both axes), centred in the space left by the axis margins.
 */
export function mapLayout(size: { width: number; height: number }, w: MapWindow, t: TokenLayout): MapLayout {
  const m = MAP_MARGIN;
  const availW = Math.max(10, size.width - m.left - m.right);
  const availH = Math.max(10, size.height - m.top - m.bottom);
  const perPos = Math.min(availW / (w.c1 - w.c0), availH / (w.r1 - w.r0));
  const plot = {
    x: m.left,
    y: m.top,
    width: perPos * (w.c1 - w.c0),
    height: perPos * (w.r1 - w.r0),
  };
  const xs = scaleLinear()
    .domain([w.c0, w.c1])
    .range([plot.x, plot.x + plot.width]);
  const ys = scaleLinear()
    .domain([w.r0, w.r1])
    .range([plot.y, plot.y + plot.height]);
  const inside = (p: number, a: number, b: number) => p > a && p < b;
  const boundaries = [...t.boundaries];
  const boundariesX = boundaries.filter((p) => inside(p, w.c0, w.c1)).map((pos) => ({ pos, px: xs(pos) }));
  const boundariesY = boundaries.filter((p) => inside(p, w.r0, w.r1)).map((pos) => ({ pos, px: ys(pos) }));
  const bands: MapLayout['bands'] = [];
  const band = (kind: 'postVision' | 'decode', a: number, b: number) => {
    const lo = Math.max(a, w.r0);
    const hi = Math.min(b, w.r1);
    if (hi > lo) bands.push({ kind, y0: ys(lo), y1: ys(hi) });
  };
  band('postVision', t.v, t.m);
  band('decode', t.m, t.n);
  const ticks = (s: typeof xs, count: number): Tick[] =>
    s
      .ticks(count)
      .filter((v) => Number.isInteger(v))
      .map((pos) => ({ pos, px: s(pos), label: String(pos) }));
  return {
    plot,
    x: xs,
    y: ys,
    invertX: (px) => xs.invert(px),
    invertY: (py) => ys.invert(py),
    boundariesX,
    boundariesY,
    bands,
    ticksX: ticks(xs, Math.max(2, Math.floor(plot.width / 60))),
    ticksY: ticks(ys, Math.max(2, Math.floor(plot.height / 40))),
  };
}

/** The integer position under a pixel, or null outside the plot or the matrix. */
export function cellAt(
  layout: MapLayout,
  px: number,
  py: number,
  n: number,
): { row: number; col: number } | null {
  const { plot } = layout;
  if (px < plot.x || py < plot.y || px >= plot.x + plot.width || py >= plot.y + plot.height) return null;
  const row = Math.floor(layout.invertY(py));
  const col = Math.floor(layout.invertX(px));
  if (row < 0 || col < 0 || row >= n || col >= n) return null;
  return { row, col };
}

export interface TileRequest {
  /** Tile grid index. */
  ti: number;
  tj: number;
  rows: [number, number];
  cols: [number, number];
}

/**
 * The aligned tiles covering a window, skipping those strictly above the diagonal (no key there is
 * visible to any query of the tile: every column exceeds every row). Null when more than `maxTiles`
 * would be needed: the view then draws the overview maps.
 */
export function tileRequests(
  w: MapWindow,
  n: number,
  tile = TILE,
  maxTiles = MAX_TILES,
): TileRequest[] | null {
  const i0 = Math.floor(Math.max(0, w.r0) / tile);
  const i1 = Math.ceil(Math.min(n, w.r1) / tile);
  const j0 = Math.floor(Math.max(0, w.c0) / tile);
  const j1 = Math.ceil(Math.min(n, w.c1) / tile);
  const out: TileRequest[] = [];
  for (let ti = i0; ti < i1; ti++) {
    const rows: [number, number] = [ti * tile, Math.min(n, (ti + 1) * tile)];
    for (let tj = j0; tj < j1; tj++) {
      const cols: [number, number] = [tj * tile, Math.min(n, (tj + 1) * tile)];
      if (cols[0] > rows[1] - 1) continue;
      out.push({ ti, tj, rows, cols });
      if (out.length > maxTiles) return null;
    }
  }
  return out;
}

/** A fetched tile: A over rows × cols, NaN where an entry is not visible. */
export interface Tile {
  rows: [number, number];
  cols: [number, number];
  data: Float32Array;
}

/** The integer cells a window touches and the raster size that covers them (≤ one value per pixel). */
export interface RasterGrid {
  ri0: number;
  ri1: number;
  ci0: number;
  ci1: number;
  rows: number;
  cols: number;
}

export function rasterGrid(w: MapWindow, n: number, maxCols: number, maxRows: number): RasterGrid {
  const ri0 = Math.max(0, Math.floor(w.r0));
  const ri1 = Math.min(n, Math.ceil(w.r1));
  const ci0 = Math.max(0, Math.floor(w.c0));
  const ci1 = Math.min(n, Math.ceil(w.c1));
  return {
    ri0,
    ri1,
    ci0,
    ci1,
    rows: Math.max(1, Math.min(ri1 - ri0, Math.floor(maxRows))),
    cols: Math.max(1, Math.min(ci1 - ci0, Math.floor(maxCols))),
  };
}

/** Start positions of the raster's pixel blocks along one axis (length count + 1). */
function blockStarts(a: number, b: number, count: number): Int32Array {
  const s = new Int32Array(count + 1);
  for (let i = 0; i <= count; i++) s[i] = a + Math.floor((i * (b - a)) / count);
  return s;
}

/**
 * One value per raster pixel: the maximum of the tile entries it covers, NaN where none is visible
 * or no tile is loaded. `tileOf(ti, tj)` returns a loaded tile or undefined.
 */
export function rasterizeTiles(
  g: RasterGrid,
  tileOf: (ti: number, tj: number) => Tile | undefined,
  tile = TILE,
): Float32Array {
  const out = new Float32Array(g.rows * g.cols).fill(Number.NaN);
  const rs = blockStarts(g.ri0, g.ri1, g.rows);
  const cs = blockStarts(g.ci0, g.ci1, g.cols);
  for (let pr = 0; pr < g.rows; pr++) {
    for (let q = rs[pr]; q < Math.max(rs[pr + 1], rs[pr] + 1); q++) {
      const ti = Math.floor(q / tile);
      for (let pc = 0; pc < g.cols; pc++) {
        const a = cs[pc];
        const b = Math.max(cs[pc + 1], a + 1);
        // Only keys ≤ q can be visible: skip the rest of the row at once.
        if (a > q) break;
        let best = out[pr * g.cols + pc];
        for (let j = a; j < Math.min(b, q + 1); j++) {
          const t = tileOf(ti, Math.floor(j / tile));
          if (!t) continue;
          const v = t.data[(q - t.rows[0]) * (t.cols[1] - t.cols[0]) + (j - t.cols[0])];
          if (!Number.isNaN(v) && !(v <= best)) best = v;
        }
        out[pr * g.cols + pc] = best;
      }
    }
  }
  return out;
}

/**
 * One value per raster pixel from an R × R overview map (u8 levels; 0 = no data; level → A by
 * `toValue`): the maximum over the overview cells the pixel's positions fall in.
 */
export function rasterizeOverview(
  g: RasterGrid,
  overview: Uint8Array,
  offset: number,
  R: number,
  n: number,
  toValue: (level: number) => number,
): Float32Array {
  const out = new Float32Array(g.rows * g.cols).fill(Number.NaN);
  const rs = blockStarts(g.ri0, g.ri1, g.rows);
  const cs = blockStarts(g.ci0, g.ci1, g.cols);
  // Overview cell of position p: the i with ⌊i·n/R⌋ ≤ p < ⌊(i+1)·n/R⌋.
  const cellOf = (p: number) => {
    let i = Math.floor((p * R) / n);
    while (i > 0 && Math.floor((i * n) / R) > p) i--;
    while (i < R - 1 && Math.floor(((i + 1) * n) / R) <= p) i++;
    return i;
  };
  const colCells: [number, number][] = [];
  for (let pc = 0; pc < g.cols; pc++)
    colCells.push([cellOf(cs[pc]), cellOf(Math.max(cs[pc], cs[pc + 1] - 1))]);
  for (let pr = 0; pr < g.rows; pr++) {
    const a = cellOf(rs[pr]);
    const b = cellOf(Math.max(rs[pr], rs[pr + 1] - 1));
    for (let pc = 0; pc < g.cols; pc++) {
      const [c0, c1] = colCells[pc];
      let best = 0;
      for (let i = a; i <= b; i++)
        for (let k = c0; k <= c1; k++) best = Math.max(best, overview[offset + i * R + k]);
      if (best > 0) out[pr * g.cols + pc] = toValue(best);
    }
  }
  return out;
}

/** The colour domain of each scale: log over [10⁻⁶, 1], linear over [0, max]. */
export const LOG_DOMAIN: [number, number] = [1e-6, 1];

/** A probability's position 0..1 on the colour ramp; NaN (no data) stays NaN. */
export function colourPosition(a: number, scale: 'log' | 'linear', linearMax: number): number {
  if (Number.isNaN(a)) return Number.NaN;
  if (scale === 'log') {
    const lo = Math.log10(LOG_DOMAIN[0]);
    const x = a > 0 ? Math.log10(a) : lo;
    return Math.max(0, Math.min(1, (x - lo) / -lo));
  }
  return linearMax > 0 ? Math.max(0, Math.min(1, a / linearMax)) : 0;
}

/** RGBA pixels of a raster through a 256-entry lookup table; no-data pixels get `noData`. */
export function colourize(
  values: Float32Array,
  scale: 'log' | 'linear',
  linearMax: number,
  lut: Uint8ClampedArray,
  noData: [number, number, number, number],
): Uint8ClampedArray {
  const px = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const t = colourPosition(values[i], scale, linearMax);
    if (Number.isNaN(t)) px.set(noData, i * 4);
    else {
      const k = Math.round(t * 255) * 4;
      px[i * 4] = lut[k];
      px[i * 4 + 1] = lut[k + 1];
      px[i * 4 + 2] = lut[k + 2];
      px[i * 4 + 3] = 255;
    }
  }
  return px;
}

/** Largest finite value of a raster (the linear scale's top), 0 when there is none. */
export function rasterMax(values: Float32Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}

export interface LegendTick {
  value: number;
  px: number;
  label: string;
}

/** Ticks of the colour legend, `width` pixels long, for either scale. */
export function legendTicks(scale: 'log' | 'linear', linearMax: number, width: number): LegendTick[] {
  if (scale === 'log') {
    const s = scaleLog().domain(LOG_DOMAIN).range([0, width]);
    return s
      .ticks()
      .filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9)
      .map((value) => ({
        value,
        px: s(value),
        label: value === 1 ? '1' : `1e${Math.round(Math.log10(value))}`,
      }));
  }
  const top = linearMax > 0 ? linearMax : 1;
  const s = scaleLinear().domain([0, top]).range([0, width]);
  return s.ticks(4).map((value) => ({ value, px: s(value), label: String(+value.toPrecision(3)) }));
}

export interface SmallMultiplesLayout {
  cell: number;
  gap: number;
  /** Left/top offsets of column h and row l. */
  x: (h: number) => number;
  y: (l: number) => number;
  width: number;
  height: number;
  labelLeft: number;
  labelTop: number;
}

/** L rows × H columns of square thumbnails, as large as fit in the size. */
export function smallMultiplesLayout(
  L: number,
  H: number,
  size: { width: number; height: number },
): SmallMultiplesLayout {
  const labelLeft = 26;
  const labelTop = 14;
  const gap = L * H > 256 ? 1 : 3;
  const cell = Math.max(
    3,
    Math.floor(Math.min((size.width - labelLeft - gap * H) / H, (size.height - labelTop - gap * L) / L)),
  );
  return {
    cell,
    gap,
    x: (h) => labelLeft + h * (cell + gap),
    y: (l) => labelTop + l * (cell + gap),
    width: labelLeft + H * (cell + gap),
    height: labelTop + L * (cell + gap),
    labelLeft,
    labelTop,
  };
}

/** The (layer, head) thumbnail under a point, or null. */
export function smallMultipleAt(
  s: SmallMultiplesLayout,
  L: number,
  H: number,
  px: number,
  py: number,
): { layer: number; head: number } | null {
  const h = Math.floor((px - s.labelLeft) / (s.cell + s.gap));
  const l = Math.floor((py - s.labelTop) / (s.cell + s.gap));
  if (h < 0 || l < 0 || h >= H || l >= L) return null;
  if (px - s.x(h) > s.cell || py - s.y(l) > s.cell) return null;
  return { layer: l, head: h };
}
