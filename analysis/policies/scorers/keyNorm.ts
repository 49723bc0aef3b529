/**
 * K-norm: keys with a small L2 norm tend to receive high attention, so keep the smallest norms:
 * `s[j] = −‖K_{l,g}[j]‖₂` per KV head. Needs no attention at all.
 *
 * Based on Devoto et al., "A Simple and Effective L2 Norm-Based Strategy for KV Cache Compression",
 * EMNLP 2024, https://arxiv.org/abs/2406.11430 (§3); ALGORITHMS §3.
 *
 * No parameters. At layer granularity the per-KV-head scores are summed like every other score.
 */
import type { Stats } from '../../attention/stats';
import { aggregateGroups, type Granularity } from '../granularity';

export function keyNormScore(stats: Stats, granularity: Granularity = 'kvHead'): Float32Array {
  const src = stats.keyNorm;
  const out = new Float32Array(src.length);
  // `0 - x` rather than `-x` so that a zero key scores +0, not −0 (one ordering key per value).
  for (let i = 0; i < src.length; i++) out[i] = 0 - src[i];
  return aggregateGroups(out, stats.dims, granularity);
}
