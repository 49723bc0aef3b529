import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rankScores } from '../../../../analysis/policies/ranking';

const INF = Number.POSITIVE_INFINITY;

describe('rankings', () => {
  it('orders by score, highest first, ties to the lower position', () => {
    // Scores [1, 3, 3, −2, +∞, 0, −0]: +∞ (4), then the tie 3, 3 (1 before 2), 1 (0), the tie
    // 0 = −0 (5 before 6), −2 (3).
    const r = rankScores(Float32Array.from([1, 3, 3, -2, INF, 0, -0]), 1, 7);
    expect(Array.from(r.order)).toEqual([4, 1, 2, 0, 5, 6, 3]);
    expect(Array.from(r.rank)).toEqual([3, 1, 2, 6, 0, 4, 5]);
  });

  it('keeps positions in order when every score is equal', () => {
    expect(Array.from(rankScores(new Float32Array(5).fill(0.25), 1, 5).order)).toEqual([0, 1, 2, 3, 4]);
  });

  it('ranks each (layer, group) row on its own', () => {
    const r = rankScores(Float32Array.from([0, 1, 2, 2, 1, 0]), 2, 3);
    expect(Array.from(r.order)).toEqual([2, 1, 0, 0, 1, 2]);
  });

  it('agrees with a comparator sort on arbitrary f32 scores', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 40 }), (xs) => {
        const s = Float32Array.from(xs);
        const expected = Array.from(s.keys()).sort((a, b) => (s[a] === s[b] ? a - b : s[b] > s[a] ? 1 : -1));
        expect(Array.from(rankScores(s, 1, s.length).order)).toEqual(expected);
      }),
    );
  });
});
