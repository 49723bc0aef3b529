/**
 * Image-token geometry of a model package's image layout (docs/model-package.md), pure so that the
 * engine (preprocessing, prompt layout, feature packing) and the renderer (image overlay) share it.
 *
 * `fixed`: one size × size tile of rows × cols tokens. `anyres` (LLaVA-1.6 / LLaVA-NeXT): transformers'
 * LlavaNextImageProcessor and LlavaNextModel.pack_image_features — the best grid pinpoint for the
 * image, the image resized to fit it keeping its aspect and padded (centred, black) to it, cut into
 * tileSize tiles; tile 0 is the whole image squashed to one tile. The token sequence is the base
 * tile's rows × cols features, then the grid's features (gh·rows × gw·cols positions) with the
 * padding rows or columns cropped off ("unpad") and a newline token after each kept row.
 * A fixed layout is the one-tile special case of the same functions.
 *
 * `maxTiles` (LLaVA-OneVision's "anyres_max_N", LlavaOnevisionModel.pack_image_features): when the
 * kept grid map holds clearly more than maxTiles tiles of features it is resized, bilinearly, to
 * about maxTiles tiles before the newline tokens are added. A packed token is then a weighted sum of
 * up to 4 tile features (imageTokenMixes). Reference: `packed_terms` in
 * tools/hf/verify_llava_onevision.py, which this module follows operation by operation.
 */

export interface FixedImageLayout {
  kind: 'fixed';
  size: number;
  rows: number;
  cols: number;
}

export interface AnyresImageLayout {
  kind: 'anyres';
  /** [height, width] of each candidate grid canvas, in pixels. */
  gridPinpoints: readonly (readonly [number, number])[];
  tileSize: number;
  rows: number;
  cols: number;
  newline: boolean;
  unpad: boolean;
  /** OneVision's anyres_max_N; absent: the kept grid is never downsampled (LLaVA-NeXT). */
  maxTiles?: number;
}

export type ImageLayoutSpec = FixedImageLayout | AnyresImageLayout;

/** A tile's rectangle in the original image's normalised coordinates (may extend outside [0, 1]). */
export interface ImageTile {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Token grid of the tile. */
  rows: number;
  cols: number;
}

/** Where an image token comes from: a tile's patch, or the newline vector. */
export interface ImageTokenPatch {
  /** 0 the base tile (or the only tile of a fixed layout), 1.. the grid tiles in row-major order. */
  tile: number;
  /** Row and column within the tile; for a newline token the global grid row and one past the last global column. */
  row: number;
  col: number;
  isNewline: boolean;
}

export interface ImageGeometry {
  kind: 'fixed' | 'anyres';
  /** Pixel size of one tile (the vision encoder's input). */
  tileSize: number;
  /** Token grid of one tile. */
  rows: number;
  cols: number;
  /** Tiles fed to the vision encoder: 1 (fixed) or 1 + gridRows·gridCols. */
  tiles: number;
  /** The grid canvas (best resolution) [height, width]; size × size for fixed. */
  canvas: { height: number; width: number };
  /** The image resized to fit the canvas, and its placement on it. */
  resized: { height: number; width: number };
  pad: { top: number; bottom: number; left: number; right: number };
  /** Grid tiles down and across (0 × 0 for fixed). */
  gridRows: number;
  gridCols: number;
  /** Kept part of the grid's global token map [rowStart, rowEnd) × [colStart, colEnd). */
  kept: { rowStart: number; rowEnd: number; colStart: number; colEnd: number };
  /** The kept map's size after maxTiles downsampling; null when it is packed as kept. */
  downsampled: { rows: number; cols: number } | null;
  newline: boolean;
  /** n_img: image tokens in the prompt. */
  tokenCount: number;
  /** Per tile (index = tile number), its rectangle on the original image. */
  tileRects: ImageTile[];
}

/**
 * transformers' select_best_resolution: the pinpoint [h, w] keeping the most of the image's
 * resolution, ties to the least wasted area, remaining ties to the first.
 */
