/**
 * Allocator specifications as plain values, their validation, and dispatch (ALGORITHMS §4): each
 * turns the integer total T into per-layer counts 1 ≤ k_l ≤ m. A 100 % budget short-circuits every
 * allocator to k_l = m; `full` keeps everything whatever the budget (the Full-cache reference).
 */
import type { ResolvedBudget } from '../budget';
import { PYRAMID_DEFAULTS, pyramidAllocation, pyramidWindow } from './pyramid';
import {
  SPARSITY_AWARE_DEFAULTS,
  SPARSITY_AWARE_MODES,
  type SparsityAwareMode,
  sparsityAwareAllocation,
} from './sparsityAware';
import { uniformAllocation } from './uniform';

export type AllocatorSpec =
  | { id: 'full' }
  | { id: 'uniform' }
  | { id: 'pyramid'; beta?: number; w?: number }
  | { id: 'sparsityAware'; mode?: SparsityAwareMode };

export type AllocatorId = AllocatorSpec['id'];

export const ALLOCATOR_IDS: readonly AllocatorId[] = ['full', 'uniform', 'pyramid', 'sparsityAware'];

export interface Allocation {
  /** Int32 [L]: prompt tokens kept per layer (per KV head), 1 ≤ k_l ≤ m. */
  k: Int32Array;
  /** Σ k_l — equal to `target` except for `full` and sparsityAware's non-renormalising options. */
  total: number;
  /** The total this allocator aims at: T, or L·m for `full` (which ignores the budget). */
  target: number;
  /**
   * The window the allocator defines: PyramidKV's w (used by window rules `recent: 'allocator'` and
   * by `window` scorers with w = 'allocator'), or windowOutside's recent window; null otherwise.
   */
  window: number | null;
  /** windowOutside: the allocator's window replaces the policy's recent-window rule. */
  windowForced: boolean;
  /** PyramidKV fell back to uniform (L = 1 or B ≤ w). */
  uniformFallback: boolean;
}

/** Inputs an allocator may read; `density` is only called by sparsityAware (it may throw). */
export interface AllocationInput {
  budget: ResolvedBudget;
  L: number;
  m: number;
  /** Integer percent f (PyramidKV's default window). */
  windowFraction: number;
  /** d_l = 1 − γ'_l at pAlloc; raises EmptyPostVisionError when τ = 0. */
  density: () => Float64Array;
}

export function allocatorProblems(spec: AllocatorSpec): string[] {
  if (!ALLOCATOR_IDS.includes(spec?.id)) return [`unknown allocator: ${String(spec?.id)}`];
  const p: string[] = [];
  if (spec.id === 'pyramid') {
    if (spec.beta !== undefined && !(Number.isFinite(spec.beta) && spec.beta >= 1))
      p.push(`invalid pyramid beta: ${spec.beta} (a number ≥ 1)`);
    if (spec.w !== undefined && !(Number.isInteger(spec.w) && spec.w >= 1))
      p.push(`invalid pyramid window: ${spec.w} (a whole number ≥ 1)`);
  }
  if (spec.id === 'sparsityAware' && spec.mode !== undefined && !SPARSITY_AWARE_MODES.includes(spec.mode))
    p.push(`invalid sparsityAware mode: ${String(spec.mode)} (${SPARSITY_AWARE_MODES.join(', ')})`);
  return p;
}

/** The allocator's window without allocating (PyramidKV's w; windowOutside's ⌊T/(10·L)⌋). */
export function allocatorWindow(spec: AllocatorSpec, input: Omit<AllocationInput, 'density'>): number | null {
  const T = input.budget.total;
  if (spec.id === 'pyramid') return spec.w ?? pyramidWindow(T, input.L, input.windowFraction);
  if (spec.id === 'sparsityAware' && spec.mode === 'windowOutside') return Math.floor(T / (10 * input.L));
  return null;
}

function sum(k: Int32Array): number {
  let s = 0;
  for (let l = 0; l < k.length; l++) s += k[l];
  return s;
}

export function allocate(spec: AllocatorSpec, input: AllocationInput): Allocation {
  const { budget, L, m } = input;
  const target = spec.id === 'full' ? L * m : budget.total;
  const window = allocatorWindow(spec, input);
  const windowForced = spec.id === 'sparsityAware' && spec.mode === 'windowOutside';
  const result = (k: Int32Array, uniformFallback = false): Allocation => ({
    k,
    total: sum(k),
    target,
    window,
    windowForced,
    uniformFallback,
  });
  // Post-vision statistics are checked even at 100 %, so a policy that needs them is unavailable
  // for a prompt without them at every budget rather than at all but one.
  const density = spec.id === 'sparsityAware' ? input.density() : null;
  if (spec.id === 'full' || budget.full) return result(new Int32Array(L).fill(m));
  switch (spec.id) {
    case 'uniform':
      return result(uniformAllocation(target, L));
    case 'pyramid': {
      const params = { beta: spec.beta ?? PYRAMID_DEFAULTS.beta, w: spec.w };
      const p = pyramidAllocation(target, L, m, params, input.windowFraction);
      return result(p.k, p.uniformFallback);
    }
    case 'sparsityAware': {
      const mode = spec.mode ?? SPARSITY_AWARE_DEFAULTS.mode;
      return result(sparsityAwareAllocation(density!, target, m, { mode }).k);
    }
  }
}
