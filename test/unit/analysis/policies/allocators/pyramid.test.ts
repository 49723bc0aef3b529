import { describe, expect, it } from 'vitest';
import { pyramidAllocation, pyramidWindow } from '../../../../../analysis/policies/allocators/pyramid';

describe('pyramid allocator (PyramidKV)', () => {
  it('defaults w to max(1, ⌊f·B/100⌋)', () => {
    // T = 60, L = 3 → B = 20, f = 10 → w = 2; T = 8, L = 4 → B = 2 → ⌊0.2⌋ = 0 → 1.
    expect(pyramidWindow(60, 3, 10)).toBe(2);
    expect(pyramidWindow(8, 4, 10)).toBe(1);
    expect(pyramidWindow(8, 4, 0)).toBe(1);
  });

  it('builds the arithmetic schedule and rounds it to T', () => {
    // T = 60, L = 3, m = 100, β = 20 → B = 20, w = 2; min = 18/20 = 0.9, max = 36 − 0.9 = 35.1;
    // x_l = 2 + 35.1 − l·34.2/2 = [37.1, 20.0, 2.9]; floors [37, 20, 2] (or 19.99… → 19, same
    // result) → the left-over token(s) go to the largest remainders → [37, 20, 3].
    const p = pyramidAllocation(60, 3, 100, { beta: 20 }, 10);
    expect(p).toMatchObject({ w: 2, uniformFallback: false });
    expect(Array.from(p.k)).toEqual([37, 20, 3]);
  });

  it('clamps max to m − w and raises min to keep the mean', () => {
    // T = 18, L = 2, m = 10, w = 1 (default: ⌊10·18/200⌋ = 0 → 1): B = 9, min = 8/20 = 0.4,
    // max = 16 − 0.4 = 15.6 > m − w = 9 → max = 9, min = 16 − 9 = 7; x = [1 + 9, 1 + 9 − 2] = [10, 8].
    const p = pyramidAllocation(18, 2, 10, { beta: 20 }, 10);
    expect(p.w).toBe(1);
    expect(Array.from(p.k)).toEqual([10, 8]);
  });

  it('falls back to uniform when B ≤ w', () => {
    // T = 4, L = 4 → B = 1 ≤ w = 1.
    expect(pyramidAllocation(4, 4, 100, { beta: 20 }, 10)).toMatchObject({ uniformFallback: true, w: 1 });
    // Explicit w = 5, T = 18, L = 4: B = 4.5 ≤ 5 → uniform [5, 5, 4, 4].
    const p = pyramidAllocation(18, 4, 100, { beta: 20, w: 5 }, 10);
    expect(p.uniformFallback).toBe(true);
    expect(Array.from(p.k)).toEqual([5, 5, 4, 4]);
  });

  it('falls back to uniform with one layer', () => {
    expect(Array.from(pyramidAllocation(30, 1, 100, { beta: 20 }, 10).k)).toEqual([30]);
  });
});
