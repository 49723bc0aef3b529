/**
 * The TypeScript against the independent numpy reference (tools/reference/policies_reference.py,
 * output committed under test/fixtures/reference/policies.json): floats within ALGORITHMS §9
 * (|a − b| ≤ 1e-6 + 1e-5·|b|), index sets and integer budgets exactly. The generator rejected
 * seeds with near-ties at any selection or rounding boundary, so exact agreement is expected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildStats } from '../../../../analysis/attention/buildStats';
import { sparsityProfile } from '../../../../analysis/attention/sparsity';
import { HIST_BINS, type Stats } from '../../../../analysis/attention/stats';
import { type AllocatorSpec, allocate } from '../../../../analysis/policies/allocators/allocator';
import { postVisionDensity } from '../../../../analysis/policies/allocators/sparsityAware';
import { type BudgetSpec, resolveBudget } from '../../../../analysis/policies/budget';
import type { Granularity } from '../../../../analysis/policies/granularity';
import { histogramPrefix, layerSparsity } from '../../../../analysis/policies/histogramSparsity';
import { keptSet } from '../../../../analysis/policies/keptSet';
import { LiveAnalysis, type PolicyOk } from '../../../../analysis/policies/liveAnalysis';
import { computeScores, resolveScorer, type ScorerSpec } from '../../../../analysis/policies/scorers/scorer';
import { statsFromQK } from './helpers/stats';

interface Fixture {
  meta: {
    seed: number;
    dims: Stats['dims'];
    postVisionStart: number;
    slidingWindow: (number | null)[];
    scale: number;
    windowFraction: number;
    nSink: number;
  };
  Q: number[];
  K: number[];
  stats: Record<string, number[]> & { windowSums: Record<string, number[]> };
  scorers: { spec: ScorerSpec; granularity: Granularity; scores: (number | null)[] }[];
  sparsity: { rowSet: 'prefill' | 'postVision' | 'decode'; edge: number; layers: number[] }[];
  allocations: { allocator: AllocatorSpec; budget: BudgetSpec; T: number; pAlloc?: number; k: number[] }[];
  policies: {
    policy: string;
    budget: BudgetSpec;
    granularity: Granularity;
    T: number;
    k: number[];
    kept: number[][][];
    recall: number[];
    hitRate: number[];
    scorerHitRate?: number[];
    memory: { fullBytes: number; keptBytes: number };
  }[];
  recallCurve: {
    policy: string;
    pAlloc: number;
    points: { basisPoints: number; T: number; recall: number[] }[];
  };
}

const fx: Fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../fixtures/reference/policies.json'), 'utf8'),
);
const { dims } = fx.meta;
const f32 = (v: number[]) => Float32Array.from(v);
const stats: Stats = {
  dims,
  spec: {
    layers: dims.L,
    heads: dims.H,
    kvHeads: dims.Hkv,
    headDim: dims.D,
    scale: fx.meta.scale,
    softcap: null,
    slidingWindow: fx.meta.slidingWindow,
  },
  postVisionStart: fx.meta.postVisionStart,
  hist: Uint32Array.from(fx.stats.hist),
  postVision: f32(fx.stats.postVision),
  accumulated: f32(fx.stats.accumulated),
  lastQuery: f32(fx.stats.lastQuery),
  keyNorm: f32(fx.stats.keyNorm),
  windowSums: Object.fromEntries(Object.entries(fx.stats.windowSums).map(([w, v]) => [Number(w), f32(v)])),
  recallW: f32(fx.stats.recallW),
  oracle: f32(fx.stats.oracle),
  overviewSize: 0,
  overview: new Uint8Array(0),
};

/** ALGORITHMS §9 float agreement. */
function expectAgree(actual: ArrayLike<number>, expected: (number | null)[], what: string) {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const b = expected[i] ?? Number.POSITIVE_INFINITY;
    const a = actual[i];
    if (!Number.isFinite(b)) expect(a, `${what}[${i}]`).toBe(b);
    else
      expect(Math.abs(a - b), `${what}[${i}]: ${a} vs ${b}`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(b));
  }
}

