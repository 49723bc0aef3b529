/**
 * The figures' view of the app's current recording: Stats from the store, attention tiles and
 * missing window sums from the engine (over whatever transport it is reached by), options from the
 * params — so a figure exported from the app equals the one `vlcache figures` makes of the saved
 * session.
 */
import type { Stats } from '../../../analysis/attention/stats';
import type { EngineApi, RecordingInfo } from '../../../analysis/engine/api';
import { type Params, policyRef } from '../stores/paramsSlice';
import type { FigureOptions, FigureSource } from './figureData';

export function engineFigureSource(api: EngineApi, info: RecordingInfo, stats: Stats): FigureSource {
  const n = info.dims.m + info.dims.G;
  return {
    stats,
    kvDtype: info.model.kvDtype,
    tokens: info.tokens,
    image: info.image,
    imageGrid: { rows: info.model.imageGrid.rows, cols: info.model.imageGrid.cols },
    tile: async (layer, head) =>
      (await api.getTile({ recordingId: info.recordingId, layer, head, rows: [0, n], cols: [0, n] })).data,
    windowSums: async (w) => (await api.getWindowSums({ recordingId: info.recordingId, w })).sums,
  };
}

/** The figure options the params stand for (pView is the threshold; pAlloc follows it here). */
export function figureOptionsOf(p: Params, L: number): FigureOptions {
  return {
    layer: Math.min(p.layer, L - 1),
    head: p.head,
    policies: p.policies.map((id) => policyRef(p, id)),
    budget: p.budget,
    edge: p.viewEdge,
    windowFraction: p.windowFraction,
    nSink: p.nSink,
    granularity: p.granularity,
  };
}
