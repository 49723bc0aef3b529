/**
 * The committed tiny LLaVA-OneVision package (test/fixtures/hf-export/llava-onevision-tiny, random
 * weights, exported by tools/export_hf.py; the `tiny` part of tools/hf/verify_llava_onevision.py)
 * against transformers' own run of it (reference.json): the prompt ids and the downsampled packed
 * layout (every token's weighted terms), the vision I/O contract and weighted packing (from the
 * processor's pixel_values), and the whole TypeScript path (sharp preprocessing, packing, prefill,
 * recording). Modelled on llavaNext.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { imageTokenMixes } from '../../analysis/attention/imageLayout';
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

const pkg = openTinyPackage<
  TinyReference & {
    grid: { grid: [number, number]; unpadded: [number, number]; packed: [number, number] };
    /** Per packed token [[feature row, weight], …], or null for a newline token. */
    terms: ([number, number][] | null)[];
  }
>('llava-onevision-tiny');

describe('LLaVA-OneVision tiny package (150×100 image, 56 px tiles, 4×4 tokens per tile, anyres_max_2)', () => {
  it('lays the prompt out as transformers does, downsampled', async () => {
    const img = await prepareImage(pkg.image, pkg.model.manifest);
    expect([img.width, img.height]).toEqual([150, 100]);
    expect(img.tiles).toBe(pkg.ref.pixel_values_shape[0]);
    const g = img.geometry;
    expect([g.gridRows, g.gridCols]).toEqual(pkg.ref.grid.grid);
    expect([g.kept.rowEnd - g.kept.rowStart, g.kept.colEnd - g.kept.colStart]).toEqual(pkg.ref.grid.unpadded);
    expect(g.downsampled).toEqual({ rows: pkg.ref.grid.packed[0], cols: pkg.ref.grid.packed[1] });
    expect(pkg.ref.grid.packed).not.toEqual(pkg.ref.grid.unpadded);
    const p = renderPrompt(pkg.model.manifest, pkg.model.tokenizer, pkg.ref.prompt, g);
    expect(p.ids).toEqual(pkg.ref.input_ids);
    expect(p.imageTokens).toBe(pkg.ref.image_tokens);
    const m = imageTokenMixes(g);
    expect(m.offsets.length - 1).toBe(pkg.ref.terms.length);
    pkg.ref.terms.forEach((t, i) => {
      const a = m.offsets[i];
      const got = Array.from({ length: m.offsets[i + 1] - a }, (_, k) => m.sources[a + k]);
      expect(got, `token ${i}`).toEqual(t === null ? [-1] : t.map(([s]) => s));
      (t ?? [[-1, 1]]).forEach(([, w], k) => {
        expect(Math.abs(m.weights[a + k] - w), `token ${i} term ${k}`).toBeLessThan(1e-12);
      });
    });
  });

  it("packs vision.onnx's tiles and newline into transformers' logits (processor pixels)", async () => {
    await expectProcessorPixelLogits(pkg, (img) => imageTokenMixes(img.geometry), 1e-4);
  });

  it("preprocesses close to the processor (sharp's bicubic against PIL's)", async () => {
    // 1/255/std ≈ 0.008 per level (SigLIP's std 0.5): the bound allows ~5 levels, as llavaNext.test.ts.
    await expectPixelsNearProcessor(pkg, 0.045);
  });

  it('runs the whole path: prefill logits and a recording with its tiles', async () => {
    const layout = await expectPrefillMatches(pkg);
    // 16 base tokens, then the first downsampled row (6 tokens) and its newline.
    const cols = pkg.ref.grid.packed[1];
    expect(layout.tokens[layout.imageStart + 16 + cols].patch?.isNewline).toBe(true);
    expect(layout.tokens[layout.imageStart + 16 + cols - 1].patch?.isNewline).toBe(false);

    await expectRecordedTiles(pkg);
  });
});
