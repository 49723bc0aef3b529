/**
 * What the analysis worker does with each request, as a plain function of the message (no Worker
 * globals), so tests drive it directly. It holds one recording at a time, as two `LiveAnalysis`
 * instances of the analysis core: `live` follows the params (the fast path of every slider move) and
 * `sweep` serves the budget sweeps of the recall/CacheHitRate curves and one-off kept sets for
 * evaluations, so neither disturbs the other's caches.
 *
 * Replies hand their arrays to the main thread by transfer; arrays that LiveAnalysis keeps cached are
 * copied first, since transferring them would detach the cache.
 */
import { ROW_SETS, type Stats } from '../../../analysis/attention/stats';
import { percentBudget } from '../../../analysis/policies/budget';
import { headSparsity, histogramPrefix } from '../../../analysis/policies/histogramSparsity';
import type { KeptSets } from '../../../analysis/policies/keptSet';
import {
  type AnalysisParams,
  LiveAnalysis,
  type LiveResults,
  type PolicyResult,
} from '../../../analysis/policies/liveAnalysis';
import type { KvDtype } from '../../../analysis/policies/metrics/memory';
import {
  type CurveOutcome,
  type DeriveParams,
  type DerivedResult,
  type PolicyOutcome,
  type SparsityProfile,
  toWorkerError,
  WORKER_REQUEST_TYPES,
  type WorkerReply,
  type WorkerRequest,
} from './protocol';

interface Loaded {
  recordingId: string;
  stats: Stats;
  prefix: Float64Array;
  /** The last sparsity profile, reused while pView stays put (a budget drag). */
  sparsity: { edge: number; results: LiveResults['viewSparsity']; profile: SparsityProfile } | null;
  live: LiveAnalysis;
  sweep: LiveAnalysis;
}

export class UnknownRequestError extends Error {
  readonly code = 'unknown-request';
  constructor(type: unknown) {
    super(`unknown request type: ${String(type)} (expected ${WORKER_REQUEST_TYPES.join(', ')})`);
    this.name = 'UnknownRequestError';
  }
}

export class NotLoadedError extends Error {
  readonly code = 'not-loaded';
  constructor(recordingId: string) {
    super(`recording ${recordingId} is not loaded in the analysis worker`);
    this.name = 'NotLoadedError';
  }
}

export function analysisParamsOf(
  dp: DeriveParams,
  extra: (string | DeriveParams['diff'])[] = [],
): AnalysisParams {
  const policies = [...dp.policies];
  for (const e of extra)
    if (e !== null && !policies.some((p) => JSON.stringify(p) === JSON.stringify(e))) policies.push(e);
  return {
    pView: dp.viewEdge,
    pAlloc: dp.allocEdge,
    // The params slice already keeps linked thresholds equal; both are passed explicitly.
    linked: false,
    budget: dp.budget,
    policies,
    windowFraction: dp.windowFraction,
    nSink: dp.nSink,
    granularity: dp.granularity,
  };
}

const cloneKept = (k: KeptSets): KeptSets => ({
  L: k.L,
  groups: k.groups,
  m: k.m,
  k: k.k.slice(),
  window: k.window.slice(),
  offsets: k.offsets.slice(),
  indices: k.indices.slice(),
});

function policyId(r: PolicyResult): string {
  return r.policy.id;
}

function outcome(r: PolicyResult): PolicyOutcome {
  const base = { id: r.policy.id, label: r.policy.label };
  if (r.status === 'unavailable') return { ...base, status: 'unavailable', error: toWorkerError(r.error) };
  const k = r.allocation.k.slice();
  const total = r.allocation.total;
  if (r.status === 'missingWindow')
    return {
      ...base,
      status: 'missingWindow',
      k,
      total,
      missingWindow: r.missingWindow,
      keptBytes: r.memory.keptBytes,
      fullBytes: r.memory.fullBytes,
    };
  return {
    ...base,
    status: 'ok',
    k,
    total,
    recall: r.recall.overall,
    recallPerLayer: r.recall.perLayer.slice(),
    hitRate: r.hitRate.overall,
    hitRatePerLayer: r.hitRate.perLayer.slice(),
    scorerHitRate: r.scorerHitRate ? r.scorerHitRate.overall : null,
    keptBytes: r.memory.keptBytes,
    fullBytes: r.memory.fullBytes,
  };
}

/** Per-head sparsity at pView for the three row sets (NaN for a row set without rows). */
function sparsityProfile(
  stats: Stats,
  prefix: Float64Array,
  results: LiveResults,
  edge: number,
): SparsityProfile {
  const { L, H } = stats.dims;
  const layer = new Float64Array(ROW_SETS.length * L).fill(Number.NaN);
  const head = new Float64Array(ROW_SETS.length * L * H).fill(Number.NaN);
  ROW_SETS.forEach((r, ri) => {
    const v = results.viewSparsity[r];
    if (!v) return;
    layer.set(v, ri * L);
    for (let l = 0; l < L; l++)
      for (let h = 0; h < H; h++)
        head[(ri * L + l) * H + h] = headSparsity(prefix, stats.dims, l, h, r, edge) ?? Number.NaN;
  });
  return { edge, layer, head };
}

