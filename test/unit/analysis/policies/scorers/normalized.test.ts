import { describe, expect, it } from 'vitest';
import { normalizedScore, visibleRowCount } from '../../../../../analysis/policies/scorers/normalized';
import { exampleStats } from '../helpers/example';
import { makeStats } from '../helpers/stats';
import { expectClose } from '../helpers/expectClose';

describe('normalized scorer (ZipCache-style)', () => {
  it('divides accumulated attention by the number of prefill rows that see the key', () => {
    // Accumulated (accumulated.test.ts): [5.3, 3.6, 2.3, 1.63333, 1.63333, .93333, .4, .2];
    // rows that see key j: 8 − j → [8, 7, 6, 5, 4, 3, 2, 1].
    const s = normalizedScore(exampleStats());
    const expected = [
      5.3 / 8,
      3.6 / 7,
      2.3 / 6,
      1.6333333 / 5,
      1.6333333 / 4,
      0.9333333 / 3,
      0.4 / 2,
      0.2 / 1,
    ];
    expectClose(s, expected, 5);
  });

  it('counts only the rows inside a sliding window', () => {
    // W = 3: key j is seen by rows j, j+1, j+2 (if < m): min(m − j, 3) = [3, 3, 3, 2, 1] for m = 5.
    expect([0, 1, 2, 3, 4].map((j) => visibleRowCount(j, 5, 3))).toEqual([3, 3, 3, 2, 1]);
    expect([0, 1, 2, 3, 4].map((j) => visibleRowCount(j, 5, null))).toEqual([5, 4, 3, 2, 1]);
    const stats = makeStats({
      dims: { L: 2, H: 1, Hkv: 1, D: 1, m: 5, G: 1 },
      slidingWindow: [3, null],
      accumulated: [6, 6, 6, 6, 6, 6, 6, 6, 6, 6],
    });
    const s = normalizedScore(stats);
    // Layer 0 (W = 3): 6 / [3, 3, 3, 2, 1]; layer 1 (no window): 6 / [5, 4, 3, 2, 1].
    expect(Array.from(s)).toEqual([2, 2, 2, 3, 6, 1.2000000476837158, 1.5, 2, 3, 6]);
  });
});
