/**
 * Image preprocessing per the manifest with sharp: decode (PNG, JPEG, WebP), flatten alpha onto
 * white, resize to the model's input size with its filter, scale to [0, 1], normalise with mean/std,
 * lay out as CHW f32. A pixel limit guards against decompression bombs; every failure is a
 * BadImageError naming the problem.
 */
import sharp, { type Metadata } from 'sharp';
import { BadInputError } from '../engine/errors';
import type { ModelManifest } from './manifest';

export class BadImageError extends BadInputError {}

/** Largest decoded image accepted (pixels): 64 megapixels. */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;
/** Largest encoded image file accepted (bytes). */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

const KERNEL = { bilinear: 'linear', bicubic: 'cubic', nearest: 'nearest' } as const;

export interface PreparedImage {
  /** f32 [1, 3, size, size]. */
  pixels: Float32Array;
  size: number;
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
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new BadImageError(
      `the image is ${width}×${height} pixels; the limit is ${MAX_IMAGE_PIXELS} pixels`,
    );
  }
  const layout = manifest.image.layout;
  if (layout.kind !== 'fixed')
    throw new BadImageError(`image layout ${layout.kind} is not supported by this version`);
  const size = layout.size;
  try {
    const base = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb');
    const png = new Uint8Array(await base.clone().png().toBuffer());
    const raw = await base
      .clone()
      .resize(size, size, { fit: 'fill', kernel: KERNEL[manifest.image.resize] })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (raw.info.channels !== 3) throw new Error(`expected 3 channels, got ${raw.info.channels}`);
    const { mean, std } = manifest.image;
    const plane = size * size;
    const pixels = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) pixels[c * plane + i] = (raw.data[i * 3 + c] / 255 - mean[c]) / std[c];
    }
    return { pixels, size, png, width, height };
  } catch (e) {
    throw new BadImageError(`cannot decode the image: ${(e as Error).message}`);
  }
}
