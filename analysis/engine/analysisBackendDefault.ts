/**
 * The production AnalysisBackend: Stats from the ONNX probe on the model's provider (WebGPU where the
 * model runs on it, else ORT's CPU kernels — about 3× faster than the TypeScript builder already at
 * the bundled model's scale); exact tiles; the .vlcs codec.
 */
import { getTile } from '../attention/getTile';
import { buildStatsWithProbe } from '../model/probeRunner';
import { decodeSession, encodeSession } from '../session/sessionCodec';
import type { AnalysisBackend } from './analysisBackend';

export function analysisBackend(): AnalysisBackend {
  return {
    buildStats: (spec, layout, getLayer, provider) =>
      buildStatsWithProbe(spec, layout, getLayer, { provider: provider === 'webgpu' ? 'webgpu' : 'cpu' }),
    tile: (r, layer, head, rows, cols) =>
      getTile(r.spec, { queries: r.queries[layer], keys: r.keys[layer] }, layer, head, rows, cols),
    encodeSession,
    decodeSession: (bytes) => {
      const d = decodeSession(bytes);
      return {
        recording: d.recording,
        params: d.params,
        timeline: d.timeline as unknown as Record<string, unknown>[],
      };
    },
  };
}
