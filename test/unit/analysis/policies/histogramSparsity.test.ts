import { describe, expect, it } from 'vitest';
import { HIST_BINS } from '../../../../analysis/attention/stats';
import {
  headSparsity,
  histogramPrefix,
  layerSparsity,
} from '../../../../analysis/policies/histogramSparsity';
import { exampleStats } from './helpers/example';
import { makeStats } from './helpers/stats';

describe('sparsity from histograms', () => {
  it('counts bins up to the edge, zero probabilities included (bin 0)', () => {
    // One head, prefill: 3 entries with A = 0 (x = −∞, bin 0), 2 in bin 100, 5 row maxima (bin 161).
    const hist = new Uint32Array(3 * HIST_BINS);
    hist[0] = 3;
    hist[100] = 2;
    hist[161] = 5;
    const stats = makeStats({ dims: { L: 1, H: 1, Hkv: 1, D: 1, m: 4, G: 1 }, hist });
    const prefix = histogramPrefix(stats.hist);
    // Sparse at e_k = Σ_{i ≤ k} b_i: edge 0 → 3/10; edges 1..99 → 3/10; edge 100 → 5/10; edge 160 → 5/10.
    expect(headSparsity(prefix, stats.dims, 0, 0, 'prefill', 0)).toBe(0.3);
    expect(headSparsity(prefix, stats.dims, 0, 0, 'prefill', 99)).toBe(0.3);
    expect(headSparsity(prefix, stats.dims, 0, 0, 'prefill', 100)).toBe(0.5);
    expect(headSparsity(prefix, stats.dims, 0, 0, 'prefill', 160)).toBe(0.5);
    // No rows in the set: null, not NaN.
    expect(headSparsity(prefix, stats.dims, 0, 0, 'decode', 100)).toBeNull();
  });

  it('averages heads into layer sparsity, per row set', () => {
    // Edge 150 (e = −.5), example layer 0: post-vision 6/15 per head (sparsityAware.test.ts).
    // Decode rows: row 8 (peak .2, others .1: x = −.301, not sparse), row 9 (uniform) → 0.
    const stats = exampleStats();
    const prefix = histogramPrefix(stats.hist);
    expect(layerSparsity(prefix, stats.dims, 'postVision', 150)![0]).toBeCloseTo(0.4, 12);
    expect(Array.from(layerSparsity(prefix, stats.dims, 'decode', 150)!)).toEqual([0, 0]);
    // Prefill (layer 0): rows 0..5 uniform (21 entries, none sparse), row 6 (6 of 7), row 7 (0 of 8)
    // → 6/36 per head.
    expect(layerSparsity(prefix, stats.dims, 'prefill', 150)![0]).toBeCloseTo(6 / 36, 12);
    // τ = 0: the post-vision set is empty → null.
    const empty = exampleStats(8);
    expect(layerSparsity(histogramPrefix(empty.hist), empty.dims, 'postVision', 150)).toBeNull();
  });
});
