/**
 * Shape check of a Stats value before any policy reads it: a session file or a worker message could
 * carry tensors that do not match the dims, and reading past them would give silent garbage.
 */
import { HIST_BINS, ROW_SETS, type Stats } from '../attention/stats';
import { StatsShapeError } from './errors';

export function checkStats(stats: Stats): void {
  const { L, H, Hkv, m, G } = stats.dims;
  for (const [name, v] of Object.entries({ L, H, Hkv, m, G }))
    if (!Number.isInteger(v) || v < 1) throw new StatsShapeError(`dims.${name}`, 1, v);
  if (H % Hkv !== 0) throw new StatsShapeError('dims.H (a multiple of Hkv)', Hkv * Math.ceil(H / Hkv), H);
  const expect = (field: string, arr: ArrayLike<unknown>, n: number) => {
    if (arr.length !== n) throw new StatsShapeError(field, n, arr.length);
  };
  expect('hist', stats.hist, L * H * ROW_SETS.length * HIST_BINS);
  for (const f of ['postVision', 'accumulated', 'lastQuery', 'keyNorm', 'recallW', 'oracle'] as const)
    expect(f, stats[f], L * Hkv * m);
  for (const [w, sums] of Object.entries(stats.windowSums)) expect(`windowSums[${w}]`, sums, L * Hkv * m);
  expect('spec.slidingWindow', stats.spec.slidingWindow, L);
  const v = stats.postVisionStart;
  if (!Number.isInteger(v) || v < 0 || v > m) throw new StatsShapeError('postVisionStart (≤ m)', m, v);
}
