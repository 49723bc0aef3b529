/**
 * `derived`: results computed by the analysis worker from the recording's statistics and the
 * current params (budgets, kept sets, recall, hit rate, sparsity, curves), each stored with the key
 * of the params that produced it, so a view can tell a current result from one still being replaced
 * (`wantedKey` differs while the worker works) and a stale result is never passed off as current.
 * Policy evaluations (decoding under a policy, which needs the model) are kept by their own key.
 */
import type { StateCreator } from 'zustand';
import type { EngineResult } from '../../../analysis/engine/api';
import type { CurvesResult, DerivedResult } from '../worker/protocol';
import type { StudioState } from './store';

export type Evaluation =
  | { state: 'running'; policy: string; budgetLabel: string }
  | { state: 'done'; policy: string; budgetLabel: string; result: EngineResult<'evaluatePolicy'> }
  | { state: 'failed'; policy: string; budgetLabel: string; message: string };

export interface DerivedSlice {
  /** Key of the params the derived values belong to; null when nothing is derived yet. */
  derivedKey: string | null;
  derived: DerivedResult | null;
  /** Key of the params now in force (derived is current iff the keys are equal). */
  wantedKey: string | null;
  derivedError: string | null;
  curves: CurvesResult | null;
  curvesWantedKey: string | null;
  /** Evaluations by `evaluationKey` (policy and every param its kept sets depend on). */
  evaluations: Record<string, Evaluation>;
}

export const createDerivedSlice: StateCreator<StudioState, [], [], DerivedSlice> = () => ({
  derivedKey: null,
  derived: null,
  wantedKey: null,
  derivedError: null,
  curves: null,
  curvesWantedKey: null,
  evaluations: {},
});
