/**
 * `LiveAnalysis`: one recording's Stats plus the analysis parameters (thresholds, budget, policies,
 * window fraction, sinks, granularity) → per policy the per-layer budgets, kept sets, attention
 * recall, CacheHitRate and KV memory (DESIGN §5; ALGORITHMS §4–§8). It runs unchanged in the
 * renderer's worker, the CLI and tests.
 *
 * Work is split by what invalidates it, so a slider move redoes only its share:
 * - per recording (lazily, then kept): the histogram prefix table, each scorer's vector and
 *   budget-independent ranking per granularity, the oracle ranking, the recall weights;
 * - per threshold: layer sparsities (O(L·H) prefix reads); pAlloc re-allocates the sparsity-aware
 *   policies only, pView touches no policy;
 * - per budget: every allocation; then, for each policy whose allocation actually changed, its kept
 *   sets (O(k) walks down the rankings) and metrics.
 * Nothing here ever reads attention matrices.
 *
 * Window scorers need unpooled observation-window sums for their w; Stats carry them for
 * WINDOW_SIZES only. PyramidKV's w = max(1, ⌊f·B/100⌋) changes with the budget and is usually not
 * among them: such a policy comes back as `{ status: 'missingWindow', missingWindow: w }` with its
 * allocation but no kept sets. The caller (the engine) computes the sums from queries/keys
 * (analysis/attention's `addWindowSums`) and hands them over with `addWindowSums(w, sums)`; the next
 * `results()` fills the policy in. The same holds for the points of a recall curve.
 *
 * Results are new objects on every change, but a policy whose inputs did not change keeps the very
 * same result object, so views memoised by reference skip it.
 */
import { ROW_SETS, type RowSet, type Stats } from '../attention/stats';
import { type Allocation, allocate, allocatorWindow } from './allocators/allocator';
import { postVisionDensity } from './allocators/sparsityAware';
import { type BudgetSpec, percentBudget, type ResolvedBudget, resolveBudget, validateBudget } from './budget';
import { BoundedCache } from './boundedCache';
import { BUDGET_GRID_BP } from './budgetGrid';
import { EmptyPostVisionError, InvalidParamsError, InvalidPolicyError, StatsShapeError } from './errors';
import { aggregateGroups, GRANULARITIES, type Granularity, groupCount } from './granularity';
import {
  DEFAULT_THRESHOLD_EDGE,
  histogramPrefix,
  layerSparsity,
  THRESHOLD_EDGE_COUNT,
} from './histogramSparsity';
import { fullKept, type KeptSets, selectKept, sinkKept, sinkTail } from './keptSet';
import { prefixSums, rangeRecall, rankedRecall, recallTotals } from './metrics/recall';
import { scorerHitRate, scorerModeK } from './metrics/hitRate';
import { keptMetrics } from './metrics/keptMetrics';
import { type LayerMetric, layerMetric } from './metrics/layerMetric';
import { type KvDtype, type KvMemory, KV_DTYPE_BYTES, kvMemory } from './metrics/memory';
import { needsPostVision, type Policy } from './policy';
import { rankScores, type Ranking } from './ranking';
import { PRESET_IDS, resolvePolicy } from './registry';
import {
  computeScores,
  type ResolvedScorer,
  resolveScorer,
  type ScorerSpec,
  scorerKey,
  scorerProblems,
  scorerObservationWindow,
} from './scorers/scorer';
import { checkStats } from './statsCheck';
import { effectiveWindow, recentWindow } from './windowRules';

export interface AnalysisParams {
  /** View threshold pView as an edge index k ∈ [0, 160] of the histogram grid (p = 10^(−8 + k/20)). */
  pView: number;
  /** Allocation threshold pAlloc (sparsityAware), an edge index; equals pView while `linked`. */
  pAlloc: number;
  /** pAlloc follows pView (default). */
  linked: boolean;
  budget: BudgetSpec;
  /** Policies to evaluate, in display order: preset ids or custom compositions. */
  policies: (string | Policy)[];
  /** Recent-window fraction f, an integer percent in [0, 100] (default 10). */
  windowFraction: number;
  /** StreamingLLM's attention sinks (default 4). */
  nSink: number;
  granularity: Granularity;
}

