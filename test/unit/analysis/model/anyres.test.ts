import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AnyresImageLayout,
  imageGeometry,
  imageTokenMixes,
  imageTokenSources,
} from '../../../../analysis/attention/imageLayout';
import { packImageFeatures } from '../../../../analysis/model/decoder';
import { prepareImage } from '../../../../analysis/model/image';
import { type ModelManifest, validateManifest } from '../../../../analysis/model/manifest';
import { checkGraphIo, contractIo } from '../../../../analysis/model/modelIo';
import { PromptError, renderPrompt } from '../../../../analysis/model/prompt';
import { ModelTokenizer } from '../../../../analysis/model/tokenizer';
import { fixtureManifest, writeFixtureModel } from '../../../helpers/fixtureModel';

// Tiles of 4 px, 2×2 tokens each; pinpoints [h, w].
const LAYOUT = {
  kind: 'anyres',
  gridPinpoints: [
    [4, 8],
    [8, 4],
    [8, 8],
  ],
  tileSize: 4,
  rows: 2,
  cols: 2,
  newline: true,
  unpad: true,
};
const MEAN = [0.5, 0.4, 0.3];
const STD = [0.2, 0.25, 0.5];

function anyresManifest(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const m = fixtureManifest();
  m.hashes = {
    'tokenizer.json': `sha256:${'0'.repeat(64)}`,
    'vision.onnx': `sha256:${'0'.repeat(64)}`,
    'embed.onnx': `sha256:${'0'.repeat(64)}`,
    'decoder.onnx': `sha256:${'0'.repeat(64)}`,
  };
  m.image = { resize: 'nearest', mean: MEAN, std: STD, layout: { ...LAYOUT, ...patch } };
  return m;
}

function manifest(): ModelManifest {
  const r = validateManifest(anyresManifest());
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.manifest;
}

describe('anyres manifest', () => {
  it('accepts the layout with unpad and refuses it without', () => {
    expect(validateManifest(anyresManifest()).ok).toBe(true);
    const m = anyresManifest();
    delete (m.image as { layout: Record<string, unknown> }).layout.unpad;
    const r = validateManifest(m);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/image\.layout\.unpad/);
  });
  it('refuses layout fields it does not implement and pinpoints off the tile size', () => {
    const a = validateManifest(anyresManifest({ pooling: 2 }));
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.errors.join('\n')).toMatch(/image\.layout: .*pooling/);
    const b = validateManifest(anyresManifest({ gridPinpoints: [[4, 6]] }));
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.errors.join('\n')).toMatch(/4×6 is not a multiple of tileSize \(4\)/);
  });
});

describe('anyres manifest: maxTiles (LLaVA-OneVision)', () => {
  it('is optional and, when given, a positive integer', () => {
    expect(validateManifest(anyresManifest()).ok).toBe(true);
    const r = validateManifest(anyresManifest({ maxTiles: 9 }));
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.manifest.image.layout).toMatchObject({ kind: 'anyres', maxTiles: 9 });
  });
  it.each([0, 1.5, -3, '9', null])('refuses maxTiles %j with a clear message', (bad) => {
    const r = validateManifest(anyresManifest({ maxTiles: bad }));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toContain('image.layout.maxTiles: maxTiles must be a positive integer (anyres_max_N)');
  });
});

