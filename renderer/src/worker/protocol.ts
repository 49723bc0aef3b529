/**
 * The messages between the renderer and its analysis worker (STYLE rule 9): requests and replies are
 * unions tagged by `type`, every request carries an id its reply echoes, failures travel as a plain
 * error shape (name, code, message, details), and result buffers go in the transfer list. An unknown
 * `type` is answered with an error, never ignored.
 *
 * The worker holds one recording's Stats (sent once with `load`) and turns params into everything the
 * views derive from it: budgets, kept sets, recall and hit rate of the selected policies, sparsity at
 * pView, and the recall curves over the budget grid. Nothing here touches attention matrices.
 */
import type { Stats } from '../../../analysis/attention/stats';
import type { KeptSets } from '../../../analysis/policies/keptSet';
import type { KvDtype } from '../../../analysis/policies/metrics/memory';
import type { Policy } from '../../../analysis/policies/policy';
import type { Budget } from '../stores/paramsSlice';

/** Inputs of a derivation: the params slice, reduced to what the analysis reads. */
export interface DeriveParams {
  /** Selected policies, presets by id and compositions by value; the first is the current one. */
  policies: (string | Policy)[];
  /** The diff policy of the kept/evicted matrix, if any. */
  diff: string | Policy | null;
  budget: Budget;
  /** pView as an edge index e_k (ALGORITHMS §2). */
  viewEdge: number;
  /** pAlloc as an edge index. */
  allocEdge: number;
  windowFraction: number;
  nSink: number;
  granularity: 'kvHead' | 'layer';
}

/** The integer budget as resolved for this recording (ALGORITHMS §4.0). */
export interface BudgetSummary {
  total: number;
  full: boolean;
  requestedPercent: number;
  realisedPercent: number;
  differs: boolean;
}

/** Layer and per-head sparsity at pView for the three row sets; NaN where a row set is empty. */
export interface SparsityProfile {
  edge: number;
  /** f64 [3, L]: γ(l, R, p) for R = prefill, post-vision, decode. */
  layer: Float64Array;
  /** f64 [3, L, H]: γ(l, h, R, p). */
  head: Float64Array;
}

/**
 * One policy at the current params. `missingWindow`: its allocation is known but its kept sets need
 * observation-window sums for a w the Stats do not hold (PyramidKV's budget-dependent window), so
 * they are "not live"; `unavailable`: it cannot run on this recording (no post-vision rows).
 */
export type PolicyOutcome =
  | {
      id: string;
      label: string;
      status: 'ok';
      /** Int32 [L]: k_l. */
      k: Int32Array;
      total: number;
      recall: number;
      /** f64 [L]. */
      recallPerLayer: Float64Array;
      /** CacheHitRate, policy mode (ALGORITHMS §7). */
      hitRate: number;
      hitRatePerLayer: Float64Array;
      /** CacheHitRate, scorer mode (the paper's Fig. 3); null without a scorer. */
      scorerHitRate: number | null;
      keptBytes: number;
      fullBytes: number;
    }
  | {
      id: string;
      label: string;
      status: 'missingWindow';
      k: Int32Array;
      total: number;
      missingWindow: number;
      keptBytes: number;
      fullBytes: number;
    }
  | { id: string; label: string; status: 'unavailable'; error: WorkerError };

export interface DerivedResult {
  /** The derive key (params that produced it). */
  key: string;
  budget: BudgetSummary;
  sparsity: SparsityProfile;
  policies: PolicyOutcome[];
  /** Kept sets of the current policy and of the diff policy (null when not selected or unavailable). */
  kept: KeptSets | null;
  keptDiff: KeptSets | null;
  /** Worker time for this derivation, in milliseconds. */
  ms: number;
}

/** Recall and CacheHitRate of each policy over the budget grid (ALGORITHMS §8). */
export interface CurvesResult {
  key: string;
  /** Budgets in basis points (1 % = 100). */
  budgets: number[];
  curves: CurveOutcome[];
  ms: number;
}

/**
 * One policy's curves; a point is NaN where it is not live (window sums missing at that budget).
 */
export type CurveOutcome =
  | { id: string; label: string; status: 'ok'; recall: Float64Array; hitRate: Float64Array }
  | { id: string; label: string; status: 'unavailable'; error: WorkerError };

export interface WorkerError {
  name: string;
  code: string;
  message: string;
  details?: unknown;
}