export const DEFAULT_ANALYSIS_PARAMS: AnalysisParams = {
  pView: DEFAULT_THRESHOLD_EDGE,
  pAlloc: DEFAULT_THRESHOLD_EDGE,
  linked: true,
  budget: percentBudget(1000),
  policies: [...PRESET_IDS],
  windowFraction: 10,
  nSink: 4,
  granularity: 'kvHead',
};

export interface LiveAnalysisOptions {
  /** KV-cache dtype from the model manifest (memory accounting). */
  kvDtype: KvDtype;
  params?: Partial<AnalysisParams>;
}

interface PolicyResultBase {
  policy: Policy;
}

export interface PolicyOk extends PolicyResultBase {
  status: 'ok';
  allocation: Allocation;
  kept: KeptSets;
  recall: LayerMetric;
  /** CacheHitRate in policy mode (the kept sets against the first decode row's top k_l). */
  hitRate: LayerMetric;
  /** CacheHitRate in scorer mode (k = max(1, ⌊T/L⌋), no windows); null without a scorer. */
  scorerHitRate: LayerMetric | null;
  memory: KvMemory;
}

export interface PolicyMissingWindow extends PolicyResultBase {
  status: 'missingWindow';
  /** The observation window w whose unpooled sums are needed (`addWindowSums`). */
  missingWindow: number;
  allocation: Allocation;
  memory: KvMemory;
}

export interface PolicyUnavailable extends PolicyResultBase {
  status: 'unavailable';
  /** Why: the prompt has no post-vision rows. */
  error: EmptyPostVisionError;
}

export type PolicyResult = PolicyOk | PolicyMissingWindow | PolicyUnavailable;

export interface LiveResults {
  params: Readonly<AnalysisParams>;
  budget: ResolvedBudget;
  /** Layer sparsity γ(l, R, pView) per row set; null for a row set without rows (post-vision, τ = 0). */
  viewSparsity: Record<RowSet, Float64Array | null>;
  /** γ'_l = γ(l, post-vision, pAlloc), what sparsityAware allocates from; null when τ = 0. */
  allocSparsity: Float64Array | null;
  policies: PolicyResult[];
}

export interface RecallCurvePoint {
  basisPoints: number;
  budget: ResolvedBudget;
  /** Null when the point needs window sums that are not there yet (see `missingWindow`). */
  recall: LayerMetric | null;
  missingWindow: number | null;
}

export type RecallCurve =
  | { status: 'ok'; policy: Policy; points: RecallCurvePoint[] }
  | { status: 'unavailable'; policy: Policy; error: EmptyPostVisionError };

/** Kept sets and the metrics that depend on them alone. */
type Core =
  | { kind: 'ok'; kept: KeptSets; recall: LayerMetric; hitRate: LayerMetric }
  | { kind: 'missing'; w: number };

/** Everything remembered about one policy between changes, each stage keyed by its inputs. */
interface PolicySlot {
  policy: Policy;
  allocKey: string | null;
  allocation: Allocation | null;
  allocVersion: number;
  coreKey: string | null;
  core: Core | null;
  coreVersion: number;
  resultKey: string | null;
  result: PolicyResult | null;
}

/** Recall weights at one granularity, their per-layer totals and their running sums by position. */
interface RecallWeights {
  w: Float32Array;
  totals: Float64Array;
  byPosition: Float64Array | null;
}

/** How a policy turns an allocation into kept sets. */
type Plan =
  | { kind: 'full' }
  | { kind: 'missing'; w: number }
  | { kind: 'ranked'; scorer: ResolvedScorer; W: Int32Array }
  | { kind: 'sinks'; nSink: number; mode: 'sinksPlusRecent' | 'budgetMinusWindow'; recent: Int32Array };