export function selectBestResolution(
  height: number,
  width: number,
  pinpoints: readonly (readonly [number, number])[],
): [number, number] {
  let best: [number, number] | null = null;
  let maxEffective = 0;
  let minWasted = Number.POSITIVE_INFINITY;
  for (const [ph, pw] of pinpoints) {
    const scale = Math.min(pw / width, ph / height);
    const dw = Math.floor(width * scale);
    const dh = Math.floor(height * scale);
    const effective = Math.min(dw * dh, width * height);
    const wasted = ph * pw - effective;
    if (effective > maxEffective || (effective === maxEffective && wasted < minWasted)) {
      maxEffective = effective;
      minWasted = wasted;
      best = [ph, pw];
    }
  }
  if (!best) throw new Error('no grid pinpoint fits the image');
  return best;
}

/** transformers' _get_patch_output_size: the image resized to fit [th, tw] keeping its aspect. */
export function resizeForPatching(
  height: number,
  width: number,
  targetHeight: number,
  targetWidth: number,
): { height: number; width: number } {
  const sw = targetWidth / width;
  const sh = targetHeight / height;
  if (sw < sh) return { width: targetWidth, height: Math.min(Math.ceil(height * sw), targetHeight) };
  return { height: targetHeight, width: Math.min(Math.ceil(width * sh), targetWidth) };
}

/** transformers' _pad_for_patching: centred, the odd pixel on the right / bottom. */
export function padForPatching(
  resized: { height: number; width: number },
  targetHeight: number,
  targetWidth: number,
): { top: number; bottom: number; left: number; right: number } {
  const dx = targetWidth - resized.width;
  const dy = targetHeight - resized.height;
  const left = Math.floor(dx / 2);
  const top = Math.floor(dy / 2);
  return { top, bottom: top + (dy % 2), left, right: left + (dx % 2) };
}

const TEN7 = 10_000_000n;

/**
 * Python's `int(round(x, 7))` for finite x ≥ 0, exactly: round(x, 7) rounds the double's exact binary
 * value half to even at 7 decimals (CPython's correctly rounded dtoa) and int() truncates. Here the
 * double is decomposed into mantissa · 2^e and the rounding done in BigInt, so the result equals
 * Python's for every such double (tested on the near-integer cases unpadding produces).
 */
export function pyIntRound7(x: number): number {
  if (!Number.isFinite(x) || x < 0) throw new Error(`pyIntRound7 expects a finite x ≥ 0, got ${x}`);
  if (Number.isInteger(x)) return x;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = expBits === 0 ? frac : frac | (1n << 52n);
  const e = (expBits === 0 ? 1 : expBits) - 1075; // x = mant · 2^e, e < 0 here
  const shift = BigInt(-e);
  const num = mant * TEN7; // x·10^7 = num / 2^shift
  let q = num >> shift;
  const twice = (num - (q << shift)) << 1n;
  const half = 1n << shift;
  if (twice > half || (twice === half && (q & 1n) === 1n)) q += 1n;
  return Number(q / TEN7);
}

/**
 * transformers' unpad_image on the grid's global token map (curH × curW) of an image h × w: the rows
 * (or columns) that hold only padding are cropped, symmetrically.
 */
export function unpadCrop(
  height: number,
  width: number,
  curH: number,
  curW: number,
): { rowStart: number; rowEnd: number; colStart: number; colEnd: number } {
  if (width / height > curW / curH) {
    const newH = pyIntRound7(height * (curW / width));
    const pad = Math.floor((curH - newH) / 2);
    return { rowStart: pad, rowEnd: curH - pad, colStart: 0, colEnd: curW };
  }
  const newW = pyIntRound7(width * (curH / height));
  const pad = Math.floor((curW - newW) / 2);
  return { rowStart: 0, rowEnd: curH, colStart: pad, colEnd: curW - pad };
}

