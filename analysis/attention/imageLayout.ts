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
    newline: layout.newline,
    tokenCount: rows * cols + keptRows * keptCols + (layout.newline ? keptRows : 0),
    tileRects,
  };
}

/**
 * Each image token's patch, in prompt order: the base tile's tokens row-major, then per kept grid
 * row its kept columns (tile and in-tile row/col from the global position) and a newline token.
 */
export function imageTokenPatches(g: ImageGeometry): ImageTokenPatch[] {
  const out: ImageTokenPatch[] = [];
  const { rows, cols } = g;
  for (let i = 0; i < rows * cols; i++)
    out.push({ tile: 0, row: Math.floor(i / cols), col: i % cols, isNewline: false });
  if (g.kind === 'fixed') return out;
  const curW = g.gridCols * cols;
  const { rowStart, rowEnd, colStart, colEnd } = g.kept;
  for (let R = rowStart; R < rowEnd; R++) {
    for (let C = colStart; C < colEnd; C++) {
      const tile = 1 + Math.floor(R / rows) * g.gridCols + Math.floor(C / cols);
      out.push({ tile, row: R % rows, col: C % cols, isNewline: false });
    }
    if (g.newline) out.push({ tile: 0, row: R, col: curW, isNewline: true });
  }
  return out;
}

/**
 * Each image token's source row in the vision encoder's output (image_features [1, tiles·rows·cols,
 * hidden]): tile · rows·cols + row·cols + col, or −1 for the newline vector.
 */
export function imageTokenSources(g: ImageGeometry): Int32Array {
  const patches = imageTokenPatches(g);
  const per = g.rows * g.cols;
  return Int32Array.from(patches, (p) => (p.isNewline ? -1 : p.tile * per + p.row * g.cols + p.col));
}
