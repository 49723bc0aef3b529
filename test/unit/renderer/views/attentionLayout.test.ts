import { describe, expect, it } from 'vitest';
import {
  clampWindow,
  colourPosition,
  colourize,
  fullWindow,
  legendTicks,
  MIN_SPAN,
  mapLayout,
  panBy,
  rasterGrid,
  rasterizeOverview,
  rasterizeTiles,
  smallMultipleAt,
  smallMultiplesLayout,
  type Tile,
  tileRequests,
  zoomAt,
} from '../../../../renderer/src/views/attention/layout';
import { tokenLayout } from '../../../../renderer/src/views/common/tokenSpans';
import { syntheticRecording } from '../helpers/syntheticRecording';

const rec = syntheticRecording(); // m = 3 + 16 + 5 = 24, G = 3, n = 27
const t = tokenLayout(rec.info);

describe('attention map layout', () => {
  it('places the modality boundaries and row bands on both axes', () => {
    expect([t.imageStart, t.imageEnd, t.v, t.m, t.n]).toEqual([3, 19, 19, 24, 27]);
    const L = mapLayout({ width: 27 * 10 + 40, height: 27 * 10 + 28 }, fullWindow(27), t);
    // square cells of 10 px: position p sits at plot.x + 10 p
    expect(L.plot.width).toBeCloseTo(270);
    expect(L.boundariesX.map((b) => b.pos)).toEqual([3, 19, 24]);
    expect(L.boundariesX[0].px).toBeCloseTo(L.plot.x + 30);
    expect(L.boundariesY[2].px).toBeCloseTo(L.plot.y + 240);
    expect(L.bands.map((b) => b.kind)).toEqual(['postVision', 'decode']);
    expect(L.bands[0].y0).toBeCloseTo(L.plot.y + 190);
    expect(L.bands[0].y1).toBeCloseTo(L.plot.y + 240);
    expect(L.bands[1].y1).toBeCloseTo(L.plot.y + 270);
  });

  it('clips bands and boundaries to a zoomed window', () => {
    const w = { r0: 20, r1: 26, c0: 0, c1: 6 };
    const L = mapLayout({ width: 100, height: 100 }, w, t);
    expect(L.boundariesX.map((b) => b.pos)).toEqual([3]);
    expect(L.boundariesY.map((b) => b.pos)).toEqual([24]);
    expect(L.bands.map((b) => b.kind)).toEqual(['postVision', 'decode']);
    expect(L.bands[0].y0).toBeCloseTo(L.plot.y);
  });

  it('zooms about the anchor and keeps windows inside the matrix', () => {
    const n = 1000;
    const z = zoomAt(fullWindow(n), { row: 500, col: 250 }, 0.5, n);
    expect(z).toEqual({ r0: 250, r1: 750, c0: 125, c1: 625 });
    // zooming out past the whole matrix clamps to it
    expect(zoomAt(z, { row: 0, col: 0 }, 10, n)).toEqual(fullWindow(n));
    // never below the minimum span
    const tiny = zoomAt(fullWindow(n), { row: 10, col: 10 }, 1e-6, n);
    expect(tiny.r1 - tiny.r0).toBeCloseTo(MIN_SPAN);
    expect(clampWindow({ r0: -5, r1: 20, c0: 990, c1: 1010 }, n)).toEqual({
      r0: 0,
      r1: 25,
      c0: 980,
      c1: 1000,
    });
    expect(panBy({ r0: 0, r1: 100, c0: 0, c1: 100 }, -50, 2000, n)).toEqual({
      r0: 0,
      r1: 100,
      c0: 900,
      c1: 1000,
    });
  });

  it('requests aligned tiles, skipping those above the diagonal, or none when too many', () => {
    const reqs = tileRequests({ r0: 0, r1: 600, c0: 0, c1: 600 }, 600, 256, 16);
    // 3 × 3 grid minus the 3 tiles strictly above the diagonal
    expect(reqs?.map((r) => [r.ti, r.tj])).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    expect(reqs?.[5]).toEqual({ ti: 2, tj: 2, rows: [512, 600], cols: [512, 600] });
    expect(tileRequests(fullWindow(2932), 2932, 256, 16)).toBeNull();
    expect(tileRequests({ r0: 1000, r1: 1200, c0: 0, c1: 300 }, 2932, 256, 16)?.length).toBe(4);
  });

  it('rasterises exact tiles by max-pooling and keeps invisible entries as no data', () => {
    const n = 27;
    const tile: Tile = { rows: [0, n], cols: [0, n], data: rec.tile(0, 0, [0, n], [0, n]) };
    const full = rasterizeTiles(rasterGrid(fullWindow(n), n, 1000, 1000), () => tile, 256);
    expect(full.length).toBe(n * n);
    expect(full[0]).toBeCloseTo(1); // row 0 sees only key 0
    expect(Number.isNaN(full[1])).toBe(true); // key 1 is not visible to row 0
    // pooled to 9 × 9: each pixel is the max over its 3 × 3 block
    const g = rasterGrid(fullWindow(n), n, 9, 9);
    const pooled = rasterizeTiles(g, () => tile, 256);
    let mx = 0;
    for (let q = 3; q < 6; q++) for (let j = 3; j < 6; j++) if (j <= q) mx = Math.max(mx, full[q * n + j]);
    expect(pooled[1 * 9 + 1]).toBeCloseTo(mx);
    expect(Number.isNaN(pooled[0 * 9 + 1])).toBe(true);
  });

  it('rasterises an overview map and maps values onto the colour ramp', () => {
    const R = 4;
    const overview = new Uint8Array(R * R);
    overview[0] = 255; // cell (0,0) = A of 1
    overview[3 * R + 2] = 1; // a cell at the bottom of the ramp
    const values = rasterizeOverview(rasterGrid(fullWindow(8), 8, 4, 4), overview, 0, R, 8, (l) =>
      l === 255 ? 1 : 1e-8,
    );
    expect(values[0]).toBe(1);
    expect(values[3 * 4 + 2]).toBeCloseTo(1e-8, 12);
    expect(Number.isNaN(values[1])).toBe(true);
    expect(colourPosition(1, 'log', 0)).toBe(1);
    expect(colourPosition(1e-6, 'log', 0)).toBe(0);
    expect(colourPosition(1e-3, 'log', 0)).toBeCloseTo(0.5);
    expect(colourPosition(0.25, 'linear', 0.5)).toBeCloseTo(0.5);
    const lut = new Uint8ClampedArray(256 * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(i / 4)));
    const px = colourize(new Float32Array([Number.NaN, 1]), 'log', 0, lut, [9, 9, 9, 255]);
    expect([...px]).toEqual([9, 9, 9, 255, 255, 255, 255, 255]);
  });

  it('labels the legend with decades on the log scale and round numbers on the linear one', () => {
    const log = legendTicks('log', 0, 120);
    expect(log.map((k) => k.label)).toEqual(['1e-6', '1e-5', '1e-4', '1e-3', '1e-2', '1e-1', '1']);
    expect(log[0].px).toBe(0);
    expect(log[6].px).toBe(120);
    const lin = legendTicks('linear', 0.4, 100);
    expect(lin[0]).toMatchObject({ value: 0, px: 0 });
    expect(lin.at(-1)!.px).toBeLessThanOrEqual(100);
  });

  it('lays out small multiples and finds the one under the pointer', () => {
    const s = smallMultiplesLayout(4, 8, { width: 300, height: 200 });
    expect(s.x(1) - s.x(0)).toBe(s.cell + s.gap);
    expect(smallMultipleAt(s, 4, 8, s.x(3) + 1, s.y(2) + 1)).toEqual({ layer: 2, head: 3 });
    expect(smallMultipleAt(s, 4, 8, 1, 1)).toBeNull();
  });
});