describe('anyres pixels', () => {
  it('a 6×2 solid image: base tile, 2 grid tiles, black padding normalised as (0 − mean)/std', async () => {
    // Best pinpoint 4×8 (scale 4/3 keeps all 12 px; 8×4 keeps 4×1). Resized to fit: width 8,
    // height min(ceil(2·4/3), 4) = 3; 1 row of padding, at the bottom (divmod(1, 2) = (0, 1)).
    const colour = [200, 100, 50];
    const png = await sharp({
      create: { width: 6, height: 2, channels: 3, background: { r: 200, g: 100, b: 50 } },
    })
      .png()
      .toBuffer();
    const img = await prepareImage(new Uint8Array(png), manifest());
    expect(img.tiles).toBe(3);
    expect(img.size).toBe(4);
    expect(img.geometry.canvas).toEqual({ height: 4, width: 8 });
    expect(img.geometry.pad).toEqual({ top: 0, bottom: 1, left: 0, right: 0 });
    expect(img.pixels.length).toBe(3 * 3 * 16);
    const px = (t: number, c: number, y: number, x: number) => img.pixels[t * 48 + c * 16 + y * 4 + x];
    const f32 = (v: number) => Math.fround(v);
    for (let c = 0; c < 3; c++) {
      const inside = f32((colour[c] / 255 - MEAN[c]) / STD[c]);
      const padded = f32((0 - MEAN[c]) / STD[c]);
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 4; x++) {
          expect(px(0, c, y, x)).toBe(inside); // base: the whole image squashed
          for (const t of [1, 2]) expect(px(t, c, y, x)).toBe(y < 3 ? inside : padded);
        }
    }
    // 4 base tokens + 2 kept rows × (4 + newline): 2·4/6 → int(1.33) = 1 row of 2, pad 0.
    expect(img.geometry.tokenCount).toBe(14);
  });
  it('keeps the fixed layout and the existing limits', async () => {
    const r = validateManifest({ ...fixtureManifest(), hashes: anyresManifest().hashes });
    if (!r.ok) throw new Error(r.errors.join('; '));
    const png = await sharp({ create: { width: 5, height: 3, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const img = await prepareImage(new Uint8Array(png), r.manifest);
    expect(img.tiles).toBe(1);
    expect(img.pixels.length).toBe(3 * 16 * 16);
    expect(img.pixels[0]).toBeCloseTo(1);
    await expect(prepareImage(new Uint8Array(0), manifest())).rejects.toThrow('the image file is empty');
  });
});

describe('anyres prompt layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlc-anyres-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('takes n_img and every token patch from the geometry', async () => {
    writeFixtureModel(dir);
    const m = manifest();
    const tok = await ModelTokenizer.load(join(dir, 'tokenizer.json'), m.tokens.unk);
    expect(() => renderPrompt(m, tok, 'what colour')).toThrow(PromptError);
    const g = imageGeometry(m.image.layout as Parameters<typeof imageGeometry>[0], 16, 10);
    const p = renderPrompt(m, tok, 'what colour', g);
    // [bos] user : <image>×14 what colour assistant :
    expect(p.imageStart).toBe(3);
    expect(p.imageTokens).toBe(14);
    expect(p.postVisionStart).toBe(17);
    expect(p.ids.length).toBe(21);
    const patches = p.tokens.slice(3, 17).map((t) => t.patch);
    expect(patches[0]).toEqual({ imageIndex: 0, tile: 0, row: 0, col: 0, isNewline: false });
    // Global row 1 (bottom patch row of tiles 1 and 2), then its newline.
    expect(patches[4]).toEqual({ imageIndex: 0, tile: 1, row: 1, col: 0, isNewline: false });
    expect(patches[7]).toEqual({ imageIndex: 0, tile: 2, row: 1, col: 1, isNewline: false });
    expect(patches[8]).toEqual({ imageIndex: 0, tile: 0, row: 1, col: 4, isNewline: true });
    expect(patches[9]).toEqual({ imageIndex: 0, tile: 3, row: 0, col: 0, isNewline: false });
    expect(patches[13]?.isNewline).toBe(true);
    expect(p.tokens.slice(3, 17).every((t) => t.modality === 'image' && t.id === 3)).toBe(true);
  });
});

