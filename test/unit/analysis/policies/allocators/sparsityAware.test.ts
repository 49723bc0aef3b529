import { describe, expect, it } from 'vitest';
import {
  postVisionDensity,
  solveLambda,
  sparsityAwareAllocation,
} from '../../../../../analysis/policies/allocators/sparsityAware';
import { EmptyPostVisionError } from '../../../../../analysis/policies/errors';
import { histogramPrefix } from '../../../../../analysis/policies/histogramSparsity';
import { exampleStats } from '../helpers/example';

const d = (...x: number[]) => Float64Array.from(x);
const ks = (density: Float64Array, T: number, m: number, mode = 'renormalize' as const) =>
  Array.from(sparsityAwareAllocation(density, T, m, { mode }).k);

describe('sparsityAware allocator, renormalize (default)', () => {
  it('allocates in proportion to density', () => {
    // d = [.5, 1], m = 8, T = 6: lo = max(1, ⌊.08⌋) = 1, hi = 8; λ·[4, 8] sums to 12λ = 6 → λ = .5
    // → x = [2, 4].
    expect(solveLambda(d(0.5, 1), 8, 1, 8, 6)).toBe(0.5);
    expect(ks(d(0.5, 1), 6, 8)).toEqual([2, 4]);
  });

  it('solves λ* past an upper breakpoint', () => {
    // d = [.25, 1], m = 8, T = 12: λ·[2, 8]; at λ = 1 layer 1 reaches hi = 8 (sum 10 < 12), after
    // that 2λ + 8 = 12 → λ = 2 → x = [4, 8].
    expect(solveLambda(d(0.25, 1), 8, 1, 8, 12)).toBe(2);
    expect(ks(d(0.25, 1), 12, 8)).toEqual([4, 8]);
  });

  it('clips to lo = ⌊1 % · m⌋', () => {
    // L = 3, m = 1000, T = 300 (10 %): lo = ⌊1000/100⌋ = 10. d = [.001, 1, 1]: layer 0 would get
    // λ·1 < 10 → 10; 10 + 2000λ = 300 → λ = .145 → x = [10, 145, 145].
    expect(ks(d(0.001, 1, 1), 300, 1000)).toEqual([10, 145, 145]);
  });

  it('uses lo = ⌊T/L⌋ below 1 %', () => {
    // L = 2, m = 1000, T = 10 (0.5 %): lo = ⌊10/2⌋ = 5 = T/L → every layer at lo whatever d.
    expect(ks(d(0.1, 1), 10, 1000)).toEqual([5, 5]);
  });

  it('hits T exactly, ties of the remainders going to the lower layer', () => {
    // d = [1, 1], m = 8, T = 5 → x = [2.5, 2.5] → [3, 2].
    expect(ks(d(1, 1), 5, 8)).toEqual([3, 2]);
  });
});

describe('sparsityAware allocator options', () => {
  it('paper-literal: β_l = clip(d_l/Σd·α·L, .01, 1), k_l = max(1, ⌊β_l·m⌋)', () => {
    // d = [.25, .75], m = 8, T = 8 → α = .5: β = [.25·.5·2, .75·.5·2] = [.25, .75] → [2, 6].
    expect(ks(d(0.25, 0.75), 8, 8, 'paper-literal' as never)).toEqual([2, 6]);
    // d = [.01, .99]: β_0 = .01 → k_0 = max(1, ⌊.08⌋) = 1; β_1 = .99 → ⌊7.92⌋ = 7.
    expect(ks(d(0.01, 0.99), 8, 8, 'paper-literal' as never)).toEqual([1, 7]);
    // The 1 % floor: m = 1000, d = [.001, 1], T = 200 → α = .1; β_0 = .001/1.001·.1·2 ≈ .0002 →
    // clipped to .01 → k_0 = ⌊10⌋ = 10 (unclipped it would be max(1, 0) = 1).
    expect(ks(d(0.001, 1), 200, 1000, 'paper-literal' as never)[0]).toBe(10);
    // d = [.1, .9], T = 12 → α = .75: β_1 = 1.35 → 1 → 8; β_0 = .15 → ⌊1.2⌋ = 1. Total 9, not 12.
    expect(ks(d(0.1, 0.9), 12, 8, 'paper-literal' as never)).toEqual([1, 8]);
  });

  it('windowOutside: β from 0.9·α clipped to [.009, 1], plus a ⌊0.1·α·m⌋ window', () => {
    // d = [.25, .75], m = 100, L = 2, T = 100 → α = .5, window = ⌊100/20⌋ = 5;
    // β = [.25·.45·2, .75·.45·2] = [.225, .675] → ⌊22.5⌋ + 5 = 27, ⌊67.5⌋ + 5 = 72.
    const a = sparsityAwareAllocation(d(0.25, 0.75), 100, 100, { mode: 'windowOutside' });
    expect(a.window).toBe(5);
    expect(Array.from(a.k)).toEqual([27, 72]);
    // d = [.01, .99]: β_0 = .009 → ⌊.9⌋ = 0 → max(1, 0) + 5 = 6.
    // The .9 % floor: m = 1000, d = [.001, 1], T = 200 → window ⌊200/20⌋ = 10; β_0 ≈ .00018 → .009
    // → ⌊9⌋ + 10 = 19.
    expect(ks(d(0.001, 1), 200, 1000, 'windowOutside' as never)[0]).toBe(19);
    expect(ks(d(0.01, 0.99), 100, 100, 'windowOutside' as never)[0]).toBe(6);
  });
});

describe('post-vision density from the histograms', () => {
  it('reads γ′ at the threshold edge and returns d = 1 − γ′', () => {
    // Edge 150: e = −0.5. Layer 0, every head: row 6 (peak .4, six keys at .1: x = log10(.25) =
    // −.602 < −.5 → 6 sparse of 7); row 7 (peak .3, x = log10(1/3) = −.477 → 0 sparse of 8).
    // γ = 6/15 = .4 → d_0 = .6. Layer 1 is uniform (x = 0 everywhere) → d_1 = 1.
    const stats = exampleStats();
    const density = postVisionDensity(stats, histogramPrefix(stats.hist), 150);
    expect(density[0]).toBeCloseTo(0.6, 12);
    expect(density[1]).toBe(1);
    // At the default edge 120 (p = 1 %) nothing in these rows is sparse.
    expect(Array.from(postVisionDensity(stats, histogramPrefix(stats.hist), 120))).toEqual([1, 1]);
  });

  it('raises EmptyPostVisionError when τ = 0', () => {
    const stats = exampleStats(8);
    expect(() => postVisionDensity(stats, histogramPrefix(stats.hist), 120)).toThrow(EmptyPostVisionError);
  });
});
