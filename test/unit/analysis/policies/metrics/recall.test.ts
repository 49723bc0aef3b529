import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateGroups } from '../../../../../analysis/policies/granularity';
import {
  fullKept,
  type KeptSets,
  selectKept,
  sinkKept,
  sinkTail,
} from '../../../../../analysis/policies/keptSet';
import {
  attentionRecall,
  prefixSums,
  rangeRecall,
  rankedRecall,
  recallTotals,
} from '../../../../../analysis/policies/metrics/recall';
import { rankScores } from '../../../../../analysis/policies/ranking';
import { expectClose } from '../helpers/expectClose';
import { rng } from '../helpers/stats';
import { exampleAttention, exampleStats } from '../helpers/example';

/** Kept sets from explicit lists per (layer, group). */
function sets(m: number, lists: number[][][]): KeptSets {
  const L = lists.length;
  const groups = lists[0].length;
  const k = Int32Array.from(lists.map((l) => l[0].length));
  const flat = lists.flat();
  const offsets = new Int32Array(flat.length + 1);
  flat.forEach((s, i) => {
    offsets[i + 1] = offsets[i] + s.length;
  });
  return { L, groups, m, k, window: new Int32Array(L), offsets, indices: Int32Array.from(flat.flat()) };
}

describe('attention recall (ALGORITHMS §7)', () => {
  const stats = exampleStats();

  it('sums the recall weights over the kept keys', () => {
    // Layer 0, decode rows 8 (peaked, .2 on the peak and .1 elsewhere over 9 keys; .9 of it on the
    // prompt) and 9 (uniform .1 over 10 keys; .8 on the prompt). Weights per head: row 8 → 2/9 on the
    // peak, 1/9 elsewhere; row 9 → 1/8 everywhere.
    // KV 0 (heads 0, 1; peaks 4 and 1): w = 3/9 + 1/4 = 7/12 at keys 1 and 4, 2/9 + 1/4 elsewhere.
    // KV 1 (heads 2, 3; peaks 3 and 0): 7/12 at keys 0 and 3.
    // Kept {1, 4} and {0, 3}: (7/12 · 4) / (H·G = 8) = 7/24.
    const r = attentionRecall(
      stats.recallW,
      sets(8, [
        [
          [1, 4],
          [0, 3],
        ],
        [
          [0, 1],
          [0, 1],
        ],
      ]),
    );
    expect(r.perLayer[0]).toBeCloseTo(7 / 24, 6);
    // Layer 1 is uniform: decode rows give 1/9 and 1/10 per key, over 8/9 and 8/10 → 1/8 + 1/8 per
    // head per key; 2 keys × 2 KV heads × 2 heads × 1/4 / 8 = 1/4.
    expect(r.perLayer[1]).toBeCloseTo(0.25, 6);
    expect(r.overall).toBeCloseTo((7 / 24 + 0.25) / 2, 6);
  });

  it('equals the direct definition Σ_h Σ_r Σ_{j∈kept} A/Σ_{j<m} A / (H·G)', () => {
    const keptLists = [
      [0, 2, 5],
      [1, 6, 7],
    ];
    let direct = 0;
    for (let h = 0; h < 4; h++)
      for (const r of [8, 9]) {
        let toPrompt = 0;
        for (let j = 0; j < 8; j++) toPrompt += exampleAttention(0, h, r, j);
        for (const j of keptLists[Math.floor(h / 2)]) direct += exampleAttention(0, h, r, j) / toPrompt;
      }
    const r = attentionRecall(stats.recallW, sets(8, [keptLists, keptLists]));
    expect(r.perLayer[0]).toBeCloseTo(direct / 8, 6);
  });

  it('divides by the summed weights (H·G up to f32 rounding), so it never exceeds 1', () => {
    // Weights whose f32 sum overshoots H·G = 1 slightly: a set missing a zero-weight key still has
    // recall ≤ 1, and the full set has exactly 1.
    const w = Float32Array.from([0.1, 0.2, 0.3, 0.4000001, 0]);
    const part = attentionRecall(w, sets(5, [[[0, 1, 2, 3]]]));
    expect(part.perLayer[0]).toBeLessThanOrEqual(1);
    expect(part.perLayer[0]).toBeCloseTo(1, 6);
    expect(attentionRecall(w, sets(5, [[[1, 3]]])).perLayer[0]).toBeCloseTo(0.6 / 1.0000001, 6);
    // No decode row sees a prompt key (all weights 0): nothing to lose.
    expect(attentionRecall(new Float32Array(5), sets(5, [[[0]]])).perLayer[0]).toBe(1);
  });

  it('is exactly 1 when a layer keeps every prompt key', () => {
    const r = attentionRecall(stats.recallW, fullKept(2, 2, 8));
    expect(Array.from(r.perLayer)).toEqual([1, 1]);
    expect(r.overall).toBe(1);
  });

  it('shares one set over all heads at layer granularity', () => {
    // The same lists for both KV heads at kvHead granularity give the same recall.
    const w = aggregateGroups(stats.recallW, stats.dims, 'layer');
    const layer = attentionRecall(w, sets(8, [[[1, 4]], [[0, 1]]]));
    const kv = attentionRecall(
      stats.recallW,
      sets(8, [
        [
          [1, 4],
          [1, 4],
        ],
        [
          [0, 1],
          [0, 1],
        ],
      ]),
    );
    expect(layer.perLayer[0]).toBeCloseTo(kv.perLayer[0], 6);
    // KV 0: 7/12 + 7/12; KV 1: (2/9 + 1/4) · 2 → (7/6 + 17/18) / 8 = (38/18) / 8 = 19/72.
    expect(layer.perLayer[0]).toBeCloseTo(19 / 72, 6);
  });
});

