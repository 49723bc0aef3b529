import { describe, expect, it } from 'vitest';
import { addLayerStats, buildStats } from '../../../../analysis/attention/buildStats';
import { createStats } from '../../../../analysis/attention/createStats';
import { histOffset, overviewOffset, vectorOffset } from '../../../../analysis/attention/statsIndex';
import { HIST_BINS, type RowSet, type Stats, WINDOW_SIZES } from '../../../../analysis/attention/stats';
import { InvalidLayoutError, ShapeError } from '../../../../analysis/attention/errors';
import { handLayout, handProb, handSpec, handTensors, m, n, U, W } from './handCase';

const close = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(b));
const closeAll = (actual: ArrayLike<number>, expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    close(actual[i], e);
  });
};
const vec = (s: Float32Array, stats: Stats, g: number) =>
  s.subarray(vectorOffset(stats.dims, 0, g), vectorOffset(stats.dims, 0, g) + m);
const range = (k: number) => Array.from({ length: k }, (_, i) => i);
/** Non-zero bins of one histogram as { bin: count }. */
function bins(stats: Stats, h: number, r: RowSet): Record<number, number> {
  const o = histOffset(stats.dims, 0, h, r);
  const out: Record<number, number> = {};
  for (let b = 0; b < HIST_BINS; b++) if (stats.hist[o + b]) out[b] = stats.hist[o + b];
  return out;
}

