/**
 * `params`: everything the user chooses that views share — layer, head, query token, policies,
 * budget, thresholds, window rules. Changed only through the action log (actionLog.ts), so every change
 * is undoable and replayable.
 */
import type { StateCreator } from 'zustand';
import type { StudioState } from './store';

/** ALGORITHMS §4.0: a percentage in basis points, or an absolute number of prompt tokens per layer. */
export type Budget = { kind: 'percent'; basisPoints: number } | { kind: 'tokens'; perLayer: number };

export interface Params {
  layer: number;
  /** A query head, or the mean over heads. */
  head: number | 'mean';
  /** Selected query row (token position), if any. */
  queryToken: number | null;
  /** Policy ids shown in comparisons; the first is the "current" policy. */
  policies: string[];
  budget: Budget;
  /** pView as an edge index of the histogram grid (ALGORITHMS §2: e_i = −8 + i/20; 120 ↔ p = 1 %). */
  viewEdge: number;
  /** pAlloc, the sparsity-aware allocator's threshold, as an edge index. */
  allocEdge: number;
  /** pView and pAlloc move together unless unlinked (ALGORITHMS §2). */
  linkThresholds: boolean;
  /** Recent-window share f in percent (ALGORITHMS §5). */
  windowFraction: number;
  nSink: number;
  granularity: 'kvHead' | 'layer';
  colourScale: 'log' | 'linear';
}

export const DEFAULT_PARAMS: Params = {
  layer: 0,
  head: 'mean',
  queryToken: null,
  policies: ['vl-cache', 'h2o', 'streaming-llm', 'pyramidkv', 'snapkv'],
  budget: { kind: 'percent', basisPoints: 1000 },
  viewEdge: 120,
  allocEdge: 120,
  linkThresholds: true,
  windowFraction: 10,
  nSink: 4,
  granularity: 'kvHead',
  colourScale: 'log',
};

export interface ParamsSlice {
  params: Params;
}

export const createParamsSlice: StateCreator<StudioState, [], [], ParamsSlice> = () => ({
  params: DEFAULT_PARAMS,
});

/** Applies a patch, keeping the linked thresholds together (the one rule params enforce). */
export function applyParamsPatch(p: Params, patch: Partial<Params>): Params {
  const next = { ...p, ...patch };
  if (next.linkThresholds) {
    if (patch.viewEdge !== undefined) next.allocEdge = patch.viewEdge;
    else if (patch.allocEdge !== undefined) next.viewEdge = patch.allocEdge;
    else if (patch.linkThresholds === true) next.allocEdge = next.viewEdge;
  }
  return next;
}
