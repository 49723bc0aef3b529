import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AnyresImageLayout,
  imageGeometry,
  imageTokenPatches,
  imageTokenSources,
  padForPatching,
  pyIntRound7,
  resizeForPatching,
  selectBestResolution,
  unpadCrop,
} from '../../../../analysis/attention/imageLayout';

// LLaVA-1.6's grid pinpoints, [height, width].
const PINPOINTS: [number, number][] = [
  [336, 672],
  [672, 336],
  [672, 672],
  [1008, 336],
  [336, 1008],
];
const llava16: AnyresImageLayout = {
  kind: 'anyres',
  gridPinpoints: PINPOINTS,
  tileSize: 336,
  rows: 24,
  cols: 24,
  newline: true,
  unpad: true,
};
const tiny: AnyresImageLayout = {
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

describe('select_best_resolution (LLaVA-1.6 pinpoints)', () => {
  it('640×480 → 672×672', () => {
    // (336,672): scale min(1.05, 0.7) = 0.7 → 448×336 = 150528. (672,336): 0.525 → 336×252 = 84672.
    // (672,672): scale 1.05 → 672×504, effective min(338688, 307200) = 307200 — the most.
    expect(selectBestResolution(480, 640, PINPOINTS)).toEqual([672, 672]);
  });
  it('1000×300 → 336×1008', () => {
    // (336,672) and (672,672): scale 0.672 → 672×201 = 135072; (336,1008): scale min(1.008, 1.12) →
    // 1008×302 = 304416, capped at the image's 300000.
    expect(selectBestResolution(300, 1000, PINPOINTS)).toEqual([336, 1008]);
  });
  it('300×1000 → 1008×336', () => {
    expect(selectBestResolution(1000, 300, PINPOINTS)).toEqual([1008, 336]);
  });
  it('336×336 → 336×672 (ties on effective and wasted area go to the first)', () => {
    // (336,672) and (672,336): effective 112896, wasted 112896 each; (672,672) wastes 338688.
    expect(selectBestResolution(336, 336, PINPOINTS)).toEqual([336, 672]);
  });
});

describe('resize and pad for patching', () => {
  it('fits the canvas keeping the aspect, centred, odd pixel right/bottom', () => {
    // 640×480 into 672×672: scale_w 1.05 < scale_h 1.4 → width 672, height ceil(504) = 504.
    expect(resizeForPatching(480, 640, 672, 672)).toEqual({ height: 504, width: 672 });
    expect(padForPatching({ height: 504, width: 672 }, 672, 672)).toEqual({
      top: 84,
      bottom: 84,
      left: 0,
      right: 0,
    });
    // 16×10 into 8×8: width 8, height ceil(5) = 5; 3 rows of padding → 1 top, 2 bottom.
    expect(resizeForPatching(10, 16, 8, 8)).toEqual({ height: 5, width: 8 });
    expect(padForPatching({ height: 5, width: 8 }, 8, 8)).toEqual({ top: 1, bottom: 2, left: 0, right: 0 });
  });
});

describe("Python's int(round(x, 7))", () => {
  it('rounds at the 7th decimal, then truncates', () => {
    expect(pyIntRound7(36)).toBe(36);
    expect(pyIntRound7(35.99999999)).toBe(36); // round → 36.0
    expect(pyIntRound7(35.9999999)).toBe(35); // already 7 decimals
    expect(pyIntRound7(4.99999996)).toBe(5);
    expect(pyIntRound7(4.99999994)).toBe(4);
    expect(pyIntRound7(21.6)).toBe(21);
    expect(pyIntRound7(2.5)).toBe(2);
    expect(pyIntRound7(0.3)).toBe(0);
    // 0.1·3 = 0.30000000000000004 and 3·(1/3)·… style products near integers:
    expect(pyIntRound7(300 * (72 / 1000))).toBe(21);
    expect(pyIntRound7(49 * (1 / 49) * 7)).toBe(7);
    // Exact ties at 7 decimals are decided on the double's exact value: 2^-24·k has ≤ 24 binary
    // digits, e.g. 0.5 + 2^-25 = 0.50000002980232… → 0.5000000 → 0.
    expect(pyIntRound7(0.5 + 2 ** -25)).toBe(0);
    expect(pyIntRound7(1 - 2 ** -30)).toBe(1); // 0.99999999906… → 1.0
  });
});

describe('token counts and sources (LLaVA-1.6)', () => {
  it('640×480: 576 base + 36 kept rows × (48 + newline) = 2340', () => {
    // Grid 2×2 tiles → 48×48 positions; 640/480 > 1 → new height int(round(480·48/640)) = 36,
    // pad (48 − 36)/2 = 6 → rows [6, 42): 36 × 48 + 36 newlines = 1764; + 576 = 2340.
    const g = imageGeometry(llava16, 640, 480);
    expect(g.tiles).toBe(5);
    expect(g.kept).toEqual({ rowStart: 6, rowEnd: 42, colStart: 0, colEnd: 48 });
    expect(g.tokenCount).toBe(2340);
  });
  it('1000×300: 1×3 grid, rows [1, 23) of 24 → 576 + 22 × 73 = 2182', () => {
    // 1000/300 > 72/24 → new height int(round(300·72/1000)) = int(21.6) = 21, pad 1.
    const g = imageGeometry(llava16, 1000, 300);
    expect(g.tiles).toBe(4);
    expect(g.kept).toEqual({ rowStart: 1, rowEnd: 23, colStart: 0, colEnd: 72 });
    expect(g.tokenCount).toBe(2182);
  });
  it('300×1000: 3×1 grid, columns [1, 23) → 576 + 72 × 23 = 2232', () => {
    const g = imageGeometry(llava16, 300, 1000);
    expect(g.kept).toEqual({ rowStart: 0, rowEnd: 72, colStart: 1, colEnd: 23 });
    expect(g.tokenCount).toBe(2232);
  });
  it('336×336: 1×2 grid, columns [12, 36) → 576 + 24 × 25 = 1176', () => {
    const g = imageGeometry(llava16, 336, 336);
    expect(g.tiles).toBe(3);
    expect(g.kept).toEqual({ rowStart: 0, rowEnd: 24, colStart: 12, colEnd: 36 });
    expect(g.tokenCount).toBe(1176);
  });
  it("equals transformers' own packing on the exported layout fixture", () => {
    const fx = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../fixtures/hf-export/llava-next-layout.json'), 'utf8'),
    ) as {
      pinpoints: [number, number][];
      tileSize: number;
      rows: number;
      cols: number;
      cases: {
        width: number;
        height: number;
        processor_image_tokens: number;
        tiles: number;
        best_resolution: [number, number];
        sources: number[];
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
    };
    expect(fx.cases.length).toBeGreaterThanOrEqual(10);
    for (const c of fx.cases) {
      const g = imageGeometry(layout, c.width, c.height);
      expect([g.canvas.height, g.canvas.width], `${c.width}×${c.height}`).toEqual(c.best_resolution);
      expect(g.tiles).toBe(c.tiles);
      expect(g.tokenCount).toBe(c.processor_image_tokens);
      expect(Array.from(imageTokenSources(g))).toEqual(c.sources);
    }
  });
});

describe('tiny synthetic layout (tile 4 px, 2×2 tokens per tile)', () => {
  it('16×10: 2×2 grid, rows [1, 3) kept, newline after each', () => {
    // Best 8×8 (scale 0.5 → 8×5 = 40, against 6×4 and 4×2). Global map 4×4; 16/10 > 1 →
    // new height int(round(10·4/16)) = int(2.5) = 2, pad 1 → rows 1 and 2.
    const g = imageGeometry(tiny, 16, 10);
    expect(g.canvas).toEqual({ height: 8, width: 8 });
    expect(g.tokenCount).toBe(4 + 2 * 4 + 2);
    // Row 1 = bottom patch row of tiles 1, 2; row 2 = top patch row of tiles 3, 4 (tile·4 + r·2 + c).
    expect(Array.from(imageTokenSources(g))).toEqual([0, 1, 2, 3, 6, 7, 10, 11, -1, 12, 13, 16, 17, -1]);
    const p = imageTokenPatches(g);
    expect(p[4]).toEqual({ tile: 1, row: 1, col: 0, isNewline: false });
    expect(p[8]).toEqual({ tile: 0, row: 1, col: 4, isNewline: true });
    expect(p[10]).toEqual({ tile: 3, row: 0, col: 1, isNewline: false });
    // Resized 8×5, padded 1 px on top: the grid tiles in the image's normalised coordinates.
    expect(g.tileRects).toEqual([
      { x: 0, y: 0, w: 1, h: 1, rows: 2, cols: 2 },
      { x: 0, y: -0.2, w: 0.5, h: 0.8, rows: 2, cols: 2 },
      { x: 0.5, y: -0.2, w: 0.5, h: 0.8, rows: 2, cols: 2 },
      { x: 0, y: 0.6, w: 0.5, h: 0.8, rows: 2, cols: 2 },
      { x: 0.5, y: 0.6, w: 0.5, h: 0.8, rows: 2, cols: 2 },
    ]);
  });
  it('10×16: columns [1, 3) kept', () => {
    const g = imageGeometry(tiny, 10, 16);
    expect(g.kept).toEqual({ rowStart: 0, rowEnd: 4, colStart: 1, colEnd: 3 });
    expect(Array.from(imageTokenSources(g))).toEqual([
      0, 1, 2, 3, 5, 8, -1, 7, 10, -1, 13, 16, -1, 15, 18, -1,
    ]);
  });
  it('without unpad or newline: the whole grid', () => {
    const g = imageGeometry({ ...tiny, unpad: false, newline: false }, 16, 10);
    expect(g.tokenCount).toBe(4 + 16);
    expect(Array.from(imageTokenSources(g)).slice(4, 8)).toEqual([4, 5, 8, 9]);
  });
  it('a fixed layout is one tile', () => {
    const g = imageGeometry({ kind: 'fixed', size: 8, rows: 2, cols: 3 }, 100, 50);
    expect(g.tiles).toBe(1);
    expect(g.tokenCount).toBe(6);
    expect(Array.from(imageTokenSources(g))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(imageTokenPatches(g)[4]).toEqual({ tile: 0, row: 1, col: 1, isNewline: false });
    expect(g.tileRects).toEqual([{ x: 0, y: 0, w: 1, h: 1, rows: 2, cols: 3 }]);
  });
  it('unpadCrop keeps everything for a matching aspect', () => {
    expect(unpadCrop(480, 640, 48, 64)).toEqual({ rowStart: 0, rowEnd: 48, colStart: 0, colEnd: 64 });
  });
});
