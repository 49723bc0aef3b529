/**
 * `params`: everything the user chooses that views share — layer, head, query token, policies,
 * budget, thresholds, window rules, view modes. Changed only through the action log (actionLog.ts), so
 * every change is undoable and replayable.
 */
import type { StateCreator } from 'zustand';
import type { Policy } from '../../../analysis/policies/policy';
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
  /** The second policy of the kept/evicted matrix's diff mode (null: no diff). */
  diffPolicy: string | null;
  /** Compositions the user made (scorer × allocator × window rules); their ids may appear in `policies`. */
  customPolicies: Policy[];
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
  /** What the image overlay shows: the selected query row's attention, or the post-vision score. */
  overlaySource: 'query' | 'postVision';
  /** Attention panel: one map, or the small multiples of every layer × head. */
  attentionMode: 'map' | 'overview';
  /** Kept/evicted matrix rows: layers (at the current KV head) or the KV heads of the current layer. */
  keptRows: 'layers' | 'heads';
}

export const DEFAULT_PARAMS: Params = {
  layer: 0,
  head: 'mean',
  queryToken: null,
  policies: ['vl-cache', 'h2o', 'streaming-llm', 'pyramidkv', 'snapkv'],
  diffPolicy: null,
  customPolicies: [],
  budget: { kind: 'percent', basisPoints: 1000 },
  viewEdge: 120,
  allocEdge: 120,
  linkThresholds: true,
  windowFraction: 10,
  nSink: 4,
  granularity: 'kvHead',
  colourScale: 'log',
  overlaySource: 'query',
  attentionMode: 'map',
  keptRows: 'layers',
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

/** The current policy (the first selected), or null when none is selected. */
export function currentPolicy(p: Params): string | null {
  return p.policies[0] ?? null;
}

/** A selected policy id as the analysis core takes it: a preset id, or the composition itself. */
export function policyRef(p: Params, id: string): string | Policy {
  return p.customPolicies.find((c) => c.id === id) ?? id;
}

/**
 * The params of an opened session file, keeping only known keys whose values have the right shape,
 * so a session from another version can never put the views in an impossible state.
 */
export function sanitizeParams(raw: unknown): Partial<Params> {
  if (!raw || typeof raw !== 'object') return {};
  const r = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  for (const key of Object.keys(DEFAULT_PARAMS) as (keyof Params)[]) {
    const v = r[key];
    if (v === undefined) continue;
    const d = DEFAULT_PARAMS[key];
    let ok = false;
    switch (key) {
      case 'head':
        ok = v === 'mean' || int(v);
        break;
      case 'queryToken':
        ok = v === null || int(v);
        break;
      case 'diffPolicy':
        ok = v === null || typeof v === 'string';
        break;
      case 'policies':
        ok = Array.isArray(v) && v.every((x) => typeof x === 'string');
        break;
      case 'customPolicies':
        ok =
          Array.isArray(v) &&
          v.every((x) => x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string');
        break;
      case 'budget': {
        const b = v as Budget;
        ok =
          !!b &&
          ((b.kind === 'percent' && int(b.basisPoints) && b.basisPoints >= 1 && b.basisPoints <= 10000) ||
            (b.kind === 'tokens' && int(b.perLayer) && b.perLayer >= 1));
        break;
      }
      case 'viewEdge':
      case 'allocEdge':
        ok = int(v) && (v as number) <= 160;
        break;
      case 'layer':
      case 'nSink':
        ok = int(v);
        break;
      case 'windowFraction':
        ok = int(v) && (v as number) <= 100;
        break;
      default:
        ok = typeof v === typeof d;
        if (key === 'granularity') ok = v === 'kvHead' || v === 'layer';
        if (key === 'colourScale') ok = v === 'log' || v === 'linear';
        if (key === 'overlaySource') ok = v === 'query' || v === 'postVision';
        if (key === 'attentionMode') ok = v === 'map' || v === 'overview';
        if (key === 'keptRows') ok = v === 'layers' || v === 'heads';
    }
    if (ok) out[key] = v;
  }
  return out as Partial<Params>;
}