describe('buildStats on the hand case (m = 8, image 3..5, post-vision rows 6..7, G = 2, H = 4, Hkv = 2)', () => {
  const t = handTensors();
  const stats = buildStats(handSpec(), handLayout, () => t);

  it('carries dims, spec and v', () => {
    expect(stats.dims).toEqual({ L: 1, H: 4, Hkv: 2, D: 2, m: 8, G: 2 });
    expect(stats.postVisionStart).toBe(6);
    expect(stats.overviewSize).toBe(10);
  });

  it('postVision = Σ_{h∈g} Σ_{q∈{6,7}} A_h[q, j]', () => {
    // KV 0: w_j/11 + w_j/12 (head 0, W_6 = 11, W_7 = 12) + 1/7 + 1/8 (head 1); key 7 only in row 7.
    closeAll(vec(stats.postVision, stats, 0), [
      4 / 11 + 4 / 12 + 1 / 7 + 1 / 8,
      1 / 11 + 1 / 12 + 1 / 7 + 1 / 8,
      1 / 11 + 1 / 12 + 1 / 7 + 1 / 8,
      2 / 11 + 2 / 12 + 1 / 7 + 1 / 8,
      1 / 11 + 1 / 12 + 1 / 7 + 1 / 8,
      1 / 11 + 1 / 12 + 1 / 7 + 1 / 8,
      1 / 11 + 1 / 12 + 1 / 7 + 1 / 8,
      1 / 12 + 1 / 8,
    ]);
    // KV 1: u_j/9 + u_j/10 (head 2, U_6 = 9, U_7 = 10) + u_j²/13 + u_j²/14 (head 3).
    closeAll(
      vec(stats.postVision, stats, 1),
      range(m).map((j) =>
        j < 7 ? U[j] / 9 + U[j] / 10 + U[j] ** 2 / 13 + U[j] ** 2 / 14 : U[j] / 10 + U[j] ** 2 / 14,
      ),
    );
    expect(vec(stats.postVision, stats, 1)[2]).toBeCloseTo(2 / 9 + 2 / 10 + 4 / 13 + 4 / 14, 6);
  });

  it('accumulated = Σ_{h∈g} Σ_{q<8} A_h[q, j]', () => {
    // Key 0 of KV 0: 4·(1/W_0 + … + 1/W_7) + (1/1 + … + 1/8).
    close(
      vec(stats.accumulated, stats, 0)[0],
      4 * (1 / 4 + 1 / 5 + 1 / 6 + 1 / 8 + 1 / 9 + 1 / 10 + 1 / 11 + 1 / 12) +
        (1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6 + 1 / 7 + 1 / 8),
    );
    // Key 7 only in row 7: 1/12 + 1/8 (KV 0), 1/10 + 1/14 (KV 1).
    close(vec(stats.accumulated, stats, 0)[7], 1 / 12 + 1 / 8);
    close(vec(stats.accumulated, stats, 1)[7], 1 / 10 + 1 / 14);
    for (let g = 0; g < 2; g++)
      closeAll(
        vec(stats.accumulated, stats, g),
        range(m).map((j) =>
          range(m).reduce((s, q) => s + handProb(2 * g, q, j) + handProb(2 * g + 1, q, j), 0),
        ),
      );
  });

  it('lastQuery = row 7 and oracle = row 8 over prompt keys, summed per group', () => {
    closeAll(
      vec(stats.lastQuery, stats, 0),
      range(m).map((j) => W[j] / 12 + 1 / 8),
    );
    closeAll(
      vec(stats.lastQuery, stats, 1),
      range(m).map((j) => U[j] / 10 + U[j] ** 2 / 14),
    );
    // Row 8: W_8 = 13, 1/9 uniform; U_8 = 13, V_8 = 23.
    closeAll(
      vec(stats.oracle, stats, 0),
      range(m).map((j) => W[j] / 13 + 1 / 9),
    );
    closeAll(
      vec(stats.oracle, stats, 1),
      range(m).map((j) => U[j] / 13 + U[j] ** 2 / 23),
    );
  });

  it('recall weights normalise each decode row over prompt keys (§7)', () => {
    // Head 0: (w_j/13)/(12/13) = w_j/12 in row 8, (w_j/14)/(12/14) in row 9; head 1: 1/8 twice.
    closeAll(
      vec(stats.recallW, stats, 0),
      range(m).map((j) => W[j] / 6 + 1 / 4),
    );
    // Head 2: u_j/10 twice; head 3: u_j²/14 twice.
    closeAll(
      vec(stats.recallW, stats, 1),
      range(m).map((j) => U[j] / 5 + U[j] ** 2 / 7),
    );
    // Each KV head's weights sum to g·G = 4 (recall 1 when everything is kept).
    const total = vec(stats.recallW, stats, 0).reduce((a, b) => a + b, 0);
    close(total, 4);
  });

  it('window sums use w_obs = min(w, m − 1) rows before m', () => {
    // m = 8: every w ≥ 7 observes rows 1..7.
    const expected = range(m).map((j) =>
      range(m)
        .filter((q) => q >= 1)
        .reduce((s, q) => s + handProb(0, q, j) + handProb(1, q, j), 0),
    );
    for (const w of WINDOW_SIZES) closeAll(vec(stats.windowSums[w], stats, 0), expected);
    // Key 0 of KV 0 from rows 1..7 (row 0 is outside the window): 4·(1/W_1 + … + 1/W_7) + (1/2 + … + 1/8).
    close(
      vec(stats.windowSums[8], stats, 0)[0],
      4 * (1 / 5 + 1 / 6 + 1 / 8 + 1 / 9 + 1 / 10 + 1 / 11 + 1 / 12) +
        (1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6 + 1 / 7 + 1 / 8),
    );
  });

  it('keyNorm = ‖K_g[j]‖₂', () => {
    closeAll(
      vec(stats.keyNorm, stats, 0),
      range(m).map((j) => Math.log(W[j])),
    );
    closeAll(
      vec(stats.keyNorm, stats, 1),
      range(m).map((j) => Math.log(U[j])),
    );
  });

  it('histograms per row set, worked out bin by bin', () => {
    // Head 0: ratios w_j/4 → 1 (x = 0, bin 161), 0.5 (x = −0.301, bin 154), 0.25 (x = −0.602, bin 148).
    // Prefill rows 0..7: key 0 in 8 rows, key 3 in rows 3..7 (5), the 23 others are 0.25.
    expect(bins(stats, 0, 'prefill')).toEqual({ 148: 23, 154: 5, 161: 8 });
    expect(bins(stats, 0, 'postVision')).toEqual({ 148: 11, 154: 2, 161: 2 });
    expect(bins(stats, 0, 'decode')).toEqual({ 148: 15, 154: 2, 161: 2 });
    // Head 1 is uniform: every entry is a row maximum.
    expect(bins(stats, 1, 'prefill')).toEqual({ 161: 36 });
    expect(bins(stats, 1, 'postVision')).toEqual({ 161: 15 });
    expect(bins(stats, 1, 'decode')).toEqual({ 161: 19 });
    // Head 2: rows 0..1 uniform; rows 2..7 max u = 2 → 0.5 (bin 154) and 1; rows 8..9 max u = 3 →
    // 1/3 (x = −0.477, bin 151), 2/3 (x = −0.176, bin 157), 1.
    expect(bins(stats, 2, 'prefill')).toEqual({ 154: 25, 161: 11 });
    expect(bins(stats, 2, 'decode')).toEqual({ 151: 13, 157: 4, 161: 2 });
    // Head 3 (u²): rows 8..9 → 1/9 (x = −0.954, bin 141), 4/9 (x = −0.352, bin 153), 1.
    expect(bins(stats, 3, 'decode')).toEqual({ 141: 13, 153: 4, 161: 2 });
  });

  it('overview maps: one entry per pixel here (n ≤ 256), upper triangle "no data"', () => {
    const R = stats.overviewSize;
    const at = (h: number, i: number, k: number) =>
      stats.overview[overviewOffset(stats.dims, R, 0, h) + i * R + k];
    // A = 1 → level 255; head 1 row 9: A = 0.1 → 1 + round(254·7/8) = 1 + round(222.25) = 223.
    expect(at(1, 0, 0)).toBe(255);
    expect(at(1, 9, 4)).toBe(223);
    // Head 0 row 3, key 0: A = 0.5 → 1 + round(254·7.69897/8) = 1 + round(244.44) = 245.
    expect(at(0, 3, 0)).toBe(245);
    for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) expect(at(0, i, k)).toBe(0);
  });

  it('τ = 0: post-vision vector and histograms are empty, nothing is NaN', () => {
    const s = buildStats(handSpec(), { ...handLayout, postVisionStart: m }, () => t);
    expect(s.postVision.every((x) => x === 0)).toBe(true);
    for (let h = 0; h < 4; h++) expect(bins(s, h, 'postVision')).toEqual({});
    // The other fields do not depend on v.
    expect(s.accumulated).toEqual(stats.accumulated);
    expect(bins(s, 0, 'prefill')).toEqual(bins(stats, 0, 'prefill'));
  });

  it('reads each layer once, in order, and checks shapes', () => {
    const asked: number[] = [];
    const spec2 = handSpec({ layers: 2, slidingWindow: [null, null] });
    const s2 = buildStats(spec2, handLayout, (l) => {
      asked.push(l);
      return t;
    });
    expect(asked).toEqual([0, 1]);
    expect(s2.hist.subarray(0, s2.hist.length / 2)).toEqual(stats.hist);
    expect(() => buildStats(handSpec(), { ...handLayout, G: 3 }, () => t)).toThrow(ShapeError);
    expect(() => buildStats(handSpec(), { ...handLayout, postVisionStart: 9 }, () => t)).toThrow(
      InvalidLayoutError,
    );
    expect(() => buildStats(handSpec({ kvHeads: 3 }), handLayout, () => t)).toThrow(InvalidLayoutError);
    expect(() => createStats(handSpec({ slidingWindow: [] }), handLayout)).toThrow(InvalidLayoutError);
  });

  it('addLayerStats fills only its own layer', () => {
    const spec2 = handSpec({ layers: 2, slidingWindow: [null, 3] });
    const s = createStats(spec2, handLayout);
    addLayerStats(s, 1, t);
    expect(s.hist.subarray(0, s.hist.length / 2).every((x) => x === 0)).toBe(true);
    expect(s.hist.subarray(s.hist.length / 2).some((x) => x > 0)).toBe(true);
  });
});

