import { describe, expect, it } from 'vitest';
import { addWindowSums } from '../../../../analysis/attention/addWindowSums';
import { buildStats } from '../../../../analysis/attention/buildStats';
import { vectorOffset } from '../../../../analysis/attention/statsIndex';
import { InvalidLayoutError } from '../../../../analysis/attention/errors';
import { handLayout, handSpec, handTensors, m, U, W } from './handCase';

function close(a: number, b: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(b));
}

describe('addWindowSums (window sums for any w, not live)', () => {
  const t = handTensors();

  it('w = 1 observes row 7 only: the lastQuery vector; w = 2 rows 6..7: the postVision one here', () => {
    const stats = buildStats(handSpec(), handLayout, () => t);
    const w1 = addWindowSums(stats, () => t, 1);
    expect(stats.windowSums[1]).toBe(w1);
    expect(w1).toEqual(stats.lastQuery);
    // Written out: key 0 of KV 0 → w_0/12 + 1/8; KV 1 → u_0/10 + u_0²/14.
    close(w1[0], W[0] / 12 + 1 / 8);
    close(w1[vectorOffset(stats.dims, 0, 1)], U[0] / 10 + U[0] ** 2 / 14);
    expect(addWindowSums(stats, () => t, 2)).toEqual(stats.postVision);
  });

  it('reproduces the built-in window sizes exactly, with a sliding window too', () => {
    const spec = handSpec({ layers: 2, slidingWindow: [null, 3] });
    const stats = buildStats(spec, handLayout, () => t);
    const before = stats.windowSums[8].slice();
    expect(addWindowSums(stats, () => t, 8)).toEqual(before);
    // w = 5 observes rows 3..7.
    const w5 = addWindowSums(stats, () => t, 5);
    expect(w5.length).toBe(2 * 2 * m);
  });

  it('rejects w < 1', () => {
    const stats = buildStats(handSpec(), handLayout, () => t);
    expect(() => addWindowSums(stats, () => t, 0)).toThrow(InvalidLayoutError);
  });
});
