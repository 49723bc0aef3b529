import { describe, expect, it } from 'vitest';
import { keptSet } from '../../../../analysis/policies/keptSet';
import { createAnalysisHandler } from '../../../../renderer/src/worker/analysisHandler';
import {
  BUDGET_GRID_BP,
  type DeriveParams,
  replyTransferables,
  type WorkerReply,
} from '../../../../renderer/src/worker/protocol';
import { syntheticRecording } from '../helpers/syntheticRecording';

const rec = syntheticRecording();
const params = (patch: Partial<DeriveParams> = {}): DeriveParams => ({
  policies: ['vl-cache', 'h2o', 'streaming-llm'],
  diff: null,
  budget: { kind: 'percent', basisPoints: 2500 },
  viewEdge: 120,
  allocEdge: 120,
  windowFraction: 10,
  nSink: 4,
  granularity: 'kvHead',
  ...patch,
});

function loaded() {
  const handle = createAnalysisHandler();
  const r = handle({ type: 'load', id: 1, recordingId: 'r1', stats: rec.stats, kvDtype: 'f32' });
  expect(r).toMatchObject({ type: 'loaded', id: 1, recordingId: 'r1' });
  return handle;
}

function ok<T extends WorkerReply['type']>(r: WorkerReply, type: T): Extract<WorkerReply, { type: T }> {
  if (r.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(r)}`);
  return r as Extract<WorkerReply, { type: T }>;
}

describe('analysis worker handler', () => {
  it('derives budgets, kept sets and metrics whose totals equal the budget', () => {
    const handle = loaded();
    const { L, m } = rec.info.dims;
    const r = ok(handle({ type: 'derive', id: 2, recordingId: 'r1', key: 'k', params: params() }), 'derived');
    expect(r.id).toBe(2);
    expect(r.result.key).toBe('k');
    const T = Math.floor((2500 * L * m + 5000) / 10000);
    expect(r.result.budget.total).toBe(T);
    expect(r.result.policies.map((p) => p.id)).toEqual(['vl-cache', 'h2o', 'streaming-llm']);
    for (const p of r.result.policies) {
      if (p.status !== 'ok') throw new Error(`${p.id} is ${p.status}`);
      expect([...p.k].reduce((a, b) => a + b, 0)).toBe(T);
      expect(p.recall).toBeGreaterThan(0);
      expect(p.recall).toBeLessThanOrEqual(1 + 1e-6);
    }
    const kept = r.result.kept!;
    expect(kept.groups).toBe(rec.info.dims.Hkv);
    for (let l = 0; l < L; l++)
      expect(keptSet(kept, l, 0).length).toBe(
        r.result.policies[0].status === 'ok' ? (r.result.policies[0] as { k: Int32Array }).k[l] : -1,
      );
    // sparsity profile: three row sets × L, values in [0, 1]
    expect(r.result.sparsity.layer.length).toBe(3 * L);
    for (const x of r.result.sparsity.layer) expect(x >= 0 && x <= 1).toBe(true);
  });

  it('moves VL-Cache budgets, and only sparsity-aware ones, when pAlloc moves', () => {
    const handle = loaded();
    const a = ok(
      handle({
        type: 'derive',
        id: 2,
        recordingId: 'r1',
        key: 'a',
        params: params({ allocEdge: 40, viewEdge: 40 }),
      }),
      'derived',
    );
    const b = ok(
      handle({
        type: 'derive',
        id: 3,
        recordingId: 'r1',
        key: 'b',
        params: params({ allocEdge: 150, viewEdge: 150 }),
      }),
      'derived',
    );
    const kOf = (r: typeof a, id: string) => {
      const p = r.result.policies.find((x) => x.id === id);
      return p && p.status !== 'unavailable' ? [...p.k] : null;
    };
    expect(kOf(a, 'vl-cache')).not.toEqual(kOf(b, 'vl-cache'));
    expect(kOf(a, 'h2o')).toEqual(kOf(b, 'h2o'));
    expect([...a.result.sparsity.layer]).not.toEqual([...b.result.sparsity.layer]);
  });

  it('sends the diff policy kept sets even when it is not among the selected policies', () => {
    const handle = loaded();
    const r = ok(
      handle({
        type: 'derive',
        id: 2,
        recordingId: 'r1',
        key: 'k',
        params: params({ policies: ['vl-cache'], diff: 'tova' }),
      }),
      'derived',
    );
    expect(r.result.policies.map((p) => p.id)).toEqual(['vl-cache']);
    expect(r.result.keptDiff).not.toBeNull();
  });

  it('computes recall and hit-rate curves over the budget grid, reaching 1 at 100 %', () => {
    const handle = loaded();
    const r = ok(
      handle({
        type: 'curves',
        id: 4,
        recordingId: 'r1',
        key: 'c',
        params: params(),
        budgets: [...BUDGET_GRID_BP],
      }),
      'curves',
    );
    for (const c of r.result.curves) {
      if (c.status !== 'ok') throw new Error(c.id);
      expect(c.recall.length).toBe(BUDGET_GRID_BP.length);
      expect(c.recall[c.recall.length - 1]).toBeCloseTo(1, 6);
      expect(c.hitRate[c.hitRate.length - 1]).toBeCloseTo(1, 6);
    }
  });

  it('answers an unknown request type and an unloaded recording with error replies', () => {
    const handle = loaded();
    const bad = handle({ type: 'nope', id: 9 } as never);
    expect(bad).toMatchObject({ type: 'error', id: 9, error: { code: 'unknown-request' } });
    const missing = handle({ type: 'derive', id: 10, recordingId: 'other', key: 'k', params: params() });
    expect(missing).toMatchObject({ type: 'error', id: 10, error: { code: 'not-loaded' } });
  });

  it('returns kept sets for an evaluation and lists each reply buffer once for transfer', () => {
    const handle = loaded();
    const r = ok(
      handle({ type: 'keptSets', id: 5, recordingId: 'r1', policy: 'h2o', params: params() }),
      'keptSets',
    );
    expect(r.kept.L).toBe(rec.info.dims.L);
    const d = handle({ type: 'derive', id: 6, recordingId: 'r1', key: 'k', params: params() });
    const t = replyTransferables(d);
    expect(new Set(t).size).toBe(t.length);
    expect(t.length).toBeGreaterThan(3);
    // transferring must not detach the worker's caches: a second derive still works after a clone
    structuredClone(d, { transfer: t });
    const again = ok(
      handle({ type: 'derive', id: 7, recordingId: 'r1', key: 'k2', params: params() }),
      'derived',
    );
    expect(again.result.kept!.indices.length).toBeGreaterThan(0);
  });
});