export type WorkerRequest =
  | { type: 'load'; id: number; recordingId: string; stats: Stats; kvDtype: KvDtype }
  | { type: 'derive'; id: number; recordingId: string; key: string; params: DeriveParams }
  | { type: 'curves'; id: number; recordingId: string; key: string; params: DeriveParams; budgets: number[] }
  | {
      type: 'keptSets';
      id: number;
      recordingId: string;
      policy: string | Policy;
      params: DeriveParams;
    }
  /** Window sums the engine computed for a w the Stats lack; later derivations use them. */
  | { type: 'addWindow'; id: number; recordingId: string; w: number; sums: Float32Array };

export type WorkerReply =
  | { type: 'loaded'; id: number; recordingId: string; ms: number }
  | { type: 'derived'; id: number; result: DerivedResult }
  | { type: 'curves'; id: number; result: CurvesResult }
  | { type: 'keptSets'; id: number; kept: KeptSets }
  | { type: 'addWindow'; id: number; w: number }
  | { type: 'error'; id: number; error: WorkerError };

export type WorkerRequestType = WorkerRequest['type'];
export const WORKER_REQUEST_TYPES: readonly WorkerRequestType[] = [
  'load',
  'derive',
  'curves',
  'keptSets',
  'addWindow',
];

/** The reply type each request is answered with on success. */
export type ReplyFor<T extends WorkerRequestType> = Extract<
  WorkerReply,
  { type: T extends 'load' ? 'loaded' : T extends 'derive' ? 'derived' : T }
>;

export { BUDGET_GRID_BP } from '../../../analysis/policies/budgetGrid';

/** Serialises any thrown value into the wire error shape (classes keep their name, code and details). */
export function toWorkerError(e: unknown): WorkerError {
  if (e instanceof Error) {
    const x = e as Error & { code?: unknown; details?: unknown };
    const out: WorkerError = {
      name: x.name,
      code: typeof x.code === 'string' ? x.code : 'internal',
      message: x.message,
    };
    if (x.details !== undefined) out.details = structuredCloneable(x.details);
    return out;
  }
  return { name: 'Error', code: 'internal', message: String(e) };
}

function structuredCloneable(v: unknown): unknown {
  try {
    structuredClone(v);
    return v;
  } catch {
    return String(v);
  }
}

function keptBuffers(k: KeptSets | null, out: Set<ArrayBuffer>): void {
  if (!k) return;
  for (const a of [k.k, k.window, k.offsets, k.indices]) out.add(a.buffer as ArrayBuffer);
}

/**
 * The buffers of a reply that move to the receiver instead of being copied. Each buffer is listed
 * once (a transfer list with duplicates throws) and only when the array owns it whole, since moving
 * a buffer that other arrays still view would detach those too.
 */
export function replyTransferables(reply: WorkerReply): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  if (reply.type === 'derived') {
    const r = reply.result;
    out.add(r.sparsity.layer.buffer as ArrayBuffer);
    out.add(r.sparsity.head.buffer as ArrayBuffer);
    for (const p of r.policies) {
      if (p.status === 'unavailable') continue;
      out.add(p.k.buffer as ArrayBuffer);
      if (p.status === 'ok') {
        out.add(p.recallPerLayer.buffer as ArrayBuffer);
        out.add(p.hitRatePerLayer.buffer as ArrayBuffer);
      }
    }
    keptBuffers(r.kept, out);
    keptBuffers(r.keptDiff, out);
  } else if (reply.type === 'curves') {
    for (const c of reply.result.curves) {
      if (c.status !== 'ok') continue;
      out.add(c.recall.buffer as ArrayBuffer);
      out.add(c.hitRate.buffer as ArrayBuffer);
    }
  } else if (reply.type === 'keptSets') {
    keptBuffers(reply.kept, out);
  }
  return [...out];
}

/** The key a derivation is cached and matched by: every input that changes its result. */
export function deriveKey(recordingId: string, p: DeriveParams): string {
  return JSON.stringify([recordingId, p]);
}

/**
 * The key of the recall curves: like `deriveKey` without the budget (the curves span every budget),
 * and without pAlloc unless a selected policy allocates by sparsity.
 */
export function curvesKey(recordingId: string, p: DeriveParams, usesAlloc: boolean): string {
  return JSON.stringify([
    recordingId,
    p.policies,
    usesAlloc ? p.allocEdge : null,
    p.windowFraction,
    p.nSink,
    p.granularity,
  ]);
}