const sameInts = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export class LiveAnalysis {
  readonly stats: Stats;
  readonly kvDtype: KvDtype;
  private p: AnalysisParams;
  private resolvedPolicies: Policy[];
  private budgetCache: ResolvedBudget;
  private readonly prefix: Float64Array;
  /** Window sums handed over with `addWindowSums` (those in the Stats are read from there). */
  private readonly addedWindowSums: Record<number, Float32Array> = {};
  // Rankings are ~6 MB each at LLaVA scale; 48 holds every preset's at both granularities plus the
  // window scorers of a budget sweep's PyramidKV windows.
  private readonly rankings = new BoundedCache<string, Ranking>(48);
  private readonly oracles = new Map<Granularity, Ranking>();
  private readonly weights = new Map<Granularity, RecallWeights>();
  /** Recall weights summed along each ranking's order (recall curves), keyed like `rankings`. */
  private readonly rankPrefix = new BoundedCache<string, Float64Array>(8);
  private readonly scorerHits = new BoundedCache<string, LayerMetric>(512);
  /** One slot per selected policy; slots of deselected policies are dropped. */
  private readonly slots = new Map<string, PolicySlot>();
  private readonly curves = new BoundedCache<string, { key: string; curve: RecallCurve }>(16);
  private density: {
    edge: number;
    gamma: Float64Array | null;
    value: Float64Array | EmptyPostVisionError;
  } | null = null;
  private view: { edge: number; value: Record<RowSet, Float64Array | null> } | null = null;
  private current: LiveResults | null = null;

  constructor(stats: Stats, options: LiveAnalysisOptions) {
    checkStats(stats);
    if (!(options?.kvDtype in KV_DTYPE_BYTES))
      throw new InvalidParamsError('kvDtype', options?.kvDtype, Object.keys(KV_DTYPE_BYTES).join(', '));
    this.stats = stats;
    this.kvDtype = options.kvDtype;
    this.prefix = histogramPrefix(stats.hist);
    this.p = LiveAnalysis.checked({ ...DEFAULT_ANALYSIS_PARAMS }, options.params ?? {});
    this.resolvedPolicies = this.p.policies.map(resolvePolicy);
    this.budgetCache = resolveBudget(this.p.budget, stats.dims.L, stats.dims.m);
  }

  get params(): Readonly<AnalysisParams> {
    return this.p;
  }

  /**
   * Applies a parameter change and returns the recomputed results. Linked thresholds move together:
   * while `linked`, a patch setting either pView or pAlloc sets both.
   */
  update(patch: Partial<AnalysisParams>): LiveResults {
    const next = LiveAnalysis.checked(this.p, patch);
    if (next.policies !== this.p.policies) this.resolvedPolicies = next.policies.map(resolvePolicy);
    if (next.budget !== this.p.budget)
      this.budgetCache = resolveBudget(next.budget, this.stats.dims.L, this.stats.dims.m);
    this.p = next;
    this.current = null;
    return this.results();
  }

  /** Hands over observation-window sums the engine computed for a w not in the Stats. */
  addWindowSums(w: number, sums: Float32Array): void {
    const { L, Hkv, m } = this.stats.dims;
    if (!Number.isInteger(w) || w < 1) throw new InvalidParamsError('window w', w, 'a whole number ≥ 1');
    if (sums.length !== L * Hkv * m) throw new StatsShapeError(`windowSums[${w}]`, L * Hkv * m, sums.length);
    this.addedWindowSums[w] = sums;
    this.current = null;
  }

  /**
   * Every observation window with sums: the Stats' own (including any analysis/attention's
   * `addWindowSums` stored there since) and those handed over here.
   */
  private get windowSums(): Record<number, Float32Array> {
    return { ...this.stats.windowSums, ...this.addedWindowSums };
  }

  private hasWindowSums(w: number): boolean {
    return w in this.addedWindowSums || w in this.stats.windowSums;
  }

  /** Observation windows that have sums (precomputed or added). */
  windowSizes(): number[] {
    return Object.keys(this.windowSums)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** The current results, recomputing only what the last changes invalidated. */
  results(): LiveResults {
    if (this.current) return this.current;
    const policies = this.resolvedPolicies.map((policy) => this.evaluate(policy));
    const selected = new Set(this.resolvedPolicies.map((p) => JSON.stringify(p)));
    for (const key of this.slots.keys()) if (!selected.has(key)) this.slots.delete(key);
    this.current = {
      params: this.p,
      budget: this.budgetCache,
      viewSparsity: this.viewSparsity(),
      allocSparsity: this.allocSparsity(),
      policies,
    };
    return this.current;
  }

  /**
   * Attention recall of one policy over the budget grid (default ALGORITHMS §8's nine points) at
   * the current thresholds, window fraction, sinks and granularity.
   */
  recallCurve(
    ref: string | Policy = 'vl-cache',
    gridBasisPoints: readonly number[] = BUDGET_GRID_BP,
  ): RecallCurve {
    const policy = resolvePolicy(ref);
    const pk = JSON.stringify(policy);
    const key = [
      pk,
      this.allocationParamKey(policy),
      this.keptDependencyKey(policy),
      gridBasisPoints.join(','),
      this.windowSizes().join(','),
    ].join('|');
    const cached = this.curves.get(pk);
    if (cached?.key === key) return cached.curve;
    const curve = this.computeCurve(policy, gridBasisPoints);
    this.curves.set(pk, { key, curve });
    return curve;
  }

  /**
   * A scorer's f32 [L, groups, m] vector at the current (or given) granularity, for views. A window
   * scorer needs an explicit w here (there is no allocator to take it from).
   */
  scores(spec: ScorerSpec, granularity: Granularity = this.p.granularity): Float32Array {
    const problems = scorerProblems(spec);
    if (spec.id === 'window' && spec.w === 'allocator')
      problems.push(`window w = 'allocator' needs an explicit w here`);
    if (problems.length) throw new InvalidPolicyError(spec.id, problems);
    const s = resolveScorer(spec, { nSink: this.p.nSink, allocatorWindow: null });
    return computeScores(this.stats, s, granularity, this.windowSums);
  }

  /**
   * Computes, ahead of the first slider move, every ranking the current policies need at the
   * current granularity (a worker calls this once a recording is loaded).
   */
  precompute(): void {
    this.oracle(this.p.granularity);
    this.recallWeights(this.p.granularity);
    for (const policy of this.resolvedPolicies) {
      if (!policy.scorer || (needsPostVision(policy) && this.tauIsZero())) continue;
      const window = allocatorWindow(policy.allocator, this.allocationInputBase());
      const s = resolveScorer(policy.scorer, { nSink: this.p.nSink, allocatorWindow: window });
      if (s.id !== 'window' || this.hasWindowSums(s.w)) this.ranking(s, this.p.granularity);
    }
  }

  // ---- parameters -------------------------------------------------------------------------------

  private static checked(prev: AnalysisParams, patch: Partial<AnalysisParams>): AnalysisParams {
    const next = { ...prev, ...patch };
    const edge = (name: string, v: number) => {
      if (!Number.isInteger(v) || v < 0 || v >= THRESHOLD_EDGE_COUNT)
        throw new InvalidParamsError(name, v, `an edge index in [0, ${THRESHOLD_EDGE_COUNT - 1}]`);
    };
    edge('pView', next.pView);
    edge('pAlloc', next.pAlloc);
    if (next.linked) {
      if (patch.pView !== undefined && patch.pAlloc !== undefined && patch.pView !== patch.pAlloc)
        throw new InvalidParamsError(
          'pAlloc',
          patch.pAlloc,
          `pView (${patch.pView}) while thresholds are linked`,
        );
      const t = patch.pAlloc !== undefined && patch.pView === undefined ? next.pAlloc : next.pView;
      next.pView = t;
      next.pAlloc = t;
    }
    validateBudget(next.budget);
    if (!Number.isInteger(next.windowFraction) || next.windowFraction < 0 || next.windowFraction > 100)
      throw new InvalidParamsError('windowFraction', next.windowFraction, 'an integer percent in [0, 100]');
    if (!Number.isInteger(next.nSink) || next.nSink < 0)
      throw new InvalidParamsError('nSink', next.nSink, 'a whole number ≥ 0');
    if (!GRANULARITIES.includes(next.granularity))
      throw new InvalidParamsError('granularity', next.granularity, GRANULARITIES.join(' or '));
    if (!Array.isArray(next.policies)) throw new InvalidParamsError('policies', next.policies, 'a list');
    return next;
  }

  // ---- per-recording caches -----------------------------------------------------------------------

  private tauIsZero(): boolean {
    return this.stats.postVisionStart >= this.stats.dims.m;
  }

  private ranking(s: ResolvedScorer, granularity: Granularity): Ranking {
    const key = `${scorerKey(s)}|${granularity}`;
    let r = this.rankings.get(key);
    if (!r) {
      const scores = computeScores(this.stats, s, granularity, this.windowSums);
      r = rankScores(scores, groupCount(this.stats.dims, granularity), this.stats.dims.m);
      this.rankings.set(key, r);
    }
    return r;
  }

  private oracle(granularity: Granularity): Ranking {
    let r = this.oracles.get(granularity);
    if (!r) {
      const o = aggregateGroups(this.stats.oracle, this.stats.dims, granularity);
      r = rankScores(o, groupCount(this.stats.dims, granularity), this.stats.dims.m);
      this.oracles.set(granularity, r);
    }
    return r;
  }

  private recallWeights(granularity: Granularity): RecallWeights {
    let r = this.weights.get(granularity);
    if (!r) {
      const { L, m } = this.stats.dims;
      const w = aggregateGroups(this.stats.recallW, this.stats.dims, granularity);
      r = { w, totals: recallTotals(w, L, groupCount(this.stats.dims, granularity), m), byPosition: null };
      this.weights.set(granularity, r);
    }
    return r;
  }

  /** Running sums of the recall weights by position (for curves), computed on first use. */
  private weightsByPosition(granularity: Granularity): Float64Array {
    const r = this.recallWeights(granularity);
    if (!r.byPosition) {
      const { L, m } = this.stats.dims;
      r.byPosition = prefixSums(r.w, L * groupCount(this.stats.dims, granularity), m);
    }
    return r.byPosition;
  }

  /** Running sums of the recall weights along a scorer's ranking (for curves). */
  private weightsByRank(s: ResolvedScorer, granularity: Granularity): Float64Array {
    const key = `${scorerKey(s)}|${granularity}`;
    let p = this.rankPrefix.get(key);
    if (!p) {
      const { L, m } = this.stats.dims;
      const groups = groupCount(this.stats.dims, granularity);
      p = prefixSums(this.recallWeights(granularity).w, L * groups, m, this.ranking(s, granularity).order);
      this.rankPrefix.set(key, p);
    }
    return p;
  }

  // ---- per-threshold values ---------------------------------------------------------------------

  /** d_l at a threshold edge, cached per edge (a threshold change re-reads the histograms once). */
  private densityAt(edge: number): Float64Array {
    if (this.density?.edge !== edge) {
      let value: Float64Array | EmptyPostVisionError;
      try {
        value = postVisionDensity(this.stats, this.prefix, edge);
      } catch (e) {
        if (!(e instanceof EmptyPostVisionError)) throw e;
        value = e;
      }
      const gamma = this.tauIsZero() ? null : layerSparsity(this.prefix, this.stats.dims, 'postVision', edge);
      this.density = { edge, gamma, value };
    }
    const v = this.density.value;
    if (v instanceof EmptyPostVisionError) throw v;
    return v;
  }

  private allocSparsity(): Float64Array | null {
    if (this.tauIsZero()) return null;
    this.densityAt(this.p.pAlloc);
    return this.density!.gamma;
  }

  private viewSparsity(): Record<RowSet, Float64Array | null> {
    const edge = this.p.pView;
    if (this.view?.edge !== edge) {
      const value = {} as Record<RowSet, Float64Array | null>;
      for (const r of ROW_SETS) value[r] = layerSparsity(this.prefix, this.stats.dims, r, edge);
      this.view = { edge, value };
    }
    return this.view.value;
  }

  // ---- evaluation -------------------------------------------------------------------------------

  private allocationInputBase() {
    const { L, m } = this.stats.dims;
    return { budget: this.budgetCache, L, m, windowFraction: this.p.windowFraction };
  }

  /**
   * The parameters besides the allocation that a policy's kept sets depend on: granularity, the
   * window fraction when a recent-fraction rule reads it, nSink when the position scorer does.
   */
  private keptDependencyKey(policy: Policy): string {
    const parts: (string | number)[] = [this.p.granularity];
    if (policy.window.recent === 'fraction') parts.push(`f${this.p.windowFraction}`);
    if (policy.scorer?.id === 'position' && policy.scorer.nSink === undefined) parts.push(`s${this.p.nSink}`);
    return parts.join(',');
  }

  /** The parameters besides the budget that an allocator reads (pAlloc; PyramidKV's default w). */
  private allocationParamKey(policy: Policy): string {
    const a = policy.allocator;
    let key = '';
    if (a.id === 'sparsityAware') key += `a${this.p.pAlloc}`;
    if (a.id === 'pyramid' && a.w === undefined) key += `f${this.p.windowFraction}`;
    return key;
  }

  private allocationKey(policy: Policy): string {
    return `${this.budgetCache.total}|${this.allocationParamKey(policy)}`;
  }

  private allocateFor(policy: Policy, budget: ResolvedBudget): Allocation {
    const { L, m } = this.stats.dims;
    return allocate(policy.allocator, {
      budget,
      L,
      m,
      windowFraction: this.p.windowFraction,
      density: () => this.densityAt(this.p.pAlloc),
    });
  }

  private evaluate(policy: Policy): PolicyResult {
    const pk = JSON.stringify(policy);
    let slot = this.slots.get(pk);
    if (!slot) {
      slot = {
        policy,
        allocKey: null,
        allocation: null,
        allocVersion: 0,
        coreKey: null,
        core: null,
        coreVersion: 0,
        resultKey: null,
        result: null,
      };
      this.slots.set(pk, slot);
    }
    if (needsPostVision(policy) && this.tauIsZero()) {
      if (slot.result?.status !== 'unavailable')
        slot.result = { status: 'unavailable', policy, error: this.emptyPostVision(policy) };
      return slot.result;
    }
    // Stage 1: allocation — keyed by the budget and the thresholds/fractions this allocator reads.
    const allocKey = this.allocationKey(policy);
    if (slot.allocKey !== allocKey || !slot.allocation) {
      let a: Allocation;
      try {
        a = this.allocateFor(policy, this.budgetCache);
      } catch (e) {
        // Stats with post-vision rows but an empty post-vision histogram: unavailable, not a crash.
        if (!(e instanceof EmptyPostVisionError)) throw e;
        slot.allocKey = null;
        slot.result = { status: 'unavailable', policy, error: e };
        return slot.result;
      }
      const old = slot.allocation;
      // An unchanged allocation keeps its identity, so nothing downstream is redone.
      const same =
        old &&
        sameInts(old.k, a.k) &&
        old.window === a.window &&
        old.total === a.total &&
        old.target === a.target;
      if (!same) {
        slot.allocation = a;
        slot.allocVersion++;
      }
      slot.allocKey = allocKey;
    }
    const allocation = slot.allocation!;
    // Stage 2: kept sets, recall and policy-mode hit rate — keyed by the allocation and the rules.
    const plan = this.plan(policy, allocation);
    const coreKey = [
      slot.allocVersion,
      this.keptDependencyKey(policy),
      plan.kind === 'ranked'
        ? scorerKey(plan.scorer)
        : plan.kind === 'missing'
          ? `missing${plan.w}`
          : plan.kind,
    ].join('|');
    if (slot.coreKey !== coreKey || !slot.core) {
      slot.core = this.coreFor(plan, allocation);
      slot.coreKey = coreKey;
      slot.coreVersion++;
    }
    const core = slot.core;
    // Stage 3: scorer-mode hit rate, which reads the budget but not the allocation.
    const scorerHits =
      core.kind === 'ok' && policy.scorer ? this.scorerModeHitRate(policy, allocation) : null;
    const resultKey = `${slot.coreVersion}|${this.scorerModeKey(policy, allocation)}`;
    if (slot.resultKey === resultKey && slot.result) return slot.result;
    slot.resultKey = resultKey;
    const memory = kvMemory(this.stats.dims, this.kvDtype, allocation.k);
    slot.result =
      core.kind === 'missing'
        ? { status: 'missingWindow', policy, missingWindow: core.w, allocation, memory }
        : {
            status: 'ok',
            policy,
            allocation,
            kept: core.kept,
            recall: core.recall,
            hitRate: core.hitRate,
            scorerHitRate: scorerHits,
            memory,
          };
    return slot.result;
  }

  private emptyPostVision(policy: Policy): EmptyPostVisionError {
    const { m } = this.stats.dims;
    const user = policy.scorer?.id === 'postVision' ? 'postVision scorer' : 'sparsityAware allocator';
    return new EmptyPostVisionError(user, m, this.stats.postVisionStart);
  }

  private plan(policy: Policy, allocation: Allocation): Plan {
    const { L, m } = this.stats.dims;
    if (!policy.scorer || allocation.k.every((k) => k === m)) return { kind: 'full' };
    const s = resolveScorer(policy.scorer, { nSink: this.p.nSink, allocatorWindow: allocation.window });
    const recent = new Int32Array(L);
    for (let l = 0; l < L; l++)
      recent[l] = recentWindow(
        policy.window,
        allocation.k[l],
        this.p.windowFraction,
        allocation.window,
        allocation.windowForced,
      );
    if (policy.window.sinks)
      return {
        kind: 'sinks',
        nSink: s.id === 'position' ? s.nSink : this.p.nSink,
        mode: policy.window.sinks,
        recent,
      };
    if (s.id === 'window' && !this.hasWindowSums(s.w)) return { kind: 'missing', w: s.w };
    const wObs = scorerObservationWindow(s, m);
    const W = new Int32Array(L);
    for (let l = 0; l < L; l++) W[l] = effectiveWindow(allocation.k[l], recent[l], wObs);
    // The ranking itself is fetched only when kept sets are built, not to check a cached result.
    return { kind: 'ranked', scorer: s, W };
  }

  private keptFor(plan: Plan, allocation: Allocation): KeptSets {
    const { L, m } = this.stats.dims;
    const groups = groupCount(this.stats.dims, this.p.granularity);
    switch (plan.kind) {
      case 'full':
        return fullKept(L, groups, m);
      case 'sinks':
        return sinkKept(allocation.k, plan.recent, m, groups, plan.nSink, plan.mode);
      case 'ranked':
        return selectKept(this.ranking(plan.scorer, this.p.granularity), allocation.k, plan.W);
      case 'missing':
        throw new Error('unreachable: no kept sets without window sums');
    }
  }

  private coreFor(plan: Plan, allocation: Allocation): Core {
    if (plan.kind === 'missing') return { kind: 'missing', w: plan.w };
    const kept = this.keptFor(plan, allocation);
    const g = this.p.granularity;
    const { w, totals } = this.recallWeights(g);
    return { kind: 'ok', kept, ...keptMetrics(kept, w, totals, this.oracle(g)) };
  }

  private scorerModeKey(policy: Policy, allocation: Allocation): string {
    if (!policy.scorer) return 'none';
    const { L } = this.stats.dims;
    const s = resolveScorer(policy.scorer, { nSink: this.p.nSink, allocatorWindow: allocation.window });
    return `${scorerKey(s)}|${this.p.granularity}|${scorerModeK(this.budgetCache.total, L)}`;
  }

  private scorerModeHitRate(policy: Policy, allocation: Allocation): LayerMetric | null {
    const { L, m } = this.stats.dims;
    const k = scorerModeK(this.budgetCache.total, L);
    // TopK of anything over all m keys is every key.
    if (k >= m) return layerMetric(new Float64Array(L).fill(1));
    const s = resolveScorer(policy.scorer!, { nSink: this.p.nSink, allocatorWindow: allocation.window });
    if (s.id === 'window' && !this.hasWindowSums(s.w)) return null;
    const key = `${scorerKey(s)}|${this.p.granularity}|${k}`;
    let r = this.scorerHits.get(key);
    if (!r) {
      r = scorerHitRate(this.ranking(s, this.p.granularity), this.oracle(this.p.granularity), k, L);
      this.scorerHits.set(key, r);
    }
    return r;
  }

  /**
   * Recall at each budget of the grid. The kept sets are never built: ranked policies sum the
   * weights along the ranking (`rankedRecall`), sink policies over two ranges (`rangeRecall`).
   */
  private computeCurve(policy: Policy, grid: readonly number[]): RecallCurve {
    const { L, m } = this.stats.dims;
    if (needsPostVision(policy) && this.tauIsZero())
      return { status: 'unavailable', policy, error: this.emptyPostVision(policy) };
    const g = this.p.granularity;
    const groups = groupCount(this.stats.dims, g);
    const { w, totals } = this.recallWeights(g);
    const points: RecallCurvePoint[] = grid.map((basisPoints) => {
      const budget = resolveBudget(percentBudget(basisPoints), L, m);
      const allocation = this.allocateFor(policy, budget);
      const plan = this.plan(policy, allocation);
      let recall: LayerMetric;
      switch (plan.kind) {
        case 'missing':
          return { basisPoints, budget, recall: null, missingWindow: plan.w };
        case 'full':
          recall = layerMetric(new Float64Array(L).fill(1));
          break;
        case 'sinks': {
          const tail = new Int32Array(L);
          for (let l = 0; l < L; l++)
            tail[l] = sinkTail(allocation.k[l], plan.recent[l], plan.nSink, plan.mode);
          recall = rangeRecall(this.weightsByPosition(g), totals, allocation.k, tail, groups, m);
          break;
        }
        case 'ranked':
          recall = rankedRecall(
            this.ranking(plan.scorer, g),
            w,
            this.weightsByRank(plan.scorer, g),
            this.weightsByPosition(g),
            totals,
            allocation.k,
            plan.W,
          );
      }
      return { basisPoints, budget, recall, missingWindow: null };
    });
    return { status: 'ok', policy, points };
  }
}
