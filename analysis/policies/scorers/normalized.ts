/**
 * ZipCache-style normalised attention: accumulated attention divided by the number of prefill rows
 * that can see the key, `s[j] = Σ_{h∈g} Σ_{q<m} A_h[q, j] / #{q < m : j visible to q}`, so that late
 * keys (seen by few rows) are not penalised for it. With a sliding window W the count is
 * `min(m − j, W)` (rows j … j+W−1), else `m − j`.
 *
 * Based on He et al., "ZipCache: Accurate and Efficient KV Cache Quantization with Salient Token
 * Identification", NeurIPS 2024, https://arxiv.org/abs/2405.14256 (§4.2, normalized attention score);
 * ALGORITHMS §3. Used here for eviction only (ZipCache itself quantises the non-salient tokens).
 *
 * No parameters (the probe-row variant `last5+random5` of ZipCache's code is not offered yet).
 */
import type { Stats } from '../../attention/stats';
import { aggregateGroups, type Granularity } from '../granularity';

/** #{q < m : j visible to q} for causal attention with an optional sliding window W. */
export function visibleRowCount(j: number, m: number, slidingWindow: number | null): number {
  return slidingWindow === null ? m - j : Math.min(m - j, slidingWindow);
}

export function normalizedScore(stats: Stats, granularity: Granularity = 'kvHead'): Float32Array {
  const { L, Hkv, m } = stats.dims;
  const out = new Float32Array(L * Hkv * m);
  for (let l = 0; l < L; l++) {
    const W = stats.spec.slidingWindow[l] ?? null;
    for (let g = 0; g < Hkv; g++) {
      const base = (l * Hkv + g) * m;
      for (let j = 0; j < m; j++) out[base + j] = stats.accumulated[base + j] / visibleRowCount(j, m, W);
    }
  }
  return aggregateGroups(out, stats.dims, granularity);
}
