/**
 * Integer budgets (ALGORITHMS §4.0). The budget is the share of the *prompt* KV cache kept, model
 * wide, as an integer total T of kept prompt tokens summed over layers (per KV head):
 *
 * - percent, in basis points b (10 % = 1000): T = ⌊(b·L·m + 5000) / 10000⌋ (round half up);
 * - absolute, N tokens per layer on average: T = N·L;
 *
 * then clamped to [L, L·m] so every layer can keep at least one token. All arithmetic is on
 * integers. When T = L·m the budget is 100 % and every allocator short-circuits to k_l = m.
 */
import { InvalidBudgetError } from './errors';

export type BudgetSpec =
  | { kind: 'percent' /** 10 % = 1000 */; basisPoints: number }
  | { kind: 'tokens' /** average prompt tokens kept per layer (per KV head) */; perLayer: number };

export interface ResolvedBudget {
  spec: BudgetSpec;
  /** T: kept prompt tokens summed over layers. */
  total: number;
  /** T = L·m: keep everything. */
  full: boolean;
  /** The percentage asked for: b/100, or 100·N/m for an absolute budget. */
  requestedPercent: number;
  /** The percentage T stands for: 100·T/(L·m). */
  realisedPercent: number;
  /** True when rounding or clamping moved T away from the request (the UI shows both then). */
  differs: boolean;
}

export const percentBudget = (basisPoints: number): BudgetSpec => ({ kind: 'percent', basisPoints });
export const tokenBudget = (perLayer: number): BudgetSpec => ({ kind: 'tokens', perLayer });

export function validateBudget(spec: BudgetSpec): void {
  if (spec?.kind === 'percent') {
    const b = spec.basisPoints;
    if (!Number.isInteger(b) || b < 0 || b > 10000)
      throw new InvalidBudgetError(`invalid budget: ${b} basis points (a whole number in [0, 10000])`, spec);
  } else if (spec?.kind === 'tokens') {
    const n = spec.perLayer;
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidBudgetError(`invalid budget: ${n} tokens per layer (a whole number ≥ 0)`, spec);
  } else {
    throw new InvalidBudgetError(`invalid budget kind: ${String((spec as { kind?: unknown })?.kind)}`, spec);
  }
}

export function resolveBudget(spec: BudgetSpec, L: number, m: number): ResolvedBudget {
  validateBudget(spec);
  const cells = L * m;
  let total: number;
  let requestedPercent: number;
  if (spec.kind === 'percent') {
    // b·L·m stays far below 2^53 for any real model (b ≤ 10⁴, L·m ≤ 10⁸), so this is exact.
    total = Math.floor((spec.basisPoints * cells + 5000) / 10000);
    requestedPercent = spec.basisPoints / 100;
  } else {
    total = spec.perLayer * L;
    requestedPercent = (100 * spec.perLayer) / m;
  }
  total = Math.min(Math.max(total, L), cells);
  const realisedPercent = (100 * total) / cells;
  return {
    spec,
    total,
    full: total === cells,
    requestedPercent,
    realisedPercent,
    // Compared on integers: the request is met exactly iff T·10000 = b·L·m (or T = N·L).
    differs:
      spec.kind === 'percent' ? total * 10000 !== spec.basisPoints * cells : total !== spec.perLayer * L,
  };
}
