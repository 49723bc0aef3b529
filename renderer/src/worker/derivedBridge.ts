/**
 * Keeps the `derived` slice in step with params (STYLE rule 7: subscribe outside React). When the
 * recording's Stats arrive they are loaded into the worker once; after that every params change that
 * alters a derivation's inputs submits a `derive` request on a latest-wins lane (a drag never queues
 * work) and, when the curves' inputs change, a `curves` request on a second lane. Replies land in the
 * store with their keys. Selection changes (layer, head, token) derive nothing and cost nothing here.
 *
 * Also the policy evaluation path: the worker computes the kept sets, the engine decodes under them.
 */
import type { Stats } from '../../../analysis/attention/stats';
import type { EngineResult } from '../../../analysis/engine/api';
import { keptPerHead } from '../../../analysis/policies/keptPerHead';
import type { KvDtype } from '../../../analysis/policies/metrics/memory';
import { needsPostVision, type Policy } from '../../../analysis/policies/policy';
import { resolvePolicy } from '../../../analysis/policies/registry';
import { engine } from '../engine/engineHolder';
import type { Action } from '../stores/actionLog';
import type { Evaluation } from '../stores/derivedSlice';
import type { Params } from '../stores/paramsSlice';
import { policyRef } from '../stores/paramsSlice';
import type { StudioState } from '../stores/store';
import { BUDGET_GRID_BP, curvesKey, type DeriveParams, deriveKey } from './protocol';
import { lane, type WorkerClient } from './workerClient';

type Store = {
  getState(): StudioState;
  setState(patch: Partial<StudioState>): void;
  subscribe(listener: (s: StudioState, prev: StudioState) => void): () => void;
};

/** How long the curves' inputs must stay put before the sweep is recomputed. */
export const CURVES_SETTLE_MS = 250;

export function deriveParamsOf(p: Params): DeriveParams {
  return {
    policies: p.policies.map((id) => policyRef(p, id)),
    diff: p.diffPolicy ? policyRef(p, p.diffPolicy) : null,
    budget: p.budget,
    viewEdge: p.viewEdge,
    allocEdge: p.allocEdge,
    windowFraction: p.windowFraction,
    nSink: p.nSink,
    granularity: p.granularity,
  };
}

/** Whether any selected policy reads pAlloc (so the curves depend on it). */
function usesAllocThreshold(dp: DeriveParams): boolean {
  return dp.policies.some((ref) => {
    try {
      return resolvePolicy(ref).allocator.id === 'sparsityAware';
    } catch {
      return false;
    }
  });
}

/** The Stats without the overview maps, which only the main thread draws. */
function statsForWorker(s: Stats): Stats {
  return { ...s, overview: new Uint8Array(0) };
}

/** Key of an evaluation: the policy and every input of its kept sets. */
export function evaluationKey(recordingId: string, policy: string, p: Params): string {
  const dp = deriveParamsOf(p);
  return JSON.stringify([
    recordingId,
    policyRef(p, policy),
    dp.budget,
    dp.allocEdge,
    dp.windowFraction,
    dp.nSink,
    dp.granularity,
  ]);
}

export interface DerivedBridge {
  /** Decodes under `policy` at the current params; the result lands in `evaluations`. */
  evaluate(policy: string): Promise<void>;
  dispose(): void;
}

/**
 * `record`: how a finished evaluation enters the action log (so saving keeps its result and replay
 * restores it without the model); without it the result only lands in `evaluations`.
 */
