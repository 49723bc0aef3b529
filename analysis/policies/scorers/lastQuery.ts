/**
 * TOVA's score: the attention of the last prompt row, `s[j] = Σ_{h∈g} A_h[m−1, j]` — the current
 * query alone decides which keys stay.
 *
 * Based on Oren et al., "Transformers are Multi-State RNNs" (TOVA), EMNLP 2024,
 * https://arxiv.org/abs/2401.06104 (§4, token omission via attention); ALGORITHMS §3.
 *
 * No parameters.
 */
import type { Stats } from '../../attention/stats';
import { aggregateGroups, type Granularity } from '../granularity';

export function lastQueryScore(stats: Stats, granularity: Granularity = 'kvHead'): Float32Array {
  return aggregateGroups(stats.lastQuery, stats.dims, granularity);
}
