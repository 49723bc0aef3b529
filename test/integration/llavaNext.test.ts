/**
 * The committed tiny LLaVA-NeXT package (test/fixtures/hf-export/llava-next-tiny, random weights,
 * exported by tools/export_hf.py) against transformers' own run of it (reference.json): the prompt
 * ids and packed layout, the vision I/O contract and packing (from the processor's pixel_values),
 * and the whole TypeScript path (sharp preprocessing, packing, prefill, recording).
 */
import { describe, expect, it } from 'vitest';
import { imageTokenSources } from '../../analysis/attention/imageLayout';
import { prepareImage } from '../../analysis/model/image';
import { renderPrompt } from '../../analysis/model/prompt';
import {
  expectPixelsNearProcessor,
  expectPrefillMatches,
  expectProcessorPixelLogits,
  expectRecordedTiles,
  type TinyReference,
  openTinyPackage,
} from './hfTinyPackage';

const pkg = openTinyPackage<TinyReference & { sources: number[] }>('llava-next-tiny');

describe('LLaVA-NeXT tiny package (150×100 image, 56 px tiles, 4×4 tokens per tile)', () => {
  it('lays the prompt out as transformers does', async () => {
    const img = await prepareImage(pkg.image, pkg.model.manifest);
    expect([img.width, img.height]).toEqual([150, 100]);
    expect(img.tiles).toBe(pkg.ref.pixel_values_shape[0]);
    const p = renderPrompt(pkg.model.manifest, pkg.model.tokenizer, pkg.ref.prompt, img.geometry);
    expect(p.ids).toEqual(pkg.ref.input_ids);
    expect(p.imageTokens).toBe(pkg.ref.image_tokens);
    expect(Array.from(imageTokenSources(img.geometry))).toEqual(pkg.ref.sources);
  });

  it("packs vision.onnx's tiles and newline into transformers' logits (processor pixels)", async () => {
    await expectProcessorPixelLogits(pkg, (img) => imageTokenSources(img.geometry), 1e-4);
  });

  it("preprocesses close to the processor (sharp's bicubic against PIL's)", async () => {
    // 1/255/std ≈ 0.015 per level: at most 2 levels apart (measured 0.030), mostly equal.
    await expectPixelsNearProcessor(pkg, 0.045);
  });

  it('runs the whole path: prefill logits and a recording with its tiles', async () => {
    const layout = await expectPrefillMatches(pkg);
    expect(layout.tokens[layout.imageStart + 24].patch?.isNewline).toBe(true);

    await expectRecordedTiles(pkg);
  });
});