export function connectDerived(
  store: Store,
  client: WorkerClient,
  record?: (action: Extract<Action, { type: 'evaluate' }>) => void,
): DerivedBridge {
  const deriveLane = lane();
  const curvesLane = lane();
  let loaded: { recordingId: string; ready: Promise<unknown> } | null = null;
  let submittedKey: string | null = null;
  let submittedCurvesKey: string | null = null;
  let curvesTimer: ReturnType<typeof setTimeout> | null = null;

  const ensureLoaded = (recordingId: string, stats: Stats, kvDtype: KvDtype) => {
    if (loaded?.recordingId !== recordingId) {
      submittedKey = null;
      submittedCurvesKey = null;
      loaded = {
        recordingId,
        ready: client.request({ type: 'load', recordingId, stats: statsForWorker(stats), kvDtype }),
      };
    }
    return loaded.ready;
  };

  // Window sums asked of the engine, per recording, so each w is fetched once.
  const fetchedWindows = new Map<string, Set<number>>();
  const fetchMissingWindows = (
    recordingId: string,
    outcomes: { status: string; missingWindow?: number }[],
  ) => {
    let asked = fetchedWindows.get(recordingId);
    if (!asked) fetchedWindows.set(recordingId, (asked = new Set()));
    for (const o of outcomes) {
      const w = o.status === 'missingWindow' ? o.missingWindow : undefined;
      if (w === undefined || asked.has(w)) continue;
      asked.add(w);
      void (async () => {
        const { sums } = await engine().api.getWindowSums({ recordingId, w });
        await client.request({ type: 'addWindow', recordingId, w, sums });
        if (store.getState().recording?.recordingId !== recordingId) return;
        // Same params, new inputs: derive again.
        submittedKey = null;
        submittedCurvesKey = null;
        update();
      })().catch(() => asked.delete(w));
    }
  };

  const update = () => {
    const s = store.getState();
    if (!s.recording || !s.stats) return;
    const recordingId = s.recording.recordingId;
    const ready = ensureLoaded(recordingId, s.stats, s.recording.model.kvDtype);
    const dp = deriveParamsOf(s.params);
    const key = deriveKey(recordingId, dp);
    if (key !== submittedKey) {
      submittedKey = key;
      if (s.wantedKey !== key) store.setState({ wantedKey: key });
      deriveLane
        .submit(async () => {
          await ready;
          return client.request({ type: 'derive', recordingId, key, params: dp });
        })
        .then((o) => {
          if (store.getState().recording?.recordingId !== recordingId) return;
          if (o.status === 'done') {
            store.setState({ derived: o.value.result, derivedKey: o.value.result.key, derivedError: null });
            fetchMissingWindows(recordingId, o.value.result.policies);
          } else if (o.status === 'failed') {
            store.setState({ derivedError: (o.error as Error).message });
            submittedKey = null;
          }
        });
    }
    const cKey = curvesKey(recordingId, dp, usesAllocThreshold(dp));
    if (cKey !== submittedCurvesKey) {
      submittedCurvesKey = cKey;
      store.setState({ curvesWantedKey: cKey });
      // A sweep over the budget grid occupies the worker far longer than one derivation, so it waits
      // until the curves' inputs have stopped moving (a threshold drag) and the derivation is done.
      if (curvesTimer !== null) clearTimeout(curvesTimer);
      const submit = () => {
        curvesTimer = null;
        curvesLane
          .submit(async () => {
            await ready;
            while (deriveLane.busy) await new Promise((r) => setTimeout(r, 8));
            return client.request({
              type: 'curves',
              recordingId,
              key: cKey,
              params: dp,
              budgets: [...BUDGET_GRID_BP],
            });
          })
          .then((o) => {
            if (store.getState().recording?.recordingId !== recordingId) return;
            if (o.status === 'done') store.setState({ curves: o.value.result });
            else if (o.status === 'failed') submittedCurvesKey = null;
          });
      };
      if (store.getState().curves === null) submit();
      else curvesTimer = setTimeout(submit, CURVES_SETTLE_MS);
    }
  };

  const unsubscribe = store.subscribe((s, prev) => {
    if (s.stats !== prev.stats || s.recording !== prev.recording) {
      if (s.recording !== prev.recording)
        store.setState({
          derived: null,
          derivedKey: null,
          wantedKey: null,
          curves: null,
          curvesWantedKey: null,
        });
      update();
    } else if (s.params !== prev.params) update();
  });
  update();

  const setEvaluation = (key: string, ev: Evaluation) =>
    store.setState({ evaluations: { ...store.getState().evaluations, [key]: ev } });

  return {
    async evaluate(policy: string) {
      const s = store.getState();
      if (!s.recording || !s.stats) return;
      const recordingId = s.recording.recordingId;
      const key = evaluationKey(recordingId, policy, s.params);
      const derived = s.derived;
      const budgetLabel = derived ? `${derived.budget.realisedPercent.toFixed(2)} %` : '';
      setEvaluation(key, { state: 'running', policy, budgetLabel });
      try {
        await ensureLoaded(recordingId, s.stats, s.recording.model.kvDtype);
        const dp = deriveParamsOf(s.params);
        const reply = await client.request({
          type: 'keptSets',
          recordingId,
          policy: policyRef(s.params, policy),
          params: dp,
        });
        const kept = keptPerHead(reply.kept, s.recording.dims.Hkv);
        const result: EngineResult<'evaluatePolicy'> = await engine().api.evaluatePolicy({
          recordingId,
          kept,
          mode: 'compact',
        });
        if (record) record({ type: 'evaluate', key, policy, budgetLabel, result });
        else setEvaluation(key, { state: 'done', policy, budgetLabel, result });
      } catch (e) {
        setEvaluation(key, { state: 'failed', policy, budgetLabel, message: (e as Error).message });
      }
    },
    dispose() {
      unsubscribe();
      if (curvesTimer !== null) clearTimeout(curvesTimer);
    },
  };
}

/** True when a policy can run on this recording (VL-Cache and friends need post-vision rows). */
export function policyAvailable(ref: string | Policy, tau: number): boolean {
  try {
    const p = resolvePolicy(ref);
    return tau > 0 || !needsPostVision(p);
  } catch {
    return false;
  }
}

let active: DerivedBridge | null = null;

/** The bridge the app runs with (set at boot), for components that start evaluations. */
export function setActiveBridge(b: DerivedBridge | null): void {
  active = b;
}

export function evaluatePolicy(policy: string): Promise<void> {
  if (!active) return Promise.reject(new Error('the analysis worker is not running'));
  return active.evaluate(policy);
}
