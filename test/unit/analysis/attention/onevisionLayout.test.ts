import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AnyresImageLayout,
  bilinearAxis,
  downsampleSize,
  imageGeometry,
  imageTokenMixes,
  imageTokenPatches,
  imageTokenSources,
  pyFloorDiv,
} from '../../../../analysis/attention/imageLayout';

describe("PyTorch's bilinear weights along one axis (align_corners=False)", () => {
  it('4 → 2: sources 0.5 and 2.5, weights (0.5, 0.5)', () => {
    expect(bilinearAxis(4, 2)).toEqual([
      { i0: 0, i1: 1, w0: 0.5, w1: 0.5 },
      { i0: 2, i1: 3, w0: 0.5, w1: 0.5 },
    ]);
  });
  it('6 → 4: scale 1.5, sources 0.25, 1.75, 3.25, 4.75', () => {
    expect(bilinearAxis(6, 4)).toEqual([
      { i0: 0, i1: 1, w0: 0.75, w1: 0.25 },
      { i0: 1, i1: 2, w0: 0.25, w1: 0.75 },
      { i0: 3, i1: 4, w0: 0.75, w1: 0.25 },
      { i0: 4, i1: 5, w0: 0.25, w1: 0.75 },
    ]);
  });
  it('clamps: a negative source becomes 0, the last row has no right neighbour', () => {
    // 2 → 3 (upsampling): d = 0 gives (0.5)·(2/3) − 0.5 < 0 → 0; d = 2 gives 1.1666… → i1 = 1.
    const t = bilinearAxis(2, 3);
    expect(t[0]).toEqual({ i0: 0, i1: 1, w0: 1, w1: 0 });
    expect(t[2].i0).toBe(1);
    expect(t[2].i1).toBe(1);
    // Same size: the identity, weight 1 on i0.
    expect(bilinearAxis(3, 3).map((a) => [a.i0, a.w0, a.w1])).toEqual([
      [0, 1, 0],
      [1, 1, 0],
      [2, 1, 0],
    ]);
  });
});

describe("Python's float floor division", () => {
  it('is not Math.floor(x / y) where the quotient rounds up to an integer', () => {
    expect(1 / 0.1).toBe(10);
    expect(pyFloorDiv(1, 0.1)).toBe(9); // Python: 1 // 0.1 == 9.0
    expect(pyFloorDiv(75, Math.sqrt((75 * 135) / (9 * 27 * 27)))).toBe(60);
    expect(pyFloorDiv(135, Math.sqrt((75 * 135) / (9 * 27 * 27)))).toBe(108);
    expect(pyFloorDiv(0, 1.5)).toBe(0);
  });
  it('downsampling only above a ratio of 1.1', () => {
    // 1920×1080 under anyres_max_9: 75×135 → ratio 1.242 → 60×108; 640×480: 40×54 → 0.84.
    expect(downsampleSize(75, 135, 27, 9)).toEqual({ rows: 60, cols: 108 });
    expect(downsampleSize(40, 54, 27, 9)).toBeNull();
    // sqrt(121 / 100) is the double 1.1 (in Python too): not above, kept as is.
    expect(downsampleSize(11, 11, 10, 1)).toBeNull();
  });
});

// Tiles of 4 px, 2×2 tokens each; one 1×3 grid, no unpadding, so the hand computation stays short.
const strip: AnyresImageLayout = {
  kind: 'anyres',
  gridPinpoints: [[4, 12]],
  tileSize: 4,
  rows: 2,
  cols: 2,
  newline: true,
  unpad: false,
  maxTiles: 2,
};