/**
 * Python's float floor division `x // y` for finite x ≥ 0, y > 0, as CPython computes it (fmod, then
 * the quotient of the exact difference, floored and corrected), not Math.floor(x / y): the two
 * differ when x / y rounds up to an integer.
 */
export function pyFloorDiv(x: number, y: number): number {
  if (!(Number.isFinite(x) && Number.isFinite(y) && x >= 0 && y > 0))
    throw new Error(`pyFloorDiv expects finite x ≥ 0 and y > 0, got ${x}, ${y}`);
  const mod = x % y; // JS % on numbers is C's fmod: exact
  const div = (x - mod) / y;
  if (div === 0) return 0;
  let floor = Math.floor(div);
  if (div - floor > 0.5) floor += 1;
  return floor;
}

/**
 * OneVision's downsampled size of a kept map of keptRows × keptCols positions (tiles of rows × rows
 * features, as transformers squares the tile side): ratio = sqrt(keptRows·keptCols / (maxTiles·rows²));
 * above 1.1 the map becomes int(keptRows // ratio) × int(keptCols // ratio), otherwise null.
 */
export function downsampleSize(
  keptRows: number,
  keptCols: number,
  rows: number,
  maxTiles: number,
): { rows: number; cols: number } | null {
  const ratio = Math.sqrt((keptRows * keptCols) / (maxTiles * rows * rows));
  if (!(ratio > 1.1)) return null;
  const out = { rows: pyFloorDiv(keptRows, ratio), cols: pyFloorDiv(keptCols, ratio) };
  if (out.rows < 1 || out.cols < 1)
    throw new Error(
      `downsampling the ${keptRows}×${keptCols} feature map to ${maxTiles} tiles leaves ${out.rows}×${out.cols}`,
    );
  return out;
}

/** One output position's two source positions along an axis and their weights. */
export interface AxisTerm {
  i0: number;
  i1: number;
  w0: number;
  w1: number;
}

/**
 * PyTorch's bilinear weights along one axis (align_corners=False, no antialias) for nIn → nOut:
 * src = max((d + 0.5)·nIn/nOut − 0.5, 0), i0 = ⌊src⌋, i1 = min(i0 + 1, nIn − 1), λ = src − i0,
 * weights (1 − λ, λ) — in f64, in the reference's order of operations.
 */
export function bilinearAxis(nIn: number, nOut: number): AxisTerm[] {
  const scale = nIn / nOut;
  return Array.from({ length: nOut }, (_, d) => {
    const src = Math.max((d + 0.5) * scale - 0.5, 0);
    const i0 = Math.floor(src);
    const l1 = src - i0;
    return { i0, i1: i0 < nIn - 1 ? i0 + 1 : i0, w0: 1 - l1, w1: l1 };
  });
}

