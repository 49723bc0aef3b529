/**
 * H2O's heavy-hitter score: the accumulated attention each prompt key receives from every prefill
 * row, summed over the query heads of a KV head: `s[j] = Σ_{h∈g} Σ_{q<m} A_h[q, j]`.
 *
 * Based on Zhang et al., "H2O: Heavy-Hitter Oracle for Efficient Generative Inference of Large
 * Language Models", NeurIPS 2023, https://arxiv.org/abs/2306.14048 (§3.3, accumulated attention);
 * ALGORITHMS §3. Early keys are favoured because more rows see them; `normalized` corrects that.
 *
 * No parameters.
 */
import type { Stats } from '../../attention/stats';
import { aggregateGroups, type Granularity } from '../granularity';

export function accumulatedScore(stats: Stats, granularity: Granularity = 'kvHead'): Float32Array {
  return aggregateGroups(stats.accumulated, stats.dims, granularity);
}
