import { describe, expect, it } from 'vitest';
import { allocate, allocatorProblems } from '../../../../../analysis/policies/allocators/allocator';
import { percentBudget, resolveBudget, tokenBudget } from '../../../../../analysis/policies/budget';
import { EmptyPostVisionError } from '../../../../../analysis/policies/errors';

const input = (
  budget: ReturnType<typeof resolveBudget>,
  density = () => Float64Array.from([0.25, 0.75]),
) => ({
  budget,
  L: 2,
  m: 100,
  windowFraction: 10,
  density,
});

describe('allocate (dispatch, ALGORITHMS §4)', () => {
  it('keeps everything for the full allocator, whatever the budget', () => {
    const a = allocate({ id: 'full' }, input(resolveBudget(percentBudget(1000), 2, 100)));
    expect(Array.from(a.k)).toEqual([100, 100]);
    expect(a).toMatchObject({ total: 200, target: 200, window: null });
  });

  it('short-circuits every allocator to k_l = m at 100 %', () => {
    const full = resolveBudget(tokenBudget(100), 2, 100);
    for (const spec of [
      { id: 'uniform' },
      { id: 'pyramid' },
      { id: 'sparsityAware', mode: 'paper-literal' },
    ] as const)
      expect(Array.from(allocate(spec, input(full)).k)).toEqual([100, 100]);
  });

  it('reports the allocator’s window and the pyramid fallback', () => {
    // T = 60 tokens · 2 layers = 120 → B = 60, PyramidKV w = max(1, ⌊10·120/200⌋) = 6.
    const b = resolveBudget(tokenBudget(60), 2, 100);
    expect(allocate({ id: 'pyramid' }, input(b))).toMatchObject({
      window: 6,
      uniformFallback: false,
      total: 120,
    });
    expect(allocate({ id: 'pyramid', w: 70 }, input(b))).toMatchObject({ window: 70, uniformFallback: true });
    // windowOutside: ⌊T/(10·L)⌋ = 6, forced onto the kept sets.
    expect(allocate({ id: 'sparsityAware', mode: 'windowOutside' }, input(b))).toMatchObject({
      window: 6,
      windowForced: true,
    });
    expect(allocate({ id: 'uniform' }, input(b))).toMatchObject({ window: null, windowForced: false });
  });

  it('lets sparsityAware raise EmptyPostVisionError, even at 100 %', () => {
    const empty = () => {
      throw new EmptyPostVisionError('sparsityAware allocator', 100, 100);
    };
    for (const b of [percentBudget(1000), percentBudget(10000)])
      expect(() => allocate({ id: 'sparsityAware' }, input(resolveBudget(b, 2, 100), empty))).toThrow(
        EmptyPostVisionError,
      );
  });

  it('validates allocator specs', () => {
    expect(allocatorProblems({ id: 'pyramid', beta: 20, w: 3 })).toEqual([]);
    expect(allocatorProblems({ id: 'pyramid', w: 0 })).toEqual([
      'invalid pyramid window: 0 (a whole number ≥ 1)',
    ]);
    expect(allocatorProblems({ id: 'greedy' } as never)).toEqual(['unknown allocator: greedy']);
  });
});
