/**
 * The shared table (STYLE rule 13): every registered preset runs through the same properties on
 * random recordings (random Q/K → attention → Stats, helpers/stats.ts) and random parameters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Stats } from '../../../../analysis/attention/stats';
import { percentBudget, resolveBudget, tokenBudget } from '../../../../analysis/policies/budget';
import { keptSet } from '../../../../analysis/policies/keptSet';
import { LiveAnalysis, type PolicyOk } from '../../../../analysis/policies/liveAnalysis';
import type { Policy } from '../../../../analysis/policies/policy';
import { PRESET_IDS, PRESETS } from '../../../../analysis/policies/registry';
import { randomQK, statsFromQK } from './helpers/stats';

const RUNS = 25;

/** A random recording with τ ≥ 1 and window sums for every w (PyramidKV's w varies with the budget). */
const recording = fc
  .record({
    L: fc.integer({ min: 1, max: 3 }),
    Hkv: fc.integer({ min: 1, max: 2 }),
    g: fc.integer({ min: 1, max: 2 }),
    m: fc.integer({ min: 4, max: 14 }),
    G: fc.integer({ min: 1, max: 3 }),
    tau: fc.integer({ min: 1, max: 5 }),
    seed: fc.nat(),
    spread: fc.constantFrom(0.5, 2, 4),
    window: fc.option(fc.integer({ min: 2, max: 6 }), { nil: null }),
  })
  .map((r): Stats => {
    const dims = { L: r.L, H: r.Hkv * r.g, Hkv: r.Hkv, D: 4, m: r.m, G: r.G };
    const v = Math.max(1, r.m - r.tau);
    const qk = randomQK(dims, r.seed, v, r.spread, new Array(r.L).fill(r.window));
    return statsFromQK({ ...qk, extraWindows: Array.from({ length: r.m }, (_, i) => i + 1) });
  });

const params = fc.record({
  budget: fc.oneof(
    fc.integer({ min: 0, max: 10000 }).map(percentBudget),
    fc.integer({ min: 0, max: 16 }).map(tokenBudget),
  ),
  windowFraction: fc.constantFrom(0, 10, 25, 50),
  nSink: fc.integer({ min: 0, max: 5 }),
  granularity: fc.constantFrom('kvHead' as const, 'layer' as const),
  pView: fc.integer({ min: 100, max: 160 }),
});

type Params = typeof params extends fc.Arbitrary<infer T> ? T : never;

function run(stats: Stats, policy: string | Policy, p: Params): PolicyOk {
  const live = new LiveAnalysis(stats, { kvDtype: 'f16', params: { ...p, policies: [policy] } });
  const r = live.results().policies[0];
  expect(r.status).toBe('ok');
  return r as PolicyOk;
}

/** The preset's scorer with the uniform allocator (what "fixed scorer, uniform allocation" means). */
function uniformVariant(p: Policy): Policy | null {
  if (!p.scorer) return null;
  const scorer = p.scorer.id === 'window' && p.scorer.w === 'allocator' ? { ...p.scorer, w: 3 } : p.scorer;
  const window = p.window.recent === 'allocator' ? { ...p.window, recent: 'fraction' as const } : p.window;
  return { ...p, id: `${p.id}+uniform`, scorer, allocator: { id: 'uniform' }, window };
}

it('registers the twelve presets of ALGORITHMS §6 once each', () => {
  expect(PRESET_IDS).toHaveLength(12);
  expect(new Set(PRESET_IDS).size).toBe(12);
});

it('lists exactly the registered presets, with their papers, in docs/policies.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../../docs/policies.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Presets'), doc.indexOf('## Building blocks'));
  const rows = table.split('\n').filter((line) => line.startsWith('| `'));
  expect(rows.map((r) => r.slice(3, r.indexOf('`', 3)))).toEqual([...PRESET_IDS]);
  for (const [i, p] of PRESETS.entries()) {
    expect(rows[i]).toContain(`| ${p.label} |`);
    if (p.paper) expect(rows[i]).toContain(p.paper.url);
  }
});