describe('anyres vision contract and packing', () => {
  it('requires image_newline for newline layouts and no image_size input', () => {
    const c = contractIo(manifest());
    expect(c.vision.inputs.map((i) => i.name)).toEqual(['pixel_values']);
    expect(c.vision.outputs).toEqual([
      { name: 'image_features', type: 'float32', rank: 3 },
      { name: 'image_newline', type: 'float32', rank: 1 },
    ]);
    // An fp16 export gives its features in f16 (pixel_values stay f32).
    const half = contractIo({ ...manifest(), ioDtype: 'f16' });
    expect(half.vision.inputs[0]?.type).toBe('float32');
    expect(half.vision.outputs.map((o) => o.type)).toEqual(['float16', 'float16']);
    const ins = [{ name: 'pixel_values', isTensor: true, type: 'float32', shape: ['t', 3, 4, 4] }];
    const feats = { name: 'image_features', isTensor: true, type: 'float32', shape: [1, 'n', 32] };
    expect(checkGraphIo('vision.onnx', c.vision, ins, [feats])).toEqual([
      'vision.onnx: output image_newline is missing',
    ]);
    expect(
      checkGraphIo('vision.onnx', c.vision, ins, [
        feats,
        { name: 'image_newline', isTensor: true, type: 'float32', shape: [32] },
      ]),
    ).toEqual([]);
    const noNewline = validateManifest(anyresManifest({ newline: false }));
    if (!noNewline.ok) throw new Error('invalid');
    expect(contractIo(noNewline.manifest).vision.outputs.map((o) => o.name)).toEqual(['image_features']);
  });
  it('gathers feature rows per source and the newline vector for −1', () => {
    const hidden = 2;
    const features = Float32Array.from({ length: 5 * 4 * hidden }, (_, i) => i); // row r = [2r, 2r+1]
    const newline = Float32Array.of(-7, -8);
    const g = imageGeometry(manifest().image.layout as Parameters<typeof imageGeometry>[0], 16, 10);
    const sources = imageTokenSources(g); // [0,1,2,3, 6,7,10,11,-1, 12,13,16,17,-1]
    const out = packImageFeatures(sources, features, newline, hidden);
    expect(Array.from(out.subarray(8, 10))).toEqual([12, 13]); // token 4 ← row 6
    expect(Array.from(out.subarray(16, 18))).toEqual([-7, -8]); // token 8: newline
    expect(Array.from(out.subarray(24, 26))).toEqual([34, 35]); // token 12 ← row 17
    expect(() => packImageFeatures(sources, features, null, hidden)).toThrow(/image_newline/);
  });
  it('packs a downsampled grid as weighted sums (OneVision), accumulated in f64, rounded once', () => {
    // One 1×3 grid of 2×2-token tiles, no unpadding, maxTiles 2: the 2×6 map becomes 1×4
    // (test/unit/analysis/attention/onevisionLayout.test.ts has the terms by hand).
    const layout: AnyresImageLayout = {
      kind: 'anyres',
      gridPinpoints: [[4, 12]],
      tileSize: 4,
      rows: 2,
      cols: 2,
      newline: true,
      unpad: false,
      maxTiles: 2,
    };
    const g = imageGeometry(layout, 12, 4);
    expect(g.tokenCount).toBe(9);
    const hidden = 2;
    const features = Float32Array.from({ length: 4 * 4 * hidden }, (_, i) => (i % 2 ? 100 : 0) + (i >> 1));
    const newline = Float32Array.of(-7, -8);
    const out = packImageFeatures(imageTokenMixes(g), features, newline, hidden);
    expect(Array.from(out.subarray(0, 8))).toEqual([0, 100, 1, 101, 2, 102, 3, 103]); // base tile
    // Token 4: .375·4 + .125·5 + .375·6 + .125·7 = 5.25; token 5: .125·5 + .125·7 + .375·8 + .375·10
    // = 8.25; token 6: .375·9 + .375·11 + .125·12 + .125·14 = 10.75; token 7: 13.75. Weights sum to 1.
    expect(Array.from(out.subarray(8, 16))).toEqual([
      5.25, 105.25, 8.25, 108.25, 10.75, 110.75, 13.75, 113.75,
    ]);
    expect(Array.from(out.subarray(16, 18))).toEqual([-7, -8]);
    // Non-dyadic values: the f64 sum of the terms in order, rounded to f32 once.
    const odd = Float32Array.from(features, (v) => v / 3);
    const got = packImageFeatures(imageTokenMixes(g), odd, newline, hidden);
    const want = 0.125 * odd[10] + 0.125 * odd[14] + 0.375 * odd[16] + 0.375 * odd[20];
    expect(got[10]).toBe(Math.fround(want));
  });
  it('packs an undownsampled geometry bit for bit the same from mixes as from sources', () => {
    const g = imageGeometry(manifest().image.layout as Parameters<typeof imageGeometry>[0], 16, 10);
    const hidden = 3;
    const features = Float32Array.from({ length: 5 * 4 * hidden }, (_, i) => (i % 7 === 0 ? -0 : i / 7));
    const newline = Float32Array.of(-0, Number.NaN, 1e-40);
    const a = packImageFeatures(imageTokenSources(g), features, newline, hidden);
    const b = packImageFeatures(imageTokenMixes(g), features, newline, hidden);
    expect(new Uint8Array(b.buffer)).toEqual(new Uint8Array(a.buffer));
    expect(Object.is(a[0], -0)).toBe(true);
  });
});
