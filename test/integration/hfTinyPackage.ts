/**
 * Shared checks for the tiny exported Hugging Face packages under test/fixtures/hf-export/ (written
 * by tools/hf/verify_llava_*.py with transformers' own ids, pixels and logits in reference.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildStats } from '../../analysis/attention/buildStats';
import type { ImageTokenMixes } from '../../analysis/attention/imageLayout';
import {
  embedTokens,
  emptyCache,
  encodeImage,
  packImageFeatures,
  runDecoder,
} from '../../analysis/model/decoder';
import { prepareImage } from '../../analysis/model/image';
import { type LoadedModel, loadModel } from '../../analysis/model/loadedModel';
import { renderPrompt } from '../../analysis/model/prompt';
import { record, runPrefill } from '../../analysis/record/recorder';

/** The reference fields every tiny package's reference.json carries. */
export interface TinyReference {
  prompt: string;
  input_ids: number[];
  image_tokens: number;
  pixel_values_shape: number[];
  pixel_values_f32: string;
  logits_last_f32: string;
  logits_all_argmax: number[];
}

/** A tiny package's reference, its test image, and its model (loaded in beforeAll, on CPU). */
export interface TinyPackage<R extends TinyReference> {
  ref: R;
  image: Uint8Array;
  model: LoadedModel;
}

/**
 * Opens test/fixtures/hf-export/NAME for a test file: reads reference.json and image.png now, and
 * loads the model before the file's tests run and releases it after.
 */
export function openTinyPackage<R extends TinyReference>(name: string): TinyPackage<R> {
  const dir = join(import.meta.dirname, '../fixtures/hf-export', name);
  const pkg = {
    ref: JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as R,
    image: new Uint8Array(readFileSync(join(dir, 'image.png'))),
  } as TinyPackage<R>;
  beforeAll(async () => {
    pkg.model = await loadModel(dir, 'cpu');
  });
  afterAll(async () => {
    await pkg.model?.release();
  });
  return pkg;
}

/** A little-endian f32 array from reference.json's base64. */
function f32(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** The last prompt token's logits from a logits array of m rows. */
function lastLogits(model: LoadedModel, logits: Float32Array, m: number): Float32Array {
  const V = model.manifest.vocabSize;
  return logits.subarray((m - 1) * V, m * V);
}

/**
 * Feeds the processor's own pixel_values through vision.onnx, packs the features by `packing` (the
 * geometry's sources or weighted mixes) and checks the prefill's last logits against transformers'.
 */
export async function expectProcessorPixelLogits(
  { model, ref, image }: TinyPackage<TinyReference>,
  packing: (img: Awaited<ReturnType<typeof prepareImage>>) => Int32Array | ImageTokenMixes,
  tol: number,
): Promise<void> {
  const img = await prepareImage(image, model.manifest);
  const p = renderPrompt(model.manifest, model.tokenizer, ref.prompt, img.geometry);
  const [tiles, , size] = ref.pixel_values_shape;
  const vis = await encodeImage(model, f32(ref.pixel_values_f32), size, tiles);
  const { rows, cols } = model.manifest.image.layout;
  expect(vis.count).toBe(tiles * rows * cols);
  expect(vis.newline?.length).toBe(model.manifest.hidden);
  const embeds = await embedTokens(model, p.ids);
  const h = model.manifest.hidden;
  embeds.set(packImageFeatures(packing(img), vis.features, vis.newline, h), p.imageStart * h);
  const m = p.ids.length;
  const out = await runDecoder(model, {
    embeds,
    n: m,
    positions: Array.from({ length: m }, (_, i) => i),
    past: emptyCache(model.manifest.layers),
  });
  expect(maxDiff(lastLogits(model, out.logits, m), f32(ref.logits_last_f32))).toBeLessThan(tol);
}

/**
 * The app's whole prefill path (sharp preprocessing, packing, prefill) against transformers: the
 * prompt length, the last logits within 1e-3 and the first token. Returns the prompt's layout.
 */
export async function expectPrefillMatches({ model, ref, image }: TinyPackage<TinyReference>) {
  const { pre, prefill, layout } = await runPrefill(model, image, ref.prompt);
  const m = prefill.m;
  expect(m).toBe(ref.input_ids.length);
  expect(maxDiff(lastLogits(model, pre.logits, m), f32(ref.logits_last_f32))).toBeLessThan(1e-3);
  expect(prefill.firstToken).toBe(ref.logits_all_argmax[m - 1]);
  return layout;
}

/** sharp's bicubic resize against PIL's: at most `maxTol` apart anywhere, 0.003 on average. */
export async function expectPixelsNearProcessor(
  { model, ref, image }: TinyPackage<TinyReference>,
  maxTol: number,
): Promise<void> {
  const img = await prepareImage(image, model.manifest);
  const rp = f32(ref.pixel_values_f32);
  expect(img.pixels.length).toBe(rp.length);
  expect(maxDiff(img.pixels, rp)).toBeLessThan(maxTol);
  let sum = 0;
  for (let i = 0; i < rp.length; i++) sum += Math.abs(img.pixels[i] - rp[i]);
  expect(sum / rp.length).toBeLessThan(0.003);
}

/**
 * Records the 150×100 test image (both tiny packages: 56 px tiles of 4×4 tokens, best resolution
 * 112×112) and checks where the recording places the base image and its four tiles.
 */
export async function expectRecordedTiles({ model, ref, image }: TinyPackage<TinyReference>): Promise<void> {
  const { recording } = await record(model, {
    image,
    prompt: ref.prompt,
    maxNewTokens: 2,
    buildStats: (spec, l, getLayer) => buildStats(spec, l, getLayer),
  });
  expect(recording.model.imageGrid).toEqual({ rows: 4, cols: 4, size: 56 });
  // Resized 112×75, 18 px of padding on top and 19 below; tiles of 56 px.
  const tiles = recording.image.tiles ?? [];
  expect(tiles.length).toBe(5);
  expect(tiles[0]).toEqual({ x: 0, y: 0, w: 1, h: 1, rows: 4, cols: 4 });
  expect(tiles[1].x).toBeCloseTo(0);
  expect(tiles[1].y).toBeCloseTo(-18 / 75);
  expect(tiles[4].w).toBeCloseTo(56 / 112);
  expect(tiles[4].h).toBeCloseTo(56 / 75);
}
