import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dequantizeOverview,
  overviewBlockOf,
  overviewBlockStarts,
  overviewHasData,
  overviewSize,
  quantizeOverview,
} from '../../../../analysis/attention/overviewMap';
import { buildStats } from '../../../../analysis/attention/buildStats';
import { overviewOffset } from '../../../../analysis/attention/statsIndex';

describe('overview maps (DESIGN.md §5)', () => {
  it('R = min(256, n); pixel i covers [⌊i·n/R⌋, ⌊(i+1)·n/R⌋)', () => {
    expect(overviewSize(10)).toBe(10);
    expect(overviewSize(2932)).toBe(256);
    // n = 7, R = 3: starts 0, 2, 4, 7 (⌊7/3⌋ = 2, ⌊14/3⌋ = 4).
    expect(Array.from(overviewBlockStarts(7, 3))).toEqual([0, 2, 4, 7]);
    expect(Array.from(overviewBlockOf(7, 3))).toEqual([0, 0, 1, 1, 2, 2, 2]);
  });

  it('quantises log10(A) from −8 (1) to 0 (255), A = 0 → 1, half up', () => {
    expect(quantizeOverview(1)).toBe(255);
    expect(quantizeOverview(1e-8)).toBe(1);
    expect(quantizeOverview(1e-12)).toBe(1);
    expect(quantizeOverview(0)).toBe(1);
    // 0.1: 1 + round(254·7/8 = 222.25) = 223; 1e-4: 1 + round(127) = 128.
    expect(quantizeOverview(0.1)).toBe(223);
    expect(quantizeOverview(1e-4)).toBe(128);
    expect(dequantizeOverview(0)).toBeNull();
    expect(dequantizeOverview(255)).toBe(0);
    expect(dequantizeOverview(1)).toBe(-8);
    expect(dequantizeOverview(128)).toBeCloseTo(-4, 12);
  });

  it('no-data pixels from geometry: causal upper triangle, and beyond the sliding window', () => {
    // n = 4, R = 4 (one entry per pixel), W = 2: row q sees q − 1 and q.
    expect(Array.from(overviewHasData(4, 4, 2))).toEqual([1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1]);
    // n = 6, R = 3 (2×2 pixels), full causal: pixel (0, 0) holds (0,0), (1,0), (1,1); (0, 1) nothing.
    expect(Array.from(overviewHasData(6, 3, null))).toEqual([1, 0, 0, 1, 1, 0, 1, 1, 1]);
  });

  it('property: the geometric mask is exactly where the builder saw a visible entry', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.option(fc.integer({ min: 1, max: 40 })),
        (n, window) => {
          const spec = {
            layers: 1,
            heads: 1,
            kvHeads: 1,
            headDim: 1,
            scale: 1,
            softcap: null,
            slidingWindow: [window],
          };
          const tensors = { queries: new Float32Array(n), keys: new Float32Array(n) };
          const s = buildStats(spec, { m: n - 1, G: 1, postVisionStart: n - 1 }, () => tensors);
          const R = s.overviewSize;
          const mask = overviewHasData(n, R, window);
          const map = s.overview.subarray(overviewOffset(s.dims, R, 0, 0));
          let mismatches = 0;
          for (let i = 0; i < R * R; i++) if ((map[i] > 0 ? 1 : 0) !== mask[i]) mismatches++;
          expect(mismatches).toBe(0);
        },
      ),
      { numRuns: 25 },
    );
  });
});
