/**
 * Where the row sets of ALGORITHMS §0/§2 fall in one recording, and the checks every builder runs
 * before touching a tensor: the prompt length m, the generated count G (decode rows [m, m+G)) and v,
 * the first position after the image (post-vision rows [v, m); v = m when τ = 0).
 */
import type { AttentionSpec, RowSet } from './stats';
import { InvalidLayoutError } from './errors';

export interface StatsLayout {
  /** Prompt length. */
  m: number;
  /** Generated tokens, ≥ 1. */
  G: number;
  /** v: first position after the last image token; m when there is no text after the image. */
  postVisionStart: number;
}

/** [start, end) of a row set. */
export function rowSetRange(layout: StatsLayout, rowSet: RowSet): [number, number] {
  const { m, G, postVisionStart: v } = layout;
  if (rowSet === 'prefill') return [0, m];
  if (rowSet === 'postVision') return [v, m];
  return [m, m + G];
}

/** The sliding window W of a layer, or null for full causal attention. */
export function slidingWindowOf(spec: AttentionSpec, layer: number): number | null {
  return spec.slidingWindow[layer] ?? null;
}

/** Throws InvalidLayoutError unless spec and layout can describe a recording. */
export function checkStatsLayout(spec: AttentionSpec, layout: StatsLayout): void {
  const { layers, heads, kvHeads, headDim, scale, softcap, slidingWindow } = spec;
  const posInt = (x: number) => Number.isInteger(x) && x >= 1;
  if (![layers, heads, kvHeads, headDim].every(posInt))
    throw new InvalidLayoutError('layers, heads, kvHeads and headDim must be positive integers', {
      layers,
      heads,
      kvHeads,
      headDim,
    });
  if (heads % kvHeads !== 0)
    throw new InvalidLayoutError(`heads ${heads} is not a multiple of kvHeads ${kvHeads}`, {
      heads,
      kvHeads,
    });
  if (!Number.isFinite(scale)) throw new InvalidLayoutError(`scale ${scale} is not finite`, { scale });
  if (softcap !== null && !(softcap > 0 && Number.isFinite(softcap)))
    throw new InvalidLayoutError(`softcap ${softcap} must be null or a positive number`, { softcap });
  if (slidingWindow.length !== layers)
    throw new InvalidLayoutError(`slidingWindow has ${slidingWindow.length} entries for ${layers} layers`, {
      slidingWindow,
    });
  for (const w of slidingWindow)
    if (w !== null && !posInt(w))
      throw new InvalidLayoutError(`sliding window ${w} must be null or a positive integer`, {
        slidingWindow,
      });
  const { m, G, postVisionStart: v } = layout;
  if (!posInt(m) || !posInt(G))
    throw new InvalidLayoutError(`prompt length ${m} and generated count ${G} must be ≥ 1`, { m, G });
  if (!Number.isInteger(v) || v < 0 || v > m)
    throw new InvalidLayoutError(`post-vision start ${v} is outside [0, ${m}]`, { postVisionStart: v, m });
}
