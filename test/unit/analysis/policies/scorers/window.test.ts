import { describe, expect, it } from 'vitest';
import { MissingWindowSumsError } from '../../../../../analysis/policies/errors';
import { observationWindow, windowScore } from '../../../../../analysis/policies/scorers/window';
import { catchError } from '../helpers/catchError';
import { makeStats } from '../helpers/stats';
import { expectClose } from '../helpers/expectClose';

const INF = Number.POSITIVE_INFINITY;
// m = 8, w = 3 → w_obs = 3, pooled range [0, 5); the sums at j ≥ 5 (100) must never be read.
const stats = makeStats({
  dims: { L: 1, H: 2, Hkv: 1, D: 1, m: 8, G: 1 },
  windowSums: { 3: [1, 0, 4, 2, 3, 100, 100, 100] },
});

describe('window scorer (SnapKV)', () => {
  it('avg-pools with zero padding and divisor k, +∞ inside the observation window', () => {
    // k = 3: j0 (0+1+0)/3, j1 (1+0+4)/3, j2 (0+4+2)/3, j3 (4+2+3)/3, j4 (2+3+0)/3.
    const s = windowScore(stats, { w: 3, k: 3, pool: 'avg' });
    expectClose(s, [1 / 3, 5 / 3, 2, 3, 5 / 3], 6);
    expect(Array.from(s.subarray(5))).toEqual([INF, INF, INF]);
  });

  it('avg-pools with k = 5, padding counted in the divisor', () => {
    // j0 (0+0+1+0+4)/5 = 1, j1 (0+1+0+4+2)/5, j2 (1+0+4+2+3)/5, j3 (0+4+2+3+0)/5, j4 (4+2+3+0+0)/5.
    const s = windowScore(stats, { w: 3, k: 5, pool: 'avg' });
    expectClose(s, [1, 7 / 5, 2, 9 / 5, 9 / 5], 6);
  });

  it('max-pools with −∞ padding', () => {
    // k = 3: j0 max(1, 0), j1 max(1, 0, 4), j2 max(0, 4, 2), j3 max(4, 2, 3), j4 max(2, 3).
    expect(Array.from(windowScore(stats, { w: 3, k: 3, pool: 'max' }).subarray(0, 5))).toEqual([
      1, 4, 4, 4, 3,
    ]);
  });

  it('k = 1 leaves the sums unpooled', () => {
    expect(Array.from(windowScore(stats, { w: 3, k: 1, pool: 'avg' }))).toEqual([
      1,
      0,
      4,
      2,
      3,
      INF,
      INF,
      INF,
    ]);
  });

  it('caps the observation window at m − 1', () => {
    expect(observationWindow(32, 8)).toBe(7);
    expect(observationWindow(3, 8)).toBe(3);
    // w = 32 on m = 8: w_obs = 7, only key 0 is scored (its 5-kernel average over [s0] = s0/5).
    const s = windowScore(makeStats({ dims: stats.dims, windowSums: { 32: [5, 1, 1, 1, 1, 1, 1, 1] } }));
    expect(s[0]).toBeCloseTo(1, 6);
    expect(Array.from(s.subarray(1))).toEqual(new Array(7).fill(INF));
  });

  it('raises MissingWindowSumsError for a w without sums', () => {
    const e = catchError(() => windowScore(stats, { w: 5, k: 3, pool: 'avg' }), MissingWindowSumsError);
    expect(e.code).toBe('missing-window-sums');
    expect(e.details).toEqual({ w: 5 });
  });
});
