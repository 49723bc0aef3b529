import { describe, expect, it } from 'vitest';
import {
  type AnyresImageLayout,
  imageGeometry,
  imageTokenPatches,
} from '../../../../analysis/attention/imageLayout';
import type { RecordingInfo } from '../../../../analysis/engine/api';
import { cellRect, hasGridTiles, overlayLayout } from '../../../../renderer/src/views/overlay/layout';

// Tiles of 4 px with 2×2 tokens; a 16×10 image → 8×8 canvas, 2×2 grid tiles, 1 px of padding on top.
const layout: AnyresImageLayout = {
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
const g = imageGeometry(layout, 16, 10);
// Two text tokens, then the 14 image tokens.
const tokens: RecordingInfo['tokens'] = [
  { id: 1, text: '<s>', modality: 'text-pre' },
  { id: 5, text: 'user', modality: 'text-pre' },
  ...imageTokenPatches(g).map((p) => ({
    id: 3,
    text: '<image>',
    modality: 'image' as const,
    patch: { imageIndex: 0, ...p },
  })),
];

describe('image overlay with anyres tiles', () => {
  const size = { width: 200, height: 100 }; // image 160×100 fitted at x = 20
  it('base: the base tile over the whole image, as a fixed layout', () => {
    const o = overlayLayout(size, 1.6, tokens, { rows: 2, cols: 2 }, g.tileRects, 'base');
    expect(o.image).toEqual({ x: 20, y: 0, width: 160, height: 100 });
    expect(Array.from(o.positions)).toEqual([2, 3, 4, 5]);
    expect(o.rects).toBeUndefined();
    expect(cellRect(o, 3)).toEqual({ x: 100, y: 50, width: 80, height: 50 });
    // No tiles (fixed layout, older sessions): the same.
    const f = overlayLayout(size, 1.6, tokens, { rows: 2, cols: 2 });
    expect(f).toEqual(o);
    expect(overlayLayout(size, 1.6, tokens, { rows: 2, cols: 2 }, undefined, 'grid')).toEqual(o);
  });

  it('grid: each grid token in its tile rectangle, cropped rows empty, newlines not drawn', () => {
    expect(hasGridTiles(g.tileRects)).toBe(true);
    expect(hasGridTiles([g.tileRects[0]])).toBe(false);
    const o = overlayLayout(size, 1.6, tokens, { rows: 2, cols: 2 }, g.tileRects, 'grid');
    // 4 tiles × 4 cells; kept global rows 1 and 2 = bottom row of tiles 1, 2 and top row of 3, 4.
    // Image tokens: base at 2..5, row 1 at 6..9 (newline 10), row 2 at 11..14 (newline 15).
    const tile = (t: number) => Array.from(o.positions.subarray(4 * (t - 1), 4 * t));
    expect(tile(1)).toEqual([-1, -1, 6, 7]);
    expect(tile(2)).toEqual([-1, -1, 8, 9]);
    expect(tile(3)).toEqual([11, 12, -1, -1]);
    expect(tile(4)).toEqual([13, 14, -1, -1]);
    expect(o.positions.includes(10)).toBe(false);
    // Tile 1 = x [0, 0.5), y [−0.2, 0.6) of the image: its cells are 40 × 40 px; cell (1, 0) at y 20.
    expect(cellRect(o, 0)).toEqual({ x: 20, y: -20, width: 40, height: 40 });
    expect(cellRect(o, 2)).toEqual({ x: 20, y: 20, width: 40, height: 40 });
    // Tile 4's cell (0, 1): x 20 + (0.5 + 0.25)·160 = 140, y (0.6)·100 = 60.
    const r = cellRect(o, 13);
    expect(r.x).toBeCloseTo(140);
    expect(r.y).toBeCloseTo(60);
    expect(r.width).toBeCloseTo(40);
  });
});