describe(`policies against the numpy reference (seed ${fx.meta.seed})`, () => {
  it('rebuilds the same Stats from the fixture’s Q/K with the test helper', () => {
    const { L, H, Hkv, D, m, G } = dims;
    const n = m + G;
    const t4 = (flat: number[], heads: number) =>
      Array.from({ length: L }, (_, l) =>
        Array.from({ length: heads }, (_, h) =>
          Array.from({ length: n }, (_, q) =>
            flat.slice(((l * heads + h) * n + q) * D, ((l * heads + h) * n + q + 1) * D),
          ),
        ),
      );
    const mine = statsFromQK({
      dims,
      Q: t4(fx.Q, H),
      K: t4(fx.K, Hkv),
      postVisionStart: fx.meta.postVisionStart,
      slidingWindow: fx.meta.slidingWindow,
    });
    for (const f of ['postVision', 'accumulated', 'lastQuery', 'keyNorm', 'recallW', 'oracle'] as const)
      expectAgree(mine[f], fx.stats[f], f);
    expectAgree(mine.windowSums[32], fx.stats.windowSums['32'], 'windowSums[32]');
    // Histograms: identical totals per (l, h, row set); bins may differ only at an edge (none here).
    for (let i = 0; i < stats.hist.length; i += HIST_BINS) {
      const tot = (h: Uint32Array) => h.subarray(i, i + HIST_BINS).reduce((a, b) => a + b, 0);
      expect(tot(mine.hist)).toBe(tot(stats.hist));
    }
    expect(Array.from(mine.hist)).toEqual(Array.from(stats.hist));
  });

  it('scores every scorer at both granularities', () => {
    for (const s of fx.scorers) {
      const resolved = resolveScorer(s.spec, { nSink: fx.meta.nSink, allocatorWindow: null });
      expectAgree(
        computeScores(stats, resolved, s.granularity),
        s.scores,
        `${JSON.stringify(s.spec)} ${s.granularity}`,
      );
    }
    expect(fx.scorers.length).toBe(26);
  });

  it('reads the same layer sparsities from the histograms', () => {
    const prefix = histogramPrefix(stats.hist);
    for (const s of fx.sparsity) {
      const mine = layerSparsity(prefix, dims, s.rowSet, s.edge)!;
      for (let l = 0; l < dims.L; l++) expect(Math.abs(mine[l] - s.layers[l])).toBeLessThanOrEqual(1e-12);
    }
  });

  it('allocates exactly the same budgets with every allocator and option', () => {
    const prefix = histogramPrefix(stats.hist);
    for (const a of fx.allocations) {
      const budget = resolveBudget(a.budget, dims.L, dims.m);
      expect(budget.total).toBe(a.T);
      const got = allocate(a.allocator, {
        budget,
        L: dims.L,
        m: dims.m,
        windowFraction: fx.meta.windowFraction,
        density: () => postVisionDensity(stats, prefix, a.pAlloc ?? 120),
      });
      expect(
        Array.from(got.k),
        `${JSON.stringify(a.allocator)} ${JSON.stringify(a.budget)} p${a.pAlloc}`,
      ).toEqual(a.k);
    }
    expect(fx.allocations.length).toBe(96);
  });

  it('keeps the same sets, with the same recall, hit rates and memory, for every preset', () => {
    const runs = new Map<string, LiveAnalysis>();
    for (const p of fx.policies) {
      const key = `${JSON.stringify(p.budget)}|${p.granularity}`;
      let live = runs.get(key);
      if (!live) {
        live = new LiveAnalysis(stats, {
          kvDtype: 'f16',
          params: { budget: p.budget, granularity: p.granularity, pView: 120, windowFraction: 10, nSink: 4 },
        });
        runs.set(key, live);
      }
      const what = `${p.policy} ${key}`;
      const r = live.results().policies.find((x) => x.policy.id === p.policy)!;
      expect(r.status, what).toBe('ok');
      const ok = r as PolicyOk;
      expect(live.results().budget.total).toBe(p.T);
      expect(Array.from(ok.allocation.k), what).toEqual(p.k);
      for (let l = 0; l < dims.L; l++)
        for (let g = 0; g < ok.kept.groups; g++)
          expect(Array.from(keptSet(ok.kept, l, g)), `${what} l${l} g${g}`).toEqual(p.kept[l][g]);
      expectAgree(ok.recall.perLayer, p.recall, `${what} recall`);
      expectAgree(ok.hitRate.perLayer, p.hitRate, `${what} hit rate`);
      if (p.scorerHitRate)
        expectAgree(ok.scorerHitRate!.perLayer, p.scorerHitRate, `${what} scorer hit rate`);
      else expect(ok.scorerHitRate).toBeNull();
      expect(ok.memory).toMatchObject(p.memory);
    }
    expect(fx.policies.length).toBe(12 * 8 * 2);
  });

  it('draws the same VL-Cache recall curve', () => {
    const live = new LiveAnalysis(stats, { kvDtype: 'f16', params: { pView: fx.recallCurve.pAlloc } });
    const curve = live.recallCurve(
      'vl-cache',
      fx.recallCurve.points.map((p) => p.basisPoints),
    );
    expect(curve.status).toBe('ok');
    if (curve.status !== 'ok') return;
    fx.recallCurve.points.forEach((p, i) => {
      expect(curve.points[i].budget.total).toBe(p.T);
      expectAgree(curve.points[i].recall!.perLayer, p.recall, `curve ${p.basisPoints}`);
    });
  });
});

