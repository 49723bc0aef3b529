import { describe, expect, it } from 'vitest';
import { percentBudget, tokenBudget } from '../../../../analysis/policies/budget';
import {
  EmptyPostVisionError,
  InvalidBudgetError,
  InvalidParamsError,
  InvalidPolicyError,
  StatsShapeError,
} from '../../../../analysis/policies/errors';
import { keptSet } from '../../../../analysis/policies/keptSet';
import { LiveAnalysis, type PolicyOk, type PolicyResult } from '../../../../analysis/policies/liveAnalysis';
import type { Policy } from '../../../../analysis/policies/policy';
import { PRESET_IDS } from '../../../../analysis/policies/registry';
import { catchError } from './helpers/catchError';
import { expectClose } from './helpers/expectClose';
import { EXAMPLE_DIMS, EXAMPLE_V, exampleAttention, exampleKeyNorm, exampleStats } from './helpers/example';
import { statsFromAttention } from './helpers/stats';

const byId = (policies: PolicyResult[], id: string) => policies.find((p) => p.policy.id === id)!;
const ok = (r: PolicyResult) => {
  expect(r.status).toBe('ok');
  return r as PolicyOk;
};
const sets = (r: PolicyOk, l: number) =>
  Array.from({ length: r.kept.groups }, (_, g) => Array.from(keptSet(r.kept, l, g)));

/** Observation-window sums for a w the example Stats lack, as the engine would compute them. */
function windowSumsFor(w: number): Float32Array {
  const s = statsFromAttention({
    dims: EXAMPLE_DIMS,
    postVisionStart: EXAMPLE_V,
    attention: exampleAttention,
    keyNorm: exampleKeyNorm,
    extraWindows: [w],
  });
  return s.windowSums[w];
}

