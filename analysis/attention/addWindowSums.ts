/**
 * Unpooled observation-window sums for one more window size w (ALGORITHMS §3, `window` scorers):
 * Σ_{h∈g} Σ_{q∈[m−w_obs, m)} A_h[q, j], w_obs = min(w, m − 1), per (layer, KV head) over prompt keys.
 * Stats carries them for WINDOW_SIZES so SnapKV-style scoring is live; any other w goes through here
 * (recomputed from the tensors, one layer at a time; the UI labels it "not live").
 */
import type { Stats } from './stats';
import type { GetLayer } from './layerTensors';
import { positionsOf } from './layerTensors';
import { slidingWindowOf } from './statsLayout';
import { computeRow, firstVisibleKey } from './attentionRow';
import { windowSumSet } from './columnSumSets';
import { vectorOffset } from './statsIndex';
import { InvalidLayoutError } from './errors';

/** Computes the sums for w, stores them as `stats.windowSums[w]` and returns them (f32 [L, Hkv, m]). */
export function addWindowSums(stats: Stats, getLayer: GetLayer, w: number): Float32Array {
  if (!Number.isInteger(w) || w < 1)
    throw new InvalidLayoutError(`window size ${w} must be a positive integer`, { w });
  const { spec, dims } = stats;
  const { L, H, Hkv, D, m, G } = dims;
  const n = m + G;
  const { start: r0, end: r1 } = windowSumSet({ m, G, postVisionStart: stats.postVisionStart }, w);
  const out = new Float32Array(L * Hkv * m);
  const acc = new Float64Array(Hkv * m);
  const row = new Float32Array(n);
  const z = new Float64Array(n);
  const gs = H / Hkv;
  for (let l = 0; l < L; l++) {
    const t = getLayer(l);
    positionsOf(spec, t, n);
    const W = slidingWindowOf(spec, l);
    acc.fill(0);
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / gs);
      for (let q = r0; q < r1; q++) {
        const start = firstVisibleKey(q, W);
        computeRow(
          t.queries,
          (h * n + q) * D,
          t.keys,
          g * n * D,
          D,
          start,
          q + 1,
          spec.scale,
          spec.softcap,
          z,
          row,
        );
        for (let j = start; j <= q; j++) acc[g * m + j] += row[j];
      }
    }
    out.set(acc, vectorOffset(dims, l, 0));
  }
  stats.windowSums[w] = out;
  return out;
}