describe('policies on Stats from analysis/attention’s TypeScript builder', () => {
  const { L, H, Hkv, D, m, G } = dims;
  const n = m + G;
  const built = buildStats(stats.spec, { m, G, postVisionStart: fx.meta.postVisionStart }, (l) => ({
    queries: Float32Array.from(fx.Q.slice(l * H * n * D, (l + 1) * H * n * D)),
    keys: Float32Array.from(fx.K.slice(l * Hkv * n * D, (l + 1) * Hkv * n * D)),
  }));

  it('reads the same sparsities as analysis/attention', () => {
    const prefix = histogramPrefix(built.hist);
    for (const rowSet of ['prefill', 'postVision', 'decode'] as const)
      for (const edge of [0, 60, 120, 121, 150, 160])
        expect(Array.from(layerSparsity(prefix, dims, rowSet, edge)!)).toEqual(
          Array.from(sparsityProfile(built, rowSet, edge)),
        );
  });

  it('keeps the reference sets for every preset (window sums added as the engine would)', () => {
    const added = new Map<number, Float32Array>();
    const runs = new Map<string, LiveAnalysis>();
    for (const p of fx.policies) {
      const key = `${JSON.stringify(p.budget)}|${p.granularity}`;
      let live = runs.get(key);
      if (!live) {
        live = new LiveAnalysis(built, {
          kvDtype: 'f16',
          params: { budget: p.budget, granularity: p.granularity },
        });
        runs.set(key, live);
      }
      let r = live.results().policies.find((x) => x.policy.id === p.policy)!;
      if (r.status === 'missingWindow') {
        const w = r.missingWindow;
        if (!added.has(w)) added.set(w, Float32Array.from(fx.stats.windowSums[String(w)]));
        live.addWindowSums(w, added.get(w)!);
        r = live.results().policies.find((x) => x.policy.id === p.policy)!;
      }
      const what = `${p.policy} ${key}`;
      expect(r.status, what).toBe('ok');
      const ok = r as PolicyOk;
      expect(Array.from(ok.allocation.k), what).toEqual(p.k);
      for (let l = 0; l < L; l++)
        for (let g = 0; g < ok.kept.groups; g++)
          expect(Array.from(keptSet(ok.kept, l, g)), `${what} l${l} g${g}`).toEqual(p.kept[l][g]);
      expectAgree(ok.recall.perLayer, p.recall, `${what} recall`);
    }
  });
});
