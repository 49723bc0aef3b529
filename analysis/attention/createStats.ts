/**
 * An all-zero Stats value of the right shapes for a spec and a prompt layout, which the TypeScript
 * builder and the probe runner then fill layer by layer.
 */
import { type AttentionSpec, HIST_BINS, ROW_SETS, type Stats, WINDOW_SIZES } from './stats';
import { checkStatsLayout, type StatsLayout } from './statsLayout';
import { overviewSize } from './overviewMap';

export function createStats(spec: AttentionSpec, layout: StatsLayout): Stats {
  checkStatsLayout(spec, layout);
  const { layers: L, heads: H, kvHeads: Hkv, headDim: D } = spec;
  const { m, G, postVisionStart } = layout;
  const vec = () => new Float32Array(L * Hkv * m);
  const R = overviewSize(m + G);
  const windowSums: Record<number, Float32Array> = {};
  for (const w of WINDOW_SIZES) windowSums[w] = vec();
  return {
    dims: { L, H, Hkv, D, m, G },
    spec: { ...spec, slidingWindow: [...spec.slidingWindow] },
    postVisionStart,
    hist: new Uint32Array(L * H * ROW_SETS.length * HIST_BINS),
    postVision: vec(),
    accumulated: vec(),
    lastQuery: vec(),
    keyNorm: vec(),
    windowSums,
    recallW: vec(),
    oracle: vec(),
    overviewSize: R,
    overview: new Uint8Array(L * H * R * R),
  };
}
