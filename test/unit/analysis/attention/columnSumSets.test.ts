import { describe, expect, it } from 'vitest';
import {
  columnSumSets,
  columnSumVector,
  observationWindow,
  windowSumSet,
} from '../../../../analysis/attention/columnSumSets';
import { createStats } from '../../../../analysis/attention/createStats';
import { handLayout, handSpec } from './handCase';

describe('column-sum row sets (ALGORITHMS §3, §7)', () => {
  it('w_obs = min(w, m − 1)', () => {
    expect(observationWindow(40, 8)).toBe(8);
    expect(observationWindow(40, 64)).toBe(39);
    expect(observationWindow(1, 8)).toBe(0);
  });

  it('lists the row ranges of every Stats vector (m = 8, v = 6, G = 2)', () => {
    expect(columnSumSets(handLayout)).toEqual([
      { key: 'accumulated', start: 0, end: 8 },
      { key: 'postVision', start: 6, end: 8 },
      { key: 'lastQuery', start: 7, end: 8 },
      { key: 'oracle', start: 8, end: 9 },
      { key: 'window:8', start: 1, end: 8 },
      { key: 'window:16', start: 1, end: 8 },
      { key: 'window:32', start: 1, end: 8 },
      { key: 'window:64', start: 1, end: 8 },
    ]);
    // τ = 0: an empty post-vision range.
    expect(columnSumSets({ ...handLayout, postVisionStart: 8 })[1]).toEqual({
      key: 'postVision',
      start: 8,
      end: 8,
    });
    expect(windowSumSet(handLayout, 3)).toEqual({ key: 'window:3', start: 5, end: 8 });
  });

  it('maps each set to its Stats vector, creating window sums on demand', () => {
    const stats = createStats(handSpec(), handLayout);
    expect(columnSumVector(stats, 'postVision')).toBe(stats.postVision);
    expect(columnSumVector(stats, 'window:16')).toBe(stats.windowSums[16]);
    const w3 = columnSumVector(stats, 'window:3');
    expect(stats.windowSums[3]).toBe(w3);
    expect(w3.length).toBe(2 * 8);
  });
});