describe.each(PRESETS.map((p): [string, Policy] => [p.id, p]))('%s', (id, policy) => {
  it('is documented: label, note, paper (except the baselines)', () => {
    expect(policy.label).not.toBe('');
    expect(policy.note).toBeTruthy();
    if (id !== 'full' && id !== 'random')
      expect(policy.paper?.url).toMatch(/^https:\/\/arxiv\.org\/abs\/\d{4}\.\d{5}$/);
  });

  it('keeps exactly k_l sorted prompt positions per (layer, group), 1 ≤ k_l ≤ m, window included', () => {
    fc.assert(
      fc.property(recording, params, (stats, p) => {
        const r = run(stats, id, p);
        const { L, m } = stats.dims;
        const { kept, allocation } = r;
        expect(kept.groups).toBe(p.granularity === 'kvHead' ? stats.dims.Hkv : 1);
        for (let l = 0; l < L; l++) {
          const k = allocation.k[l];
          expect(k >= 1 && k <= m).toBe(true);
          for (let g = 0; g < kept.groups; g++) {
            const s = Array.from(keptSet(kept, l, g));
            expect(s.length).toBe(k);
            for (let i = 0; i < s.length; i++)
              expect(s[i] >= 0 && s[i] < m && (i === 0 || s[i] > s[i - 1])).toBe(true);
            const W = kept.window[l];
            for (let j = m - W; j < m; j++) expect(s).toContain(j);
            // The recent-fraction rule: at least ⌊f·k/100⌋ recent tokens (StreamingLLM keeps more).
            if (policy.window.recent === 'fraction' && !policy.window.sinks && k < m)
              expect(W).toBeGreaterThanOrEqual(Math.floor((p.windowFraction * k) / 100));
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('allocates exactly T when its allocator renormalises', () => {
    fc.assert(
      fc.property(recording, params, (stats, p) => {
        const r = run(stats, id, p);
        const budget = resolveBudget(p.budget, stats.dims.L, stats.dims.m);
        const { allocator } = policy;
        if (allocator.id === 'full') expect(r.allocation.total).toBe(stats.dims.L * stats.dims.m);
        else if (allocator.id !== 'sparsityAware' || allocator.mode === 'renormalize' || budget.full)
          expect(r.allocation.total).toBe(budget.total);
        expect(r.memory.keptFraction).toBeCloseTo(r.allocation.total / (stats.dims.L * stats.dims.m), 12);
      }),
      { numRuns: RUNS },
    );
  });

  it('has recall non-decreasing in α for its scorer with uniform allocation', () => {
    const variant = uniformVariant(policy);
    fc.assert(
      fc.property(
        recording,
        params,
        fc.array(fc.integer({ min: 0, max: 10000 }), { minLength: 2, maxLength: 6 }),
        (stats, p, bps) => {
          const live = new LiveAnalysis(stats, { kvDtype: 'f16', params: { ...p, policies: [] } });
          const grid = [...bps].sort((a, b) => a - b);
          const curve = live.recallCurve(variant ?? policy, grid);
          expect(curve.status).toBe('ok');
          if (curve.status !== 'ok') return;
          const recalls = curve.points.map((pt) => pt.recall!.overall);
          for (let i = 1; i < recalls.length; i++)
            expect(recalls[i]).toBeGreaterThanOrEqual(recalls[i - 1] - 1e-12);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('keeps everything at 100 %: recall 1, hit rate 1, full memory', () => {
    fc.assert(
      fc.property(recording, params, (stats, p) => {
        const r = run(stats, id, { ...p, budget: percentBudget(10000) });
        const { L, m } = stats.dims;
        expect(Array.from(r.allocation.k)).toEqual(new Array(L).fill(m));
        expect(r.recall.overall).toBe(1);
        expect(Array.from(r.recall.perLayer)).toEqual(new Array(L).fill(1));
        expect(r.hitRate.overall).toBe(1);
        expect(r.scorerHitRate?.overall ?? 1).toBe(1);
        expect(r.memory.keptPercent).toBe(100);
        expect(Array.from(keptSet(r.kept, L - 1, 0))).toEqual(Array.from({ length: m }, (_, j) => j));
      }),
      { numRuns: RUNS },
    );
  });
});