describe('LiveAnalysis on the hand-computed example', () => {
  it('evaluates VL-Cache end to end', () => {
    // Budget 50 %: T = ⌊(5000·16 + 5000)/10000⌋ = 8. Threshold edge 150 (e = −.5): d = [.6, 1]
    // (sparsityAware.test.ts) → λ·[4.8, 8] = 8 → λ = .625 → x = [3, 5] → k = [3, 5]. f = 10 →
    // w_l = ⌊.3⌋ = ⌊.5⌋ = 0, no window.
    const live = new LiveAnalysis(exampleStats(), {
      kvDtype: 'f16',
      params: { budget: percentBudget(5000), pView: 150, policies: ['vl-cache'] },
    });
    const r = ok(live.results().policies[0]);
    expect(Array.from(r.allocation.k)).toEqual([3, 5]);
    expect(r.allocation.total).toBe(8);
    // Layer 0 post-vision scores: KV 0 [.4, .7, .4, .4, .9, .6, .4, .2] → top 3 = 4, 1, 5;
    // KV 1 [.4, .4, .4, .9, .4, .4, .7, .4] → 3, 6, then the .4 tie → 0.
    expect(sets(r, 0)).toEqual([
      [1, 4, 5],
      [0, 3, 6],
    ]);
    // Layer 1 (uniform rows: 15/28 for j ≤ 6, 1/4 for j = 7) → the five lowest positions.
    expect(sets(r, 1)).toEqual([
      [0, 1, 2, 3, 4],
      [0, 1, 2, 3, 4],
    ]);
    // Recall (weights in recall.test.ts): layer 0 = (7/12·4 + (2/9 + 1/4)·2)/8 = (84 + 34)/36/8
    // = 59/144; layer 1 = 5 keys · 2 KV heads · 1/2 / 8 = 5/8.
    expect(r.recall.perLayer[0]).toBeCloseTo(59 / 144, 6);
    expect(r.recall.perLayer[1]).toBeCloseTo(5 / 8, 6);
    expect(r.recall.overall).toBeCloseTo((59 / 144 + 5 / 8) / 2, 6);
    // Policy-mode hit rate, layer 0 (k = 3): oracle top 3 = {1, 4, 0} and {0, 3, 1} → 2/3 each.
    // Layer 1 (k = 5): the uniform oracle's top 5 = [0, 5) = the kept sets → 1.
    expect(r.hitRate.perLayer[0]).toBeCloseTo(2 / 3, 12);
    expect(r.hitRate.perLayer[1]).toBe(1);
    // Scorer mode, k = ⌊8/2⌋ = 4: KV 0 scores {4, 1, 5, 0} vs oracle {1, 4, 0, 2} → 3/4; KV 1
    // {3, 6, 0, 1} vs {0, 3, 1, 2} → 3/4.
    expect(r.scorerHitRate!.perLayer[0]).toBe(0.75);
    // Memory (f16): 8 of 16 token-layers → 128 of 256 bytes.
    expect(r.memory).toMatchObject({ fullBytes: 256, keptBytes: 128, keptPercent: 50 });
    // γ′ at pAlloc, and view sparsity at pView: decode rows are not sparse at e = −.5.
    expect(live.results().allocSparsity![0]).toBeCloseTo(0.4, 12);
    expect(Array.from(live.results().viewSparsity.decode!)).toEqual([0, 0]);
  });

  it('runs all twelve presets by default; PyramidKV waits for its window sums', () => {
    // Default budget 10 %: T = 2 = L → k = [1, 1]. PyramidKV: w = max(1, ⌊10·2/200⌋) = 1, B = 1 ≤ w
    // → uniform; its scorer needs windowSums[1], which the Stats lack.
    const live = new LiveAnalysis(exampleStats(), { kvDtype: 'f32' });
    const res = live.results();
    expect(res.policies.map((p) => p.policy.id)).toEqual(PRESET_IDS);
    expect(res.budget).toMatchObject({
      total: 2,
      requestedPercent: 10,
      realisedPercent: 12.5,
      differs: true,
    });
    const pyr = byId(res.policies, 'pyramidkv');
    expect(pyr).toMatchObject({ status: 'missingWindow', missingWindow: 1 });
    if (pyr.status === 'missingWindow') expect(Array.from(pyr.allocation.k)).toEqual([1, 1]);
    for (const p of res.policies) if (p.policy.id !== 'pyramidkv') expect(p.status).toBe('ok');
    live.addWindowSums(1, windowSumsFor(1));
    // w_obs = 1: the last position is always kept; with k = 1 that is all.
    const filled = ok(byId(live.results().policies, 'pyramidkv'));
    expect(sets(filled, 0)).toEqual([[7], [7]]);
  });

  it('handles budgets below the window and below nSink', () => {
    // k = 1: SnapKV (w_obs = min(32, 7) = 7 > k) keeps only the last position; StreamingLLM
    // (k ≤ nSink = 4) keeps the first.
    const live = new LiveAnalysis(exampleStats(), { kvDtype: 'f16', params: { budget: tokenBudget(1) } });
    const res = live.results().policies;
    expect(sets(ok(byId(res, 'snapkv')), 1)).toEqual([[7], [7]]);
    expect(sets(ok(byId(res, 'streaming-llm')), 0)).toEqual([[0], [0]]);
    // k = 6 with nSink = 2: sinks [0, 2) + the last 4.
    const six = live.update({ budget: tokenBudget(6), nSink: 2 }).policies;
    expect(sets(ok(byId(six, 'streaming-llm')), 0)[0]).toEqual([0, 1, 4, 5, 6, 7]);
  });

  it('keeps everything at 100 % for every policy', () => {
    const live = new LiveAnalysis(exampleStats(), {
      kvDtype: 'f16',
      params: { budget: percentBudget(10000) },
    });
    for (const p of live.results().policies) {
      const r = ok(p);
      expect(r.recall.overall).toBe(1);
      expect(r.hitRate.overall).toBe(1);
      expect(r.memory.keptPercent).toBe(100);
      expect(sets(r, 0)[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it('reports the post-vision policies as unavailable when τ = 0, at every budget', () => {
    for (const budget of [percentBudget(1000), percentBudget(10000)]) {
      const live = new LiveAnalysis(exampleStats(8), { kvDtype: 'f16', params: { budget } });
      const res = live.results();
      for (const id of ['vl-cache', 'ablation-vlcache-uniform', 'ablation-h2o-sparsity']) {
        const r = byId(res.policies, id);
        expect(r.status).toBe('unavailable');
        if (r.status === 'unavailable') expect(r.error).toBeInstanceOf(EmptyPostVisionError);
      }
      expect(byId(res.policies, 'h2o').status).toBe('ok');
      expect(res.allocSparsity).toBeNull();
      expect(res.viewSparsity.postVision).toBeNull();
      expect(live.recallCurve('vl-cache').status).toBe('unavailable');
    }
  });

  it('shares one kept set per layer at layer granularity', () => {
    const live = new LiveAnalysis(exampleStats(), {
      kvDtype: 'f16',
      params: { budget: tokenBudget(2), granularity: 'layer', policies: ['ablation-vlcache-uniform'] },
    });
    // Summed post-vision scores of layer 0: [.8, 1.1, .8, 1.3, 1.3, 1.0, 1.1, .6] → top 2 = {3, 4}.
    const r = ok(live.results().policies[0]);
    expect(r.kept.groups).toBe(1);
    expect(sets(r, 0)).toEqual([[3, 4]]);
  });
});

describe('LiveAnalysis invalidation', () => {
  const make = () =>
    new LiveAnalysis(exampleStats(), { kvDtype: 'f16', params: { budget: percentBudget(5000) } });

  it('a threshold change re-allocates the sparsity-aware policies only', () => {
    const live = make();
    const before = live.results().policies;
    // Edge 120 → d = [1, 1] → VL-Cache k = [4, 4]; edge 150 → [3, 5].
    expect(Array.from(ok(byId(before, 'vl-cache')).allocation.k)).toEqual([4, 4]);
    const after = live.update({ pView: 150 }).policies;
    expect(Array.from(ok(byId(after, 'vl-cache')).allocation.k)).toEqual([3, 5]);
    for (let i = 0; i < before.length; i++) {
      const sparsityAware = before[i].policy.allocator.id === 'sparsityAware';
      if (sparsityAware) expect(after[i]).not.toBe(before[i]);
      else expect(after[i]).toBe(before[i]);
    }
  });

  it('a threshold change that leaves the allocation as it was changes nothing', () => {
    const live = make();
    const before = live.results().policies;
    const after = live.update({ pView: 121 }).policies;
    for (let i = 0; i < before.length; i++) expect(after[i]).toBe(before[i]);
  });

  it('a budget change redoes every policy but the full cache', () => {
    const live = make();
    const before = live.results().policies;
    const after = live.update({ budget: percentBudget(2500) }).policies;
    for (let i = 0; i < before.length; i++) {
      if (before[i].policy.id === 'full') expect(after[i]).toBe(before[i]);
      else expect(after[i]).not.toBe(before[i]);
    }
    // Back to the first budget: fresh results equal to the first ones.
    const again = live.update({ budget: percentBudget(5000) }).policies;
    expect(Array.from(ok(again[1]).kept.indices)).toEqual(Array.from(ok(before[1]).kept.indices));
  });

  it('a window-fraction change leaves policies without a recent-fraction rule alone', () => {
    const live = make();
    const before = live.results().policies;
    const after = live.update({ windowFraction: 50 }).policies;
    expect(byId(after, 'snapkv')).toBe(byId(before, 'snapkv'));
    expect(byId(after, 'h2o')).not.toBe(byId(before, 'h2o'));
  });

  it('results() is memoised until a change', () => {
    const live = make();
    expect(live.results()).toBe(live.results());
  });
});

describe('LiveAnalysis parameters', () => {
  it('links the thresholds by default and unlinks on request', () => {
    const live = new LiveAnalysis(exampleStats(), { kvDtype: 'f16' });
    expect(live.params).toMatchObject({ pView: 120, pAlloc: 120, linked: true });
    live.update({ pAlloc: 130 });
    expect(live.params).toMatchObject({ pView: 130, pAlloc: 130 });
    live.update({ linked: false, pAlloc: 140 });
    expect(live.params).toMatchObject({ pView: 130, pAlloc: 140 });
    expect(() => live.update({ linked: true, pView: 1, pAlloc: 2 })).toThrow(InvalidParamsError);
  });

  it.each([
    [{ pView: 161 }, 'pView'],
    [{ pAlloc: -1, linked: false }, 'pAlloc'],
    [{ windowFraction: 101 }, 'windowFraction'],
    [{ windowFraction: 2.5 }, 'windowFraction'],
    [{ nSink: -1 }, 'nSink'],
    [{ granularity: 'head' as never }, 'granularity'],
  ])('rejects %j', (patch, param) => {
    const live = new LiveAnalysis(exampleStats(), { kvDtype: 'f16' });
    const e = catchError(() => live.update(patch), InvalidParamsError);
    expect(e.code).toBe('invalid-params');
    expect((e.details as { param: string }).param).toBe(param);
    // A rejected change leaves the analysis as it was.
    expect(live.params.windowFraction).toBe(10);
  });

  it('rejects bad budgets, compositions, dtypes and Stats', () => {
    const stats = exampleStats();
    const live = new LiveAnalysis(stats, { kvDtype: 'f16' });
    expect(() => live.update({ budget: percentBudget(20000) })).toThrow(InvalidBudgetError);
    const bad: Policy = {
      id: 'x',
      label: 'x',
      scorer: { id: 'window', w: 'allocator' },
      allocator: { id: 'uniform' },
      window: { recent: 'none' },
      paper: null,
    };
    expect(() => live.update({ policies: [bad] })).toThrow(InvalidPolicyError);
    expect(() => live.update({ policies: ['nope'] })).toThrow(InvalidPolicyError);
    expect(() => new LiveAnalysis(stats, { kvDtype: 'f8' as never })).toThrow(InvalidParamsError);
    expect(() => new LiveAnalysis({ ...stats, recallW: new Float32Array(3) }, { kvDtype: 'f16' })).toThrow(
      StatsShapeError,
    );
    expect(() => live.addWindowSums(3, new Float32Array(5))).toThrow(StatsShapeError);
  });

  it('evaluates custom compositions next to presets', () => {
    const custom: Policy = {
      id: 'knorm-pyramid',
      label: 'K-norm × pyramid',
      scorer: { id: 'keyNorm' },
      allocator: { id: 'pyramid', beta: 2 },
      window: { recent: 'allocator' },
      paper: null,
    };
    const live = new LiveAnalysis(exampleStats(), {
      kvDtype: 'f16',
      params: { budget: tokenBudget(4), policies: ['h2o', custom] },
    });
    const r = ok(live.results().policies[1]);
    // T = 8, L = 2, B = 4, w = max(1, ⌊.4⌋) = 1; min = 3/2 = 1.5, max = 6 − 1.5 = 4.5 → x = [5.5, 2.5]
    // → floors [5, 2], one left over, tie → layer 0 → [6, 2].
    expect(Array.from(r.allocation.k)).toEqual([6, 2]);
    // Recent window w = 1 (position 7); KV 0 keeps the smallest norms 1 + j/8 → 0..4; KV 1 (2 − j/8)
    // the largest positions → 2..6 besides the window.
    expect(sets(r, 0)).toEqual([
      [0, 1, 2, 3, 4, 7],
      [2, 3, 4, 5, 6, 7],
    ]);
  });
});

describe('recall curves', () => {
  it('covers the nine-point grid, ends at 1, and follows the threshold', () => {
    const live = new LiveAnalysis(exampleStats(), { kvDtype: 'f16' });
    const curve = live.recallCurve('vl-cache');
    expect(curve.status).toBe('ok');
    if (curve.status !== 'ok') return;
    expect(curve.points.map((p) => p.basisPoints)).toEqual([
      100, 200, 500, 1000, 2000, 4000, 6000, 8000, 10000,
    ]);
    expect(curve.points.at(-1)!.recall!.overall).toBe(1);
    expect(live.recallCurve('vl-cache')).toBe(curve);
    // The 50 % point equals the policy's own recall at 50 % (up to the order of summation).
    const at50 = live.recallCurve('vl-cache', [5000]);
    const r = ok(live.update({ budget: percentBudget(5000) }).policies[1]);
    expect(at50.status).toBe('ok');
    if (at50.status === 'ok') expectClose(at50.points[0].recall!.perLayer, Array.from(r.recall.perLayer), 12);
    // A threshold change recomputes the curve.
    live.update({ pView: 150 });
    expect(live.recallCurve('vl-cache')).not.toBe(curve);
  });

  it('flags points whose window sums are missing', () => {
    const live = new LiveAnalysis(exampleStats(), { kvDtype: 'f16' });
    const curve = live.recallCurve('pyramidkv', [1000, 10000]);
    // 10 %: w = 1 (missing); 100 %: everything is kept, no scores needed.
    expect(curve.status === 'ok' && curve.points.map((p) => p.missingWindow)).toEqual([1, null]);
  });
});

describe('LiveAnalysis.scores', () => {
  it('returns any scorer’s vector at the current granularity', () => {
    const live = new LiveAnalysis(exampleStats(), { kvDtype: 'f16' });
    expect(live.scores({ id: 'postVision' })[4]).toBeCloseTo(0.9, 6);
    expect(live.scores({ id: 'postVision' }, 'layer').length).toBe(16);
    expect(() => live.scores({ id: 'window', w: 'allocator' })).toThrow(InvalidPolicyError);
    expect(() => live.scores({ id: 'window', w: 5 })).toThrow(/no observation-window sums for w = 5/);
  });
});