describe('a hand-computed downsampled grid (2×6 map, maxTiles 2)', () => {
  // ratio = sqrt(2·6 / (2·2²)) = 1.2247 > 1.1 → int(2 // 1.2247) = 1 row, int(6 // 1.2247) = 4 columns.
  // Rows 2 → 1: (0, 1) at (0.5, 0.5). Columns 6 → 4: (0,1) .75/.25, (1,2) .25/.75, (3,4) .75/.25,
  // (4,5) .25/.75. Feature row of map (R, C): tile 1 + ⌊C/2⌋, i.e. (1 + ⌊C/2⌋)·4 + R·2 + C mod 2.
  const g = imageGeometry(strip, 12, 4);
  it('geometry and token count', () => {
    expect([g.gridRows, g.gridCols]).toEqual([1, 3]);
    expect(g.kept).toEqual({ rowStart: 0, rowEnd: 2, colStart: 0, colEnd: 6 });
    expect(g.downsampled).toEqual({ rows: 1, cols: 4 });
    expect(g.tokenCount).toBe(4 + 1 * 4 + 1);
    expect(imageGeometry({ ...strip, maxTiles: undefined }, 12, 4).tokenCount).toBe(4 + 2 * 6 + 2);
  });
  it('mixes: up to 4 terms each, sorted by feature row (tile boundaries reorder them)', () => {
    const m = imageTokenMixes(g);
    expect(Array.from(m.offsets)).toEqual([0, 1, 2, 3, 4, 8, 12, 16, 20, 21]);
    const terms = Array.from({ length: 9 }, (_, i) =>
      Array.from({ length: m.offsets[i + 1] - m.offsets[i] }, (_, k) => [
        m.sources[m.offsets[i] + k],
        m.weights[m.offsets[i] + k],
      ]),
    );
    expect(terms.slice(0, 4)).toEqual([[[0, 1]], [[1, 1]], [[2, 1]], [[3, 1]]]);
    // Columns 0, 1 of tile 1: rows 4, 5 (R = 0) and 6, 7 (R = 1).
    expect(terms[4]).toEqual([
      [4, 0.375],
      [5, 0.125],
      [6, 0.375],
      [7, 0.125],
    ]);
    // Columns 1 (tile 1) and 2 (tile 2): taken as 5, 8, 7, 10, accumulated as 5, 7, 8, 10.
    expect(terms[5]).toEqual([
      [5, 0.125],
      [7, 0.125],
      [8, 0.375],
      [10, 0.375],
    ]);
    expect(terms[6]).toEqual([
      [9, 0.375],
      [11, 0.375],
      [12, 0.125],
      [14, 0.125],
    ]);
    expect(terms[7]).toEqual([
      [12, 0.125],
      [13, 0.375],
      [14, 0.125],
      [15, 0.375],
    ]);
    expect(terms[8]).toEqual([[-1, 1]]);
  });
  it('patches: the largest-weight term (ties to the first); sources need the mixes', () => {
    const p = imageTokenPatches(g);
    expect(p.length).toBe(g.tokenCount);
    expect(p[4]).toEqual({ tile: 1, row: 0, col: 0, isNewline: false }); // 4 (.375, first of two)
    expect(p[5]).toEqual({ tile: 2, row: 0, col: 0, isNewline: false }); // 8
    expect(p[6]).toEqual({ tile: 2, row: 0, col: 1, isNewline: false }); // 9
    expect(p[7]).toEqual({ tile: 3, row: 0, col: 1, isNewline: false }); // 13
    expect(p[8]).toEqual({ tile: 0, row: 0, col: 6, isNewline: true });
    expect(() => imageTokenSources(g)).toThrow(/downsampled.*imageTokenMixes/);
  });
  it('without downsampling the mixes are the sources with weight 1', () => {
    const h = imageGeometry({ ...strip, maxTiles: 9 }, 12, 4);
    expect(h.downsampled).toBeNull();
    const m = imageTokenMixes(h);
    expect(Array.from(m.sources)).toEqual(Array.from(imageTokenSources(h)));
    expect(Array.from(m.offsets)).toEqual(Array.from({ length: h.tokenCount + 1 }, (_, i) => i));
    expect(m.weights.every((w) => w === 1)).toBe(true);
  });
});

describe("transformers' LLaVA-OneVision packing (llava-onevision-layout.json)", () => {
  const fx = JSON.parse(
    readFileSync(
      join(import.meta.dirname, '../../../fixtures/hf-export/llava-onevision-layout.json'),
      'utf8',
    ),
  ) as {
    pinpoints: [number, number][];
    tileSize: number;
    rows: number;
    cols: number;
    maxTiles: number;
    pass: boolean;
    cases: {
      width: number;
      height: number;
      processor_image_tokens: number;
      tiles: number;
      best_resolution: [number, number];
      grid: [number, number];
      unpadded: [number, number];
      packed: [number, number];
      packed_tokens: number;
      /** Per token Σ weight·(tile·rows·cols + patch), newline −1, from pack_image_features. */
      packed_channel0: number[];
    }[];
  };
  const layout: AnyresImageLayout = {
    kind: 'anyres',
    gridPinpoints: fx.pinpoints,
    tileSize: fx.tileSize,
    rows: fx.rows,
    cols: fx.cols,
    newline: true,
    unpad: true,
    maxTiles: fx.maxTiles,
  };
  it('has downsampled and plain cases', () => {
    expect(fx.pass).toBe(true);
    expect(fx.cases.length).toBeGreaterThanOrEqual(10);
    expect(fx.cases.some((c) => c.packed[0] !== c.unpadded[0])).toBe(true);
    expect(fx.cases.some((c) => c.packed[0] === c.unpadded[0])).toBe(true);
  });
  for (const c of fx.cases) {
    it(`${c.width}×${c.height}: grid, token count and every token's weighted source`, () => {
      const g = imageGeometry(layout, c.width, c.height);
      expect([g.canvas.height, g.canvas.width]).toEqual(c.best_resolution);
      expect(g.tiles).toBe(c.tiles);
      expect([g.gridRows, g.gridCols]).toEqual(c.grid);
      expect([g.kept.rowEnd - g.kept.rowStart, g.kept.colEnd - g.kept.colStart]).toEqual(c.unpadded);
      const down = c.packed[0] !== c.unpadded[0] || c.packed[1] !== c.unpadded[1];
      expect(g.downsampled).toEqual(down ? { rows: c.packed[0], cols: c.packed[1] } : null);
      expect(g.tokenCount).toBe(c.processor_image_tokens);
      expect(g.tokenCount).toBe(c.packed_tokens);
      expect(imageTokenPatches(g).length).toBe(g.tokenCount);
      const m = imageTokenMixes(g);
      expect(m.offsets.length - 1).toBe(c.packed_channel0.length);
      let worst = 0;
      let most = 0;
      for (let i = 0; i < c.packed_channel0.length; i++) {
        let v = 0;
        most = Math.max(most, m.offsets[i + 1] - m.offsets[i]);
        for (let k = m.offsets[i]; k < m.offsets[i + 1]; k++)
          v += m.sources[k] < 0 ? -m.weights[k] : m.weights[k] * m.sources[k];
        const want = c.packed_channel0[i];
        worst = Math.max(worst, Math.abs(v - want) / Math.max(1, Math.abs(want)));
      }
      expect(most).toBeLessThanOrEqual(down ? 4 : 1);
      // Measured: 0 where not downsampled, 5e-10 absolute for 4000×3000 (the fixture's 9 decimals).
      expect(worst).toBeLessThan(1e-4);
    });
  }
});
