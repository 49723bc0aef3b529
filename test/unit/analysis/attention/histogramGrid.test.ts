import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EDGE_INDEX,
  EDGE_COUNT,
  EDGES,
  edgeToP,
  edgeValue,
  histogramBin,
  histogramBinOfRatio,
  logRatio,
} from '../../../../analysis/attention/histogramGrid';
import { InvalidThresholdError } from '../../../../analysis/attention/errors';
import { HIST_BINS } from '../../../../analysis/attention/stats';

/** The definition, by a linear scan: the number of edges ≤ x. */
const scanBin = (x: number) => EDGES.reduce((c, e) => c + (e <= x ? 1 : 0), 0);

describe('histogram grid (ALGORITHMS §2)', () => {
  it('has 161 f64 edges −8 + i/20 and 162 bins', () => {
    expect(EDGE_COUNT).toBe(161);
    expect(HIST_BINS).toBe(162);
    expect(EDGES[0]).toBe(-8);
    expect(EDGES[160]).toBe(0);
    expect(EDGES[120]).toBe(-2); // p = 1 %, the default
    expect(DEFAULT_EDGE_INDEX).toBe(120);
    expect(EDGES[1]).toBe(-8 + 1 / 20);
    for (let i = 1; i < EDGE_COUNT; i++) expect(EDGES[i]).toBeGreaterThan(EDGES[i - 1]);
  });

  it('bins by comparison: b_0 = {x < e_0}, b_i = [e_{i−1}, e_i), b_161 = {x ≥ 0}', () => {
    expect(histogramBin(Number.NEGATIVE_INFINITY)).toBe(0); // A = 0
    expect(histogramBin(-8.0000001)).toBe(0);
    expect(histogramBin(-8)).toBe(1); // on the edge e_0: not below it
    expect(histogramBin(-7.96)).toBe(1);
    expect(histogramBin(-2)).toBe(121); // exactly e_120 = −2 → b_121 = [e_120, e_121)
    expect(histogramBin(-2.0000000001)).toBe(120);
    expect(histogramBin(0)).toBe(161); // the row maximum
    expect(histogramBin(-1e-12)).toBe(160);
    // log10(0.5) = −0.30103 ∈ [−0.35, −0.30) = b_154; log10(0.25) = −0.60206 ∈ [−0.65, −0.60) = b_148.
    expect(histogramBin(Math.log10(0.5))).toBe(154);
    expect(histogramBin(Math.log10(0.25))).toBe(148);
  });

  it('puts every edge value itself in the bin above it (x < e is strict)', () => {
    for (let i = 0; i < EDGE_COUNT; i++) expect(histogramBin(EDGES[i])).toBe(i + 1);
  });

  it('property: equals the linear-scan definition for any x', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: -9, max: 0.5, noNaN: true }),
          fc.integer({ min: 0, max: 160 }).map((i) => EDGES[i]),
          fc.integer({ min: 0, max: 160 }).map((i) => EDGES[i] - 1e-15),
        ),
        (x) => {
          expect(histogramBin(x)).toBe(scanBin(x));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the ratio search gives the bin of the definition, also on and beside every edge', () => {
    const rowmax = 0.37;
    const check = (a: number) =>
      expect(histogramBinOfRatio(a, rowmax)).toBe(histogramBin(logRatio(a, rowmax)));
    for (let i = 0; i < EDGE_COUNT; i++) {
      const r = 10 ** EDGES[i];
      for (const f of [1, 1 + 1e-16, 1 - 1e-16, 1 + 2e-12, 1 - 2e-12, 1 + 1e-9, 1 - 1e-9, 1.01, 0.99])
        check(r * f * rowmax);
    }
    for (const a of [0, 1e-300, 5e-324, rowmax, rowmax * (1 - 1e-16), rowmax * 1.5]) check(a);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        (a, mx) => {
          expect(histogramBinOfRatio(a * mx, mx)).toBe(histogramBin(logRatio(a * mx, mx)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('logRatio is log10(a / rowmax), −∞ for a = 0', () => {
    expect(logRatio(0, 0.5)).toBe(Number.NEGATIVE_INFINITY);
    expect(logRatio(0.5, 0.5)).toBe(0);
    expect(logRatio(0.05, 0.5)).toBeCloseTo(-1, 14);
  });

  it('edge helpers check their index', () => {
    expect(edgeValue(150)).toBe(-0.5);
    expect(edgeToP(120)).toBeCloseTo(0.01, 15);
    expect(() => edgeValue(161)).toThrow(InvalidThresholdError);
    expect(() => edgeValue(-1)).toThrow(InvalidThresholdError);
    expect(() => edgeValue(1.5)).toThrow(InvalidThresholdError);
  });
});