describe('buildStats with a sliding window and a softcap', () => {
  const t = handTensors();

  it('counts only the window: W = 3 leaves 1 + 2 + 3·8 visible entries per head', () => {
    const s = buildStats(handSpec({ slidingWindow: [3] }), handLayout, () => t);
    const total = (h: number, r: RowSet) => Object.values(bins(s, h, r)).reduce((a, b) => a + b, 0);
    expect(total(1, 'prefill')).toBe(1 + 2 + 3 * 6);
    expect(total(1, 'postVision')).toBe(6);
    expect(total(1, 'decode')).toBe(6);
    // Head 1 is uniform over the window: row 7 gives 1/3 to keys 5..7, nothing to the rest.
    closeAll(vec(s.lastQuery, s, 0).subarray(0, 5), [0, 0, 0, 0, 0]);
    // Row 7 of head 0 sees keys 5, 6, 7 with w = 1: 1/3 each → 1/3 + 1/3 per key.
    closeAll(vec(s.lastQuery, s, 0).subarray(5), [2 / 3, 2 / 3, 2 / 3]);
    // Decode rows 8, 9 see no prompt key below 6: recall weights live on keys 6, 7 only.
    const rw = vec(s.recallW, s, 0);
    closeAll(rw.subarray(0, 6), [0, 0, 0, 0, 0, 0]);
    // Row 8 (keys 6..8, all w = 1, head 0 and 1 alike): prompt mass 2/3 → 1/2 each on keys 6, 7; row 9
    // (keys 7..9): prompt mass 1/3 → 1 on key 7. Two heads: key 6 → 2·1/2, key 7 → 2·(1/2 + 1).
    closeAll(rw.subarray(6), [1, 3]);
  });

  it('a decode row whose window holds no prompt key adds no recall weight', () => {
    // W = 1: each row sees only itself; decode rows see no prompt key at all.
    const s = buildStats(handSpec({ slidingWindow: [1] }), handLayout, () => t);
    expect(s.recallW.every((x) => x === 0)).toBe(true);
    expect(s.recallW.some(Number.isNaN)).toBe(false);
  });

  it('softcap changes the probabilities the statistics read', () => {
    const s = buildStats(handSpec({ softcap: 1 }), handLayout, () => t);
    // Row 7, head 0, softcap 1: z = 15/17 (w = 4), 3/5 (w = 2), 0 (w = 1).
    const e = [Math.exp(15 / 17), 1, 1, Math.exp(3 / 5), 1, 1, 1, 1];
    const sum = e.reduce((a, b) => a + b);
    closeAll(
      vec(s.lastQuery, s, 0),
      e.map((x) => x / sum + 1 / 8),
    );
  });

  it('zero probabilities (f32 underflow) are visible entries in bin 0', () => {
    // One head, n = 3, m = 2, G = 1: key 0 has logit 200 for every row, keys 1, 2 logit 0, so
    // A[q, j > 0] = e^{−200} / … underflows to 0 in f32 and x = −∞.
    const spec = { ...handSpec(), heads: 1, kvHeads: 1, headDim: 1 };
    const tensors = { queries: Float32Array.of(1, 1, 1), keys: Float32Array.of(200, 0, 0) };
    const s = buildStats(spec, { m: 2, G: 1, postVisionStart: 1 }, () => tensors);
    expect(bins(s, 0, 'prefill')).toEqual({ 0: 1, 161: 2 });
    expect(bins(s, 0, 'decode')).toEqual({ 0: 2, 161: 1 });
    // A = 0 is data, not "no data": its overview pixel is level 1.
    const R = s.overviewSize;
    expect(s.overview[overviewOffset(s.dims, R, 0, 0) + 1 * R + 1]).toBe(1);
  });
});
