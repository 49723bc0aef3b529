import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateGroups } from '../../../../../analysis/policies/granularity';
import { keptSet, selectKept } from '../../../../../analysis/policies/keptSet';
import { policyHitRate, scorerHitRate, scorerModeK } from '../../../../../analysis/policies/metrics/hitRate';
import { rankScores } from '../../../../../analysis/policies/ranking';
import { keptMetrics } from '../../../../../analysis/policies/metrics/keptMetrics';
import { attentionRecall, recallTotals } from '../../../../../analysis/policies/metrics/recall';
import { postVisionScore } from '../../../../../analysis/policies/scorers/postVision';
import { rng } from '../helpers/stats';
import { exampleStats } from '../helpers/example';

// Oracle = decode row 8 of layer 0. KV 0 (heads 0, 1 with peaks .2 at 4 and 1): o = .3 at keys 1 and
// 4, .2 elsewhere. KV 1 (peaks at 3 and 0): .3 at 0 and 3. Layer 1 (uniform 1/9): 2/9 everywhere.
const stats = exampleStats();
const oracle = rankScores(stats.oracle, 2, 8);
const ints = (...x: number[]) => Int32Array.from(x);

/** Kept sets with given first-layer lists (k from their length; layer 1 keeps [0, k)). */
function keptWith(k: number, kv0: number[], kv1: number[]) {
  const scores = new Float32Array(2 * 2 * 8);
  for (const j of kv0) scores[j] = 1;
  for (const j of kv1) scores[8 + j] = 1;
  return selectKept(rankScores(scores, 2, 8), ints(k, k), ints(0, 0));
}

describe('CacheHitRate, policy mode', () => {
  it('counts kept keys among the oracle’s top k_l', () => {
    // k = 2: TopK(o_KV0) = {1, 4}, TopK(o_KV1) = {0, 3}.
    // Kept {1, 4}, {0, 3} → (2/2 + 2/2)/2 = 1; kept {0, 1}, {0, 3} → (1/2 + 1)/2 = .75.
    expect(policyHitRate(keptWith(2, [1, 4], [0, 3]), oracle).perLayer[0]).toBe(1);
    const half = keptWith(2, [0, 1], [0, 3]);
    expect(Array.from(keptSet(half, 0, 0))).toEqual([0, 1]);
    expect(policyHitRate(half, oracle).perLayer[0]).toBe(0.75);
  });

  it('breaks oracle ties toward the lower position', () => {
    // k = 3: TopK(o_KV0, 3) = {1, 4} plus the first of the .2 tie, key 0.
    // Kept {0, 1, 4} → 3/3; kept {1, 2, 4} → 2/3. KV 1: {0, 3, 1} vs kept {0, 1, 3} → 3/3.
    expect(policyHitRate(keptWith(3, [0, 1, 4], [0, 1, 3]), oracle).perLayer[0]).toBe(1);
    expect(policyHitRate(keptWith(3, [1, 2, 4], [0, 1, 3]), oracle).perLayer[0]).toBeCloseTo(
      (2 / 3 + 1) / 2,
      12,
    );
  });
});

describe('CacheHitRate, scorer mode', () => {
  it('uses k = max(1, ⌊T/L⌋) and no windows', () => {
    expect(scorerModeK(4, 2)).toBe(2);
    expect(scorerModeK(1, 2)).toBe(1);
    // Post-vision scores, layer 0: KV 0 [.4, .7, .4, .4, .9, .6, .4, .2] → top 2 {4, 1} = oracle's
    // {1, 4} → 1; KV 1 [.4, .4, .4, .9, .4, .4, .7, .4] → {3, 6} vs {0, 3} → 1/2. CHR_0 = .75.
    const r = scorerHitRate(rankScores(postVisionScore(stats), 2, 8), oracle, 2, 2);
    expect(r.perLayer[0]).toBe(0.75);
  });

  it('uses one set per layer with the oracle summed over all heads at layer granularity', () => {
    // Layer 0 summed oracle: keys 0, 1, 3, 4 at .5, others .4 → top 2 = {0, 1} (ties to lower).
    // Summed post-vision: [.8, 1.1, .8, 1.3, 1.3, 1.0, 1.1, .6] → top 2 = {3, 4} → 0/2.
    const o = rankScores(aggregateGroups(stats.oracle, stats.dims, 'layer'), 1, 8);
    expect(Array.from(o.order.subarray(0, 2))).toEqual([0, 1]);
    const r = scorerHitRate(rankScores(postVisionScore(stats, 'layer'), 1, 8), o, 2, 2);
    expect(r.perLayer[0]).toBe(0);
    // k = 4: scores {3, 4, 1, 6} vs oracle {0, 1, 3, 4} → 3/4.
    expect(scorerHitRate(rankScores(postVisionScore(stats, 'layer'), 1, 8), o, 4, 2).perLayer[0]).toBe(0.75);
  });
});

describe('recall and hit rate in one pass', () => {
  it('equals attentionRecall and policyHitRate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 25 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        (m, groups, seed) => {
          const r = rng(seed);
          const n = 3 * groups * m;
          const ranking = rankScores(
            Float32Array.from({ length: n }, () => r()),
            groups,
            m,
          );
          const oracleRanking = rankScores(
            Float32Array.from({ length: n }, () => Math.floor(r() * 4)),
            groups,
            m,
          );
          const w = Float32Array.from({ length: n }, () => r());
          const k = Int32Array.from({ length: 3 }, () => 1 + Math.floor(r() * m));
          const W = Int32Array.from(k, (x) => Math.floor(r() * (x + 1)));
          const kept = selectKept(ranking, k, W);
          const totals = recallTotals(w, 3, groups, m);
          const both = keptMetrics(kept, w, totals, oracleRanking);
          expect(Array.from(both.recall.perLayer)).toEqual(
            Array.from(attentionRecall(w, kept, totals).perLayer),
          );
          expect(Array.from(both.hitRate.perLayer)).toEqual(
            Array.from(policyHitRate(kept, oracleRanking).perLayer),
          );
        },
      ),
    );
  });
});
