import { describe, expect, it } from 'vitest';
import { thresholdFilter, thresholdFilterAtEdge } from '../../../../analysis/attention/thresholdFilter';
import { InvalidThresholdError } from '../../../../analysis/attention/errors';

describe('ThresholdFilter (ALGORITHMS §2)', () => {
  // Row 3 of the hand case's head 0: 0.5, 0.125, 0.125, 0.25 (row max 0.5).
  const row = Float32Array.from([0.5, 0.125, 0.125, 0.25]);

  it('keeps entries ≥ p · rowmax, relative to the row maximum', () => {
    // p = 0.3: cut 0.15 → 0.125 entries dropped, 0.25 kept.
    expect(Array.from(thresholdFilter(row, 0.3))).toEqual([0.5, 0, 0, 0.25]);
    // p = 0.25: cut 0.125 → everything kept (≥ is inclusive).
    expect(Array.from(thresholdFilter(row, 0.25))).toEqual([0.5, 0.125, 0.125, 0.25]);
    // p = 0.6: cut 0.3 → only the maximum survives.
    expect(Array.from(thresholdFilter(row, 0.6))).toEqual([0.5, 0, 0, 0]);
    expect(() => thresholdFilter(row, 1.5)).toThrow(InvalidThresholdError);
  });

  it('at an edge, zeroes exactly the entries counted sparse (x < e_k)', () => {
    // e_150 = −0.5: ratios 0.25 (x = −0.602) are sparse, 0.5 (x = −0.301) and 1 are not.
    expect(Array.from(thresholdFilterAtEdge(row, 150))).toEqual([0.5, 0, 0, 0.25]);
    // e_154 = −0.3: the 0.5 ratio (x = −0.30103) falls below it too.
    expect(Array.from(thresholdFilterAtEdge(row, 154))).toEqual([0.5, 0, 0, 0]);
    // e_160 = 0: only the maximum (x = 0) stays.
    expect(Array.from(thresholdFilterAtEdge(row, 160))).toEqual([0.5, 0, 0, 0]);
  });
});