/** The profile for pView, from the cache when unchanged; a copy, since the reply transfers it. */
function cachedSparsity(s: Loaded, results: LiveResults, edge: number): SparsityProfile {
  if (s.sparsity?.edge !== edge || s.sparsity.results !== results.viewSparsity)
    s.sparsity = {
      edge,
      results: results.viewSparsity,
      profile: sparsityProfile(s.stats, s.prefix, results, edge),
    };
  const p = s.sparsity.profile;
  return { edge, layer: p.layer.slice(), head: p.head.slice() };
}

function keptOf(results: LiveResults, ref: DeriveParams['diff']): KeptSets | null {
  if (ref === null) return null;
  const id = typeof ref === 'string' ? ref : ref.id;
  const r = results.policies.find((p) => policyId(p) === id);
  return r?.status === 'ok' ? cloneKept(r.kept) : null;
}

export function createAnalysisHandler(now: () => number = () => performance.now()) {
  let loaded: Loaded | null = null;

  const need = (recordingId: string): Loaded => {
    if (!loaded || loaded.recordingId !== recordingId) throw new NotLoadedError(recordingId);
    return loaded;
  };

  function handle(req: WorkerRequest): WorkerReply {
    const t0 = now();
    switch (req.type) {
      case 'load': {
        const options = { kvDtype: req.kvDtype as KvDtype };
        const live = new LiveAnalysis(req.stats, options);
        live.precompute();
        loaded = {
          recordingId: req.recordingId,
          stats: req.stats,
          prefix: histogramPrefix(req.stats.hist),
          live,
          sweep: new LiveAnalysis(req.stats, options),
          sparsity: null,
        };
        return { type: 'loaded', id: req.id, recordingId: req.recordingId, ms: now() - t0 };
      }
      case 'derive': {
        const s = need(req.recordingId);
        const p = req.params;
        const results = s.live.update(analysisParamsOf(p, [p.diff]));
        const selected = new Set(p.policies.map((x) => (typeof x === 'string' ? x : x.id)));
        const result: DerivedResult = {
          key: req.key,
          budget: {
            total: results.budget.total,
            full: results.budget.full,
            requestedPercent: results.budget.requestedPercent,
            realisedPercent: results.budget.realisedPercent,
            differs: results.budget.differs,
          },
          sparsity: cachedSparsity(s, results, p.viewEdge),
          policies: results.policies.filter((r) => selected.has(policyId(r))).map(outcome),
          kept: keptOf(results, p.policies[0] ?? null),
          keptDiff: keptOf(results, p.diff),
          ms: 0,
        };
        result.ms = now() - t0;
        return { type: 'derived', id: req.id, result };
      }
      case 'curves': {
        const s = need(req.recordingId);
        const base = analysisParamsOf(req.params);
        const P = base.policies.length;
        const recall = Array.from({ length: P }, () => new Float64Array(req.budgets.length).fill(Number.NaN));
        const hit = Array.from({ length: P }, () => new Float64Array(req.budgets.length).fill(Number.NaN));
        let last: LiveResults | null = null;
        req.budgets.forEach((bp, i) => {
          last = s.sweep.update({ ...base, budget: percentBudget(bp) });
          last.policies.forEach((r, pi) => {
            if (r.status !== 'ok') return;
            recall[pi][i] = r.recall.overall;
            hit[pi][i] = r.hitRate.overall;
          });
        });
        const results = last as LiveResults | null;
        const curves: CurveOutcome[] = (results?.policies ?? []).map((r, pi) =>
          r.status === 'unavailable'
            ? { id: r.policy.id, label: r.policy.label, status: 'unavailable', error: toWorkerError(r.error) }
            : { id: r.policy.id, label: r.policy.label, status: 'ok', recall: recall[pi], hitRate: hit[pi] },
        );
        return {
          type: 'curves',
          id: req.id,
          result: { key: req.key, budgets: [...req.budgets], curves, ms: now() - t0 },
        };
      }
      case 'keptSets': {
        const s = need(req.recordingId);
        const results = s.sweep.update({ ...analysisParamsOf(req.params), policies: [req.policy] });
        const r = results.policies[0];
        if (r.status === 'unavailable') throw r.error;
        if (r.status === 'missingWindow')
          throw Object.assign(
            new Error(
              `${r.policy.label} needs observation-window sums for w = ${r.missingWindow}, which this recording's statistics do not hold`,
            ),
            { name: 'MissingWindowSumsError', code: 'missing-window-sums' },
          );
        return { type: 'keptSets', id: req.id, kept: cloneKept(r.kept) };
      }
      case 'addWindow': {
        const s = need(req.recordingId);
        s.live.addWindowSums(req.w, req.sums);
        s.sweep.addWindowSums(req.w, req.sums);
        return { type: 'addWindow', id: req.id, w: req.w };
      }
      default:
        throw new UnknownRequestError((req as { type?: unknown }).type);
    }
  }

  /** Handles one message; never throws — failures become error replies with the request's id. */
  return function onRequest(req: WorkerRequest): WorkerReply {
    try {
      return handle(req);
    } catch (e) {
      return { type: 'error', id: typeof req?.id === 'number' ? req.id : -1, error: toWorkerError(e) };
    }
  };
}
