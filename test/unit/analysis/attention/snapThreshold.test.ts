import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snapThreshold } from '../../../../analysis/attention/snapThreshold';
import { EDGES } from '../../../../analysis/attention/histogramGrid';
import { InvalidThresholdError } from '../../../../analysis/attention/errors';

describe('snapThreshold (CLI --threshold)', () => {
  it('keeps edges and moves other values to the nearest edge in log space', () => {
    expect(snapThreshold(0.01)).toMatchObject({ edgeIndex: 120, edge: -2, snapped: false });
    // log10(0.012) = −1.9208: between e_121 = −1.95 and e_122 = −1.90, nearer −1.90.
    const s = snapThreshold(0.012);
    expect(s.edgeIndex).toBe(122);
    expect(s.p).toBeCloseTo(10 ** -1.9, 12);
    expect(s.snapped).toBe(true);
    // 0.0107 → log10 = −1.9706: nearer e_121 = −1.95 than e_120 = −2.
    expect(snapThreshold(0.0107).edgeIndex).toBe(121);
  });

  it('clamps to the grid: p ≥ 1 → e_160 (p = 1), p < 1e-8 → e_0', () => {
    expect(snapThreshold(1).edgeIndex).toBe(160);
    expect(snapThreshold(5).edgeIndex).toBe(160);
    expect(snapThreshold(1e-12).edgeIndex).toBe(0);
  });

  it('rejects values that are not a positive number', () => {
    for (const p of [0, -0.1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => snapThreshold(p)).toThrow(InvalidThresholdError);
  });

  it('property: the chosen edge is a nearest one', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 0, noNaN: true }), (e) => {
        const { edgeIndex } = snapThreshold(10 ** e);
        const le = Math.log10(10 ** e);
        const best = Math.min(...Array.from(EDGES, (x) => Math.abs(x - le)));
        expect(Math.abs(EDGES[edgeIndex] - le)).toBeLessThanOrEqual(best + 1e-12);
      }),
      { numRuns: 500 },
    );
  });
});