/** The geometry of an image of width × height pixels under a layout. */
export function imageGeometry(layout: ImageLayoutSpec, width: number, height: number): ImageGeometry {
  if (!(width > 0 && height > 0)) throw new Error(`image size must be positive, got ${width}×${height}`);
  const { rows, cols } = layout;
  const base: ImageTile = { x: 0, y: 0, w: 1, h: 1, rows, cols };
  if (layout.kind === 'fixed') {
    const s = layout.size;
    return {
      kind: 'fixed',
      tileSize: s,
      rows,
      cols,
      tiles: 1,
      canvas: { height: s, width: s },
      resized: { height: s, width: s },
      pad: { top: 0, bottom: 0, left: 0, right: 0 },
      gridRows: 0,
      gridCols: 0,
      kept: { rowStart: 0, rowEnd: 0, colStart: 0, colEnd: 0 },
      downsampled: null,
      newline: false,
      tokenCount: rows * cols,
      tileRects: [base],
    };
  }
  const S = layout.tileSize;
  const [th, tw] = selectBestResolution(height, width, layout.gridPinpoints);
  if (th % S !== 0 || tw % S !== 0)
    throw new Error(`grid pinpoint ${th}×${tw} is not a multiple of the tile size ${S}`);
  const resized = resizeForPatching(height, width, th, tw);
  const pad = padForPatching(resized, th, tw);
  const gridRows = th / S;
  const gridCols = tw / S;
  const curH = gridRows * rows;
  const curW = gridCols * cols;
  const kept = layout.unpad
    ? unpadCrop(height, width, curH, curW)
    : { rowStart: 0, rowEnd: curH, colStart: 0, colEnd: curW };
  const keptRows = kept.rowEnd - kept.rowStart;
  const keptCols = kept.colEnd - kept.colStart;
  const downsampled =
    layout.maxTiles === undefined ? null : downsampleSize(keptRows, keptCols, rows, layout.maxTiles);
  const packedRows = downsampled ? downsampled.rows : keptRows;
  const packedCols = downsampled ? downsampled.cols : keptCols;
  const tileRects = [base];
  for (let i = 0; i < gridRows; i++) {
    for (let j = 0; j < gridCols; j++) {
      tileRects.push({
        x: (j * S - pad.left) / resized.width,
        y: (i * S - pad.top) / resized.height,
        w: S / resized.width,
        h: S / resized.height,
        rows,
        cols,
      });
    }
  }
  return {
    kind: 'anyres',
    tileSize: S,
    rows,
    cols,
    tiles: 1 + gridRows * gridCols,
    canvas: { height: th, width: tw },
    resized,
    pad,
    gridRows,
    gridCols,
    kept,
    downsampled,
    newline: layout.newline,
    tokenCount: rows * cols + packedRows * packedCols + (layout.newline ? packedRows : 0),
    tileRects,
  };
}

/**
 * Each image token's patch, in prompt order: the base tile's tokens row-major, then per kept grid
 * row its kept columns (tile and in-tile row/col from the global position) and a newline token.
 * A downsampled geometry (maxTiles) has fewer grid tokens than patches; each reports the patch of
 * its largest-weight term (ties to the first, i.e. the lowest feature row), so the overlay can still
 * place it, and each newline the global row of its output row's largest-weight source row.
 */
export function imageTokenPatches(g: ImageGeometry): ImageTokenPatch[] {
  const out: ImageTokenPatch[] = [];
  const { rows, cols } = g;
  for (let i = 0; i < rows * cols; i++)
    out.push({ tile: 0, row: Math.floor(i / cols), col: i % cols, isNewline: false });
  if (g.kind === 'fixed') return out;
  const curW = g.gridCols * cols;
  const { rowStart, rowEnd, colStart, colEnd } = g.kept;
  if (g.downsampled) return downsampledPatches(g, g.downsampled.rows, out, curW);
  for (let R = rowStart; R < rowEnd; R++) {
    for (let C = colStart; C < colEnd; C++) {
      const tile = 1 + Math.floor(R / rows) * g.gridCols + Math.floor(C / cols);
      out.push({ tile, row: R % rows, col: C % cols, isNewline: false });
    }
    if (g.newline) out.push({ tile: 0, row: R, col: curW, isNewline: true });
  }
  return out;
}

function downsampledPatches(
  g: ImageGeometry,
  outRows: number,
  out: ImageTokenPatch[],
  curW: number,
): ImageTokenPatch[] {
  const per = g.rows * g.cols;
  const mix = imageTokenMixes(g);
  const wy = bilinearAxis(g.kept.rowEnd - g.kept.rowStart, outRows);
  let y = 0;
  for (let i = per; i < mix.offsets.length - 1; i++) {
    let best = mix.offsets[i];
    for (let k = best + 1; k < mix.offsets[i + 1]; k++) if (mix.weights[k] > mix.weights[best]) best = k;
    const s = mix.sources[best];
    if (s < 0) {
      const { i0, i1, w0, w1 } = wy[y++];
      out.push({ tile: 0, row: g.kept.rowStart + (w1 > w0 ? i1 : i0), col: curW, isNewline: true });
    } else {
      const r = s % per;
      out.push({ tile: Math.floor(s / per), row: Math.floor(r / g.cols), col: r % g.cols, isNewline: false });
    }
  }
  return out;
}

