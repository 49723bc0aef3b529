/**
 * Image preprocessing per the manifest with sharp: decode (PNG, JPEG, WebP), flatten alpha onto
 * white, resize to the model's input size with its filter, scale to [0, 1], normalise with mean/std,
 * lay out as CHW f32. A pixel limit guards against decompression bombs; every failure is a
 * BadImageError naming the problem.
 *
 * An `anyres` layout (LLaVA-NeXT, geometry in analysis/attention/imageLayout.ts) gives several tiles:
 * tile 0 the whole image squashed to tileSize², then the grid canvas — the image resized to fit the
 * best pinpoint keeping its aspect, padded centred with black (0 before rescaling, so a padded pixel
 * becomes (0 − mean)/std) — cut into tileSize² tiles row-major.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import { type ImageGeometry, imageGeometry } from '../attention/imageLayout';
import { BadInputError } from '../engine/errors';
import type { ModelManifest } from './manifest';

export class BadImageError extends BadInputError {}

/** Largest decoded image accepted (pixels): 64 megapixels. */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;
/** Largest encoded image file accepted (bytes). */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

const KERNEL = { bilinear: 'linear', bicubic: 'cubic', nearest: 'nearest' } as const;

export interface PreparedImage {
  /** f32 [tiles, 3, size, size]. */
  pixels: Float32Array;
  size: number;
  /** Tiles in `pixels`: 1 for a fixed layout. */
  tiles: number;
  /** Token geometry of this image under the manifest's layout. */
  geometry: ImageGeometry;
  /** The image as given, re-encoded as PNG (what a session stores). */
  png: Uint8Array;
  width: number;
  height: number;
}

export async function prepareImage(bytes: Uint8Array, manifest: ModelManifest): Promise<PreparedImage> {
  if (bytes.length === 0) throw new BadImageError('the image file is empty');
  if (bytes.length > MAX_IMAGE_BYTES)
    throw new BadImageError(`the image file is ${bytes.length} bytes; the limit is ${MAX_IMAGE_BYTES}`);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
  } catch (e) {
    throw new BadImageError(`cannot read the image: ${(e as Error).message}`);
  }
  if (!meta.format || !['png', 'jpeg', 'webp'].includes(meta.format)) {
    throw new BadImageError(`unsupported image format ${meta.format ?? 'unknown'} (use PNG, JPEG or WebP)`);
  }
  // EXIF orientations 5–8 turn the picture a quarter; .rotate() below applies them.
  const quarter = (meta.orientation ?? 1) >= 5;
  const width = (quarter ? meta.height : meta.width) ?? 0;
  const height = (quarter ? meta.width : meta.height) ?? 0;
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new BadImageError(
      `the image is ${width}×${height} pixels; the limit is ${MAX_IMAGE_PIXELS} pixels`,
    );
  }
  const layout = manifest.image.layout;
  let geometry: ImageGeometry;
  try {
    geometry = imageGeometry(layout, width, height);
  } catch (e) {
    throw new BadImageError(`cannot lay the image out: ${(e as Error).message}`);
  }
  const size = geometry.tileSize;
  const kernel = KERNEL[manifest.image.resize];
  try {
    const base = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb');
    const png = new Uint8Array(await base.clone().png().toBuffer());
    const rgb = async (img: Sharp) => {
      const raw = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
      if (raw.info.channels !== 3) throw new Error(`expected 3 channels, got ${raw.info.channels}`);
      return raw;
    };
    const { mean, std } = manifest.image;
    const plane = size * size;
    const pixels = new Float32Array(geometry.tiles * 3 * plane);
    // Tile t from an RGB raster of width `stride`, its top-left at (x0, y0).
    const putTile = (t: number, data: Uint8Array, stride: number, x0: number, y0: number) => {
      const o = t * 3 * plane;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const src = ((y0 + y) * stride + x0 + x) * 3;
          const i = y * size + x;
          for (let c = 0; c < 3; c++) pixels[o + c * plane + i] = (data[src + c] / 255 - mean[c]) / std[c];
        }
      }
    };
    const squashed = await rgb(base.clone().resize(size, size, { fit: 'fill', kernel }));
    putTile(0, squashed.data, size, 0, 0);
    if (geometry.kind === 'anyres') {
      const { resized, pad, canvas } = geometry;
      const grid = await rgb(
        base
          .clone()
          .resize(resized.width, resized.height, { fit: 'fill', kernel })
          .extend({ ...pad, background: { r: 0, g: 0, b: 0 } }),
      );
      if (grid.info.width !== canvas.width || grid.info.height !== canvas.height)
        throw new Error(
          `grid canvas is ${grid.info.width}×${grid.info.height}, expected ${canvas.width}×${canvas.height}`,
        );
      for (let i = 0; i < geometry.gridRows; i++)
        for (let j = 0; j < geometry.gridCols; j++)
          putTile(1 + i * geometry.gridCols + j, grid.data, canvas.width, j * size, i * size);
    }
    return { pixels, size, tiles: geometry.tiles, geometry, png, width, height };
  } catch (e) {
    throw new BadImageError(`cannot decode the image: ${(e as Error).message}`);
  }
}
