/**
 * StreamingLLM's positional score: attention sinks first, then recency — `+∞` for j < nSink, else j.
 * Selecting the top k under this score keeps the sinks plus the most recent keys. Positions are never
 * re-rotated (the cache keeps its original position ids).
 *
 * Based on Xiao et al., "Efficient Streaming Language Models with Attention Sinks", ICLR 2024,
 * https://arxiv.org/abs/2309.17453 (§3.2, rolling KV cache with attention sinks); ALGORITHMS §3.
 *
 * Parameters: `nSink` — number of initial tokens kept as sinks, default 4.
 */
import type { StatsDims } from '../../attention/stats';
import type { Granularity } from '../granularity';

export interface PositionParams {
  /** Attention sinks: the first nSink prompt tokens, always preferred. */
  nSink: number;
}

export const POSITION_DEFAULTS: PositionParams = { nSink: 4 };

export function positionScore(
  dims: StatsDims,
  params: PositionParams = POSITION_DEFAULTS,
  granularity: Granularity = 'kvHead',
): Float32Array {
  const { L, m } = dims;
  const groups = granularity === 'kvHead' ? dims.Hkv : 1;
  const row = new Float32Array(m);
  for (let j = 0; j < m; j++) row[j] = j < params.nSink ? Number.POSITIVE_INFINITY : j;
  const out = new Float32Array(L * groups * m);
  for (let i = 0; i < L * groups; i++) out.set(row, i * m);
  return out;
}