/**
 * Each image token's source row in the vision encoder's output (image_features [1, tiles·rows·cols,
 * hidden]): tile · rows·cols + row·cols + col, or −1 for the newline vector. A downsampled geometry
 * has no single source per token: use imageTokenMixes.
 */
export function imageTokenSources(g: ImageGeometry): Int32Array {
  if (g.downsampled)
    throw new Error(
      'this image is downsampled (maxTiles): its tokens are weighted sums of features; use imageTokenMixes',
    );
  const patches = imageTokenPatches(g);
  const per = g.rows * g.cols;
  return Int32Array.from(patches, (p) => (p.isNewline ? -1 : p.tile * per + p.row * g.cols + p.col));
}

/**
 * Each image token as a weighted sum of feature rows, in prompt order (CSR): token i's terms are
 * [offsets[i], offsets[i + 1]); a term is a feature row (as imageTokenSources) or −1 for the newline
 * vector. Without downsampling every token is one row with weight 1.
 */
export interface ImageTokenMixes {
  offsets: Int32Array;
  sources: Int32Array;
  /** f64, as the reference computes them (per-axis weights multiplied, equal rows merged). */
  weights: Float64Array;
}

/**
 * The mixes of every image token. Downsampled grid tokens follow `packed_terms`: for output (y, x),
 * the terms (i0y, i0x), (i0y, i1x), (i1y, i0x), (i1y, i1x) with weight wy·wx, zero weights dropped,
 * equal feature rows merged, sorted by feature row (the order the runtime accumulates in).
 */
export function imageTokenMixes(g: ImageGeometry): ImageTokenMixes {
  if (!g.downsampled) {
    const sources = imageTokenSources(g);
    return {
      offsets: Int32Array.from({ length: sources.length + 1 }, (_, i) => i),
      sources,
      weights: new Float64Array(sources.length).fill(1),
    };
  }
  const { rows, cols, gridCols } = g;
  const per = rows * cols;
  const { rowStart, colStart } = g.kept;
  const H = g.kept.rowEnd - rowStart;
  const W = g.kept.colEnd - colStart;
  const src = (r: number, c: number) => {
    const R = r + rowStart;
    const C = c + colStart;
    const tile = 1 + Math.floor(R / rows) * gridCols + Math.floor(C / cols);
    return tile * per + (R % rows) * cols + (C % cols);
  };
  const wy = bilinearAxis(H, g.downsampled.rows);
  const wx = bilinearAxis(W, g.downsampled.cols);
  const offsets = [0];
  const sources: number[] = [];
  const weights: number[] = [];
  const push = (s: number, w: number) => {
    sources.push(s);
    weights.push(w);
  };
  for (let i = 0; i < per; i++) {
    push(i, 1);
    offsets.push(sources.length);
  }
  for (const ty of wy) {
    for (const tx of wx) {
      const acc = new Map<number, number>();
      for (const [ry, a] of [
        [ty.i0, ty.w0],
        [ty.i1, ty.w1],
      ])
        for (const [cx, b] of [
          [tx.i0, tx.w0],
          [tx.i1, tx.w1],
        ]) {
          if (a * b === 0) continue;
          const s = src(ry, cx);
          acc.set(s, (acc.get(s) ?? 0) + a * b);
        }
      for (const s of [...acc.keys()].sort((p, q) => p - q)) push(s, acc.get(s) as number);
      offsets.push(sources.length);
    }
    if (g.newline) {
      push(-1, 1);
      offsets.push(sources.length);
    }
  }
  return {
    offsets: Int32Array.from(offsets),
    sources: Int32Array.from(sources),
    weights: Float64Array.from(weights),
  };
}