describe('recall without building the sets (recall curves)', () => {
  it('rankedRecall equals attentionRecall of selectKept’s sets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (m, groups, seed, kSeed, wSeed) => {
          const r = rng(seed);
          const L = 2;
          const scores = Float32Array.from({ length: L * groups * m }, () => Math.floor(r() * 8));
          const w = Float32Array.from({ length: L * groups * m }, () => r());
          const ranking = rankScores(scores, groups, m);
          const k = Int32Array.from({ length: L }, (_, l) => 1 + ((kSeed >> (4 * l)) % m));
          const W = Int32Array.from(k, (kl, l) => (wSeed >> (4 * l)) % (kl + 1));
          const totals = recallTotals(w, L, groups, m);
          const direct = attentionRecall(w, selectKept(ranking, k, W), totals);
          const fast = rankedRecall(
            ranking,
            w,
            prefixSums(w, L * groups, m, ranking.order),
            prefixSums(w, L * groups, m),
            totals,
            k,
            W,
          );
          expectClose(fast.perLayer, Array.from(direct.perLayer), 12);
        },
      ),
    );
  });

  it('rangeRecall equals attentionRecall of StreamingLLM’s sets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 30 }),
        fc.nat(),
        fc.integer({ min: 0, max: 6 }),
        (m, seed, nSink) => {
          const r = rng(seed);
          const w = Float32Array.from({ length: 2 * m }, () => r());
          const k = Int32Array.from([1 + (seed % m), m]);
          const recent = Int32Array.from(k, (x) => Math.floor(x / 3));
          for (const mode of ['sinksPlusRecent', 'budgetMinusWindow'] as const) {
            const kept = sinkKept(k, recent, m, 1, nSink, mode);
            const tail = Int32Array.from(k, (x, l) => sinkTail(x, recent[l], nSink, mode));
            const totals = recallTotals(w, 2, 1, m);
            const fast = rangeRecall(prefixSums(w, 2, m), totals, k, tail, 1, m);
            expectClose(fast.perLayer, Array.from(attentionRecall(w, kept, totals).perLayer), 12);
          }
        },
      ),
    );
  });
});
