/**
 * The committed tiny LLaVA-NeXT package (test/fixtures/hf-export/llava-next-tiny, random weights,
 * exported by tools/export_hf.py) against transformers' own run of it (reference.json): the prompt
 * ids and packed layout, the vision I/O contract and packing (from the processor's pixel_values),
 * and the whole TypeScript path (sharp preprocessing, packing, prefill, recording).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageTokenSources } from '../../analysis/attention/imageLayout';
import { prepareImage } from '../../analysis/model/image';
import { type LoadedModel, loadModel } from '../../analysis/model/loadedModel';
import { renderPrompt } from '../../analysis/model/prompt';
import { runPrefill } from '../../analysis/record/recorder';
import {
  expectPixelsNearProcessor,
  expectRecordedTiles,
  expectProcessorPixelLogits,
  f32,
  fixtureDir,
  lastLogits,
  maxDiff,
  readReference,
  type TinyReference,
} from './hfTinyPackage';

const dir = fixtureDir('llava-next-tiny');
const ref = readReference<TinyReference & { sources: number[] }>(dir);
const image = new Uint8Array(readFileSync(join(dir, 'image.png')));

let model: LoadedModel;
beforeAll(async () => {
  model = await loadModel(dir, 'cpu');
});
afterAll(async () => {
  await model?.release();
});

describe('LLaVA-NeXT tiny package (150×100 image, 56 px tiles, 4×4 tokens per tile)', () => {
  it('lays the prompt out as transformers does', async () => {
    const img = await prepareImage(image, model.manifest);
    expect([img.width, img.height]).toEqual([150, 100]);
    expect(img.tiles).toBe(ref.pixel_values_shape[0]);
    const p = renderPrompt(model.manifest, model.tokenizer, ref.prompt, img.geometry);
    expect(p.ids).toEqual(ref.input_ids);
    expect(p.imageTokens).toBe(ref.image_tokens);
    expect(Array.from(imageTokenSources(img.geometry))).toEqual(ref.sources);
  });

  it("packs vision.onnx's tiles and newline into transformers' logits (processor pixels)", async () => {
    await expectProcessorPixelLogits(model, ref, image, (img) => imageTokenSources(img.geometry), 1e-4);
  });

  it("preprocesses close to the processor (sharp's bicubic against PIL's)", async () => {
    // 1/255/std ≈ 0.015 per level: at most 2 levels apart (measured 0.030), mostly equal.
    await expectPixelsNearProcessor(model, ref, image, 0.045);
  });

  it('runs the whole path: prefill logits and a recording with its tiles', async () => {
    const { pre, prefill, layout } = await runPrefill(model, image, ref.prompt);
    const m = prefill.m;
    expect(m).toBe(ref.input_ids.length);
    expect(maxDiff(lastLogits(model, pre.logits, m), f32(ref.logits_last_f32))).toBeLessThan(1e-3);
    expect(prefill.firstToken).toBe(ref.logits_all_argmax[m - 1]);
    expect(layout.tokens[layout.imageStart + 24].patch?.isNewline).toBe(true);

    await expectRecordedTiles(model, ref, image);
  });
});
