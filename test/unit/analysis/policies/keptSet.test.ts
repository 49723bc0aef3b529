import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fullKept,
  keptSet,
  positionBits,
  selectKept,
  selectTop,
  sinkKept,
} from '../../../../analysis/policies/keptSet';
import { rankScores } from '../../../../analysis/policies/ranking';
import { effectiveWindow, recentWindow } from '../../../../analysis/policies/windowRules';

const ints = (...x: number[]) => Int32Array.from(x);
// m = 10, one layer, one group: scores favour 3 > 7 > 1 > 8 > 0 > … (ranked below).
const scores = Float32Array.from([0.5, 0.8, 0.1, 1.0, 0.2, 0.3, 0.05, 0.9, 0.7, 0.4]);
const ranking = rankScores(scores, 1, 10);
const kept = (k: number, W: number) => Array.from(keptSet(selectKept(ranking, ints(k), ints(W)), 0, 0));

describe('windows (ALGORITHMS §5)', () => {
  it('recent window w_l = ⌊f·k_l/100⌋', () => {
    // f = 10: k = 29 → 2; k = 9 → 0. f = 50, k = 5 → 2.
    expect(recentWindow({ recent: 'fraction' }, 29, 10, null, false)).toBe(2);
    expect(recentWindow({ recent: 'fraction' }, 9, 10, null, false)).toBe(0);
    expect(recentWindow({ recent: 'fraction' }, 5, 50, null, false)).toBe(2);
    expect(recentWindow({ recent: 'none' }, 50, 10, null, false)).toBe(0);
    // PyramidKV: the allocator's w (capped at k); windowOutside forces its window.
    expect(recentWindow({ recent: 'allocator' }, 50, 10, 7, false)).toBe(7);
    expect(recentWindow({ recent: 'allocator' }, 3, 10, 7, false)).toBe(3);
    expect(recentWindow({ recent: 'fraction' }, 50, 10, 4, true)).toBe(4);
  });

  it('effective window W_l = min(k_l, max(w_l, w_obs))', () => {
    expect(effectiveWindow(10, 1, 4)).toBe(4);
    expect(effectiveWindow(10, 6, 4)).toBe(6);
    // A budget below the observation window keeps only (part of) the window.
    expect(effectiveWindow(2, 0, 4)).toBe(2);
  });
});

describe('kept sets', () => {
  it('keeps the top k by score when there is no window', () => {
    // Top 4: 3 (1.0), 7 (.9), 1 (.8), 8 (.7) → sorted [1, 3, 7, 8].
    expect(kept(4, 0)).toEqual([1, 3, 7, 8]);
  });

  it('keeps the window [m − W, m) and fills the rest from [0, m − W)', () => {
    // W = 2 → {8, 9}; 2 more from [0, 8): 3, 7.
    expect(kept(4, 2)).toEqual([3, 7, 8, 9]);
    // W = 3 → {7, 8, 9}; 1 more from [0, 7): 3 (7 is in the window already).
    expect(kept(4, 3)).toEqual([3, 7, 8, 9]);
  });

  it('keeps only the window when the budget is below it', () => {
    expect(kept(2, 2)).toEqual([8, 9]);
  });

  it('breaks all-equal scores toward the lower position', () => {
    const flat = rankScores(new Float32Array(10).fill(1), 1, 10);
    expect(Array.from(keptSet(selectKept(flat, ints(4), ints(1)), 0, 0))).toEqual([0, 1, 2, 9]);
  });

  it('keeps every position at k = m', () => {
    expect(kept(10, 1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const all = fullKept(2, 3, 4);
    expect(Array.from(keptSet(all, 1, 2))).toEqual([0, 1, 2, 3]);
    expect(all.indices.length).toBe(2 * 3 * 4);
  });

  it('lays out one sorted set per (layer, group) with |kept| = k_l', () => {
    // Two layers × two groups, m = 5; k = [2, 3], W = [1, 0]. Layer 0: window {4} plus the best of
    // [0, 4) — 0 for scores [5, 4, 3, 2, 1], 3 for [1, 2, 3, 4, 5].
    const r = rankScores(
      Float32Array.from([5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 0, 9, 0, 9, 0, 9, 0, 9, 0, 9]),
      2,
      5,
    );
    const s = selectKept(r, ints(2, 3), ints(1, 0));
    expect(Array.from(s.offsets)).toEqual([0, 2, 4, 7, 10]);
    expect(Array.from(keptSet(s, 0, 0))).toEqual([0, 4]);
    expect(Array.from(keptSet(s, 0, 1))).toEqual([3, 4]);
    // Layer 1 (W = 0), group 0 scores [0, 9, 0, 9, 0]: 1, 3, then the tie at 0 → position 0.
    expect(Array.from(keptSet(s, 1, 0))).toEqual([0, 1, 3]);
    expect(Array.from(keptSet(s, 1, 1))).toEqual([0, 2, 4]);
  });

  it('selects the top positions below the cut, in increasing order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 30, maxLength: 120 }),
        fc.nat(),
        fc.nat(),
        (xs, a, b) => {
          const m = xs.length;
          const r = rankScores(Float32Array.from(xs), 1, m);
          const cut = m - (a % m);
          const need = b % (cut + 1);
          const out = new Int32Array(need);
          const bits = positionBits(m);
          selectTop(r.order, 0, cut, need, out, 0, bits);
          expect(bits.every((b) => b === 0)).toBe(true);
          const expected = Array.from(r.order)
            .filter((j) => j < cut)
            .slice(0, need)
            .sort((x, y) => x - y);
          expect(Array.from(out)).toEqual(expected);
        },
      ),
    );
  });
});

describe('StreamingLLM kept sets', () => {
  it('keeps [0, k) when k ≤ nSink, else the sinks plus the most recent', () => {
    // m = 10, nSink = 4: k = 3 → [0, 1, 2]; k = 6 → [0..3] + [8, 9].
    const s = sinkKept(ints(3, 6), ints(0, 0), 10, 1, 4, 'sinksPlusRecent');
    expect(Array.from(keptSet(s, 0, 0))).toEqual([0, 1, 2]);
    expect(Array.from(keptSet(s, 1, 0))).toEqual([0, 1, 2, 3, 8, 9]);
  });

  it('budgetMinusWindow keeps the first k − w and the last w', () => {
    // k = 6, f = 50 → w = 3 → [0, 1, 2] + [7, 8, 9].
    const s = sinkKept(ints(6), ints(3), 10, 2, 4, 'budgetMinusWindow');
    expect(Array.from(keptSet(s, 0, 1))).toEqual([0, 1, 2, 7, 8, 9]);
  });

  it('keeps only recent tokens with nSink = 0', () => {
    expect(Array.from(sinkKept(ints(3), ints(0), 10, 1, 0, 'sinksPlusRecent').indices)).toEqual([7, 8, 9]);
  });
});
