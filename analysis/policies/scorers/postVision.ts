/**
 * VL-Cache's modality-aware score: the attention each prompt key receives from the post-vision rows
 * (the text after the image), summed — not averaged — over those rows and over the query heads of a
 * KV head: `s[j] = Σ_{h∈g} Σ_{q∈[v,m)} A_h[q, j]` for every prompt key, image and text alike.
 *
 * Based on Tu et al., "VL-Cache: Sparsity and Modality-Aware KV Cache Compression for
 * Vision-Language Model Inference Acceleration", ICLR 2025, https://arxiv.org/abs/2410.23317
 * (§4.2, post-vision attention scoring); ALGORITHMS §3.
 *
 * No parameters. Raises `EmptyPostVisionError` when the prompt has no post-vision rows (τ = 0).
 */
import type { Stats } from '../../attention/stats';
import { EmptyPostVisionError } from '../errors';
import { aggregateGroups, type Granularity } from '../granularity';

export function postVisionScore(stats: Stats, granularity: Granularity = 'kvHead'): Float32Array {
  if (stats.postVisionStart >= stats.dims.m)
    throw new EmptyPostVisionError('postVision scorer', stats.dims.m, stats.postVisionStart);
  return aggregateGroups(stats.postVision, stats.dims, granularity);
}
