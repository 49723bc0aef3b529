import { describe, expect, it } from 'vitest';
import { percentBudget, resolveBudget, tokenBudget } from '../../../../analysis/policies/budget';
import { InvalidBudgetError } from '../../../../analysis/policies/errors';
import { catchError } from './helpers/catchError';

describe('integer budgets (ALGORITHMS §4.0)', () => {
  it('rounds basis points half up: T = ⌊(b·L·m + 5000)/10000⌋', () => {
    // L = 1, m = 10: b = 1500 → 1.5 → 2; b = 1400 → 1.4 → 1; b = 2500 → 2.5 → 3.
    expect(resolveBudget(percentBudget(1500), 1, 10).total).toBe(2);
    expect(resolveBudget(percentBudget(1400), 1, 10).total).toBe(1);
    expect(resolveBudget(percentBudget(2500), 1, 10).total).toBe(3);
  });

  it('reports requested and realised percentages when they differ', () => {
    // L = 2, m = 8: 10 % → (1000·16 + 5000)/10000 = 2.1 → T = 2 = 12.5 % of 16.
    const b = resolveBudget(percentBudget(1000), 2, 8);
    expect(b).toMatchObject({
      total: 2,
      requestedPercent: 10,
      realisedPercent: 12.5,
      differs: true,
      full: false,
    });
    // 25 % → (2500·16 + 5000)/10000 = 4.5 → 4 = exactly 25 %.
    expect(resolveBudget(percentBudget(2500), 2, 8)).toMatchObject({
      total: 4,
      realisedPercent: 25,
      differs: false,
    });
  });

  it('clamps below L tokens (every layer keeps at least one)', () => {
    // 0 % and 1 % of L·m = 16 round to 0 → clamped to L = 2.
    expect(resolveBudget(percentBudget(0), 2, 8)).toMatchObject({
      total: 2,
      realisedPercent: 12.5,
      differs: true,
    });
    expect(resolveBudget(percentBudget(100), 2, 8).total).toBe(2);
    expect(resolveBudget(tokenBudget(0), 2, 8).total).toBe(2);
  });

  it('takes absolute budgets as tokens per layer: T = N·L, clamped to L·m', () => {
    // N = 3, L = 2, m = 8 → T = 6, 37.5 %.
    expect(resolveBudget(tokenBudget(3), 2, 8)).toMatchObject({
      total: 6,
      requestedPercent: 37.5,
      realisedPercent: 37.5,
      differs: false,
    });
    // N = 20 > m → T = 16: requested 250 %, realised 100 % — a full budget.
    expect(resolveBudget(tokenBudget(20), 2, 8)).toMatchObject({
      total: 16,
      requestedPercent: 250,
      realisedPercent: 100,
      full: true,
      differs: true,
    });
  });

  it('marks 100 % as full', () => {
    expect(resolveBudget(percentBudget(10000), 3, 7)).toMatchObject({
      total: 21,
      full: true,
      differs: false,
    });
  });

  it.each([
    [percentBudget(10001)],
    [percentBudget(-1)],
    [percentBudget(12.5)],
    [tokenBudget(-1)],
    [tokenBudget(Number.NaN)],
    [{ kind: 'fraction', value: 0.1 } as never],
  ])('rejects %j with InvalidBudgetError', (spec) => {
    expect(catchError(() => resolveBudget(spec, 2, 8), InvalidBudgetError).code).toBe('invalid-budget');
  });
});
