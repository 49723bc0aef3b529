/**
 * `derived`: results computed by the analysis worker from the recording's statistics and the
 * current params (budgets, kept sets, recall, hit rate), keyed by the params that produced them so a
 * stale result is never shown as current.
 */
import type { StateCreator } from 'zustand';
import type { StudioState } from './store';

export interface DerivedSlice {
  /** Key of the params the derived values belong to; null when nothing is derived yet. */
  derivedKey: string | null;
}

export const createDerivedSlice: StateCreator<StudioState, [], [], DerivedSlice> = () => ({
  derivedKey: null,
});
