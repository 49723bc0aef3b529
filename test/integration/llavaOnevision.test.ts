/**
 * The committed tiny LLaVA-OneVision package (test/fixtures/hf-export/llava-onevision-tiny, random
 * weights, exported by tools/export_hf.py; the `tiny` part of tools/hf/verify_llava_onevision.py)
 * against transformers' own run of it (reference.json): the prompt ids and the downsampled packed
 * layout (every token's weighted terms), the vision I/O contract and weighted packing (from the
 * processor's pixel_values), and the whole TypeScript path (sharp preprocessing, packing, prefill,
 * recording). Modelled on llavaNext.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageTokenMixes } from '../../analysis/attention/imageLayout';
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

const dir = fixtureDir('llava-onevision-tiny');
const ref = readReference<
  TinyReference & {
    grid: { grid: [number, number]; unpadded: [number, number]; packed: [number, number] };
    /** Per packed token [[feature row, weight], …], or null for a newline token. */
    terms: ([number, number][] | null)[];
  }
>(dir);
const image = new Uint8Array(readFileSync(join(dir, 'image.png')));

let model: LoadedModel;
beforeAll(async () => {
  model = await loadModel(dir, 'cpu');
});
afterAll(async () => {
  await model?.release();
});

describe('LLaVA-OneVision tiny package (150×100 image, 56 px tiles, 4×4 tokens per tile, anyres_max_2)', () => {
  it('lays the prompt out as transformers does, downsampled', async () => {
    const img = await prepareImage(image, model.manifest);
    expect([img.width, img.height]).toEqual([150, 100]);
    expect(img.tiles).toBe(ref.pixel_values_shape[0]);
    const g = img.geometry;
    expect([g.gridRows, g.gridCols]).toEqual(ref.grid.grid);
    expect([g.kept.rowEnd - g.kept.rowStart, g.kept.colEnd - g.kept.colStart]).toEqual(ref.grid.unpadded);
    expect(g.downsampled).toEqual({ rows: ref.grid.packed[0], cols: ref.grid.packed[1] });
    expect(ref.grid.packed).not.toEqual(ref.grid.unpadded);
    const p = renderPrompt(model.manifest, model.tokenizer, ref.prompt, g);
    expect(p.ids).toEqual(ref.input_ids);
    expect(p.imageTokens).toBe(ref.image_tokens);
    const m = imageTokenMixes(g);
    expect(m.offsets.length - 1).toBe(ref.terms.length);
    ref.terms.forEach((t, i) => {
      const a = m.offsets[i];
      const got = Array.from({ length: m.offsets[i + 1] - a }, (_, k) => m.sources[a + k]);
      expect(got, `token ${i}`).toEqual(t === null ? [-1] : t.map(([s]) => s));
      (t ?? [[-1, 1]]).forEach(([, w], k) => {
        expect(Math.abs(m.weights[a + k] - w), `token ${i} term ${k}`).toBeLessThan(1e-12);
      });
    });
  });

  it("packs vision.onnx's tiles and newline into transformers' logits (processor pixels)", async () => {
    await expectProcessorPixelLogits(model, ref, image, (img) => imageTokenMixes(img.geometry), 1e-4);
  });

  it("preprocesses close to the processor (sharp's bicubic against PIL's)", async () => {
    // 1/255/std ≈ 0.008 per level (SigLIP's std 0.5): the bound allows ~5 levels, as llavaNext.test.ts.
    await expectPixelsNearProcessor(model, ref, image, 0.045);
  });

  it('runs the whole path: prefill logits and a recording with its tiles', async () => {
    const { pre, prefill, layout } = await runPrefill(model, image, ref.prompt);
    const m = prefill.m;
    expect(m).toBe(ref.input_ids.length);
    expect(maxDiff(lastLogits(model, pre.logits, m), f32(ref.logits_last_f32))).toBeLessThan(1e-3);
    expect(prefill.firstToken).toBe(ref.logits_all_argmax[m - 1]);
    // 16 base tokens, then the first downsampled row (6 tokens) and its newline.
    const cols = ref.grid.packed[1];
    expect(layout.tokens[layout.imageStart + 16 + cols].patch?.isNewline).toBe(true);
    expect(layout.tokens[layout.imageStart + 16 + cols - 1].patch?.isNewline).toBe(false);

    await expectRecordedTiles(model, ref, image);
  });
});
