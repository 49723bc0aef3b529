/**
 * The production AnalysisBackend: Stats from the TypeScript builder for small recordings and from the
 * ONNX probe on the model's provider for large ones; exact tiles; the .vlcs codec.
 */
import { buildStats } from '../attention/buildStats';
import { getTile } from '../attention/getTile';
import { decodeSession, encodeSession } from '../session/sessionCodec';
import type { AnalysisBackend } from './analysisBackend';

export function analysisBackend(): AnalysisBackend {
  return {
    buildStats: async (spec, layout, getLayer) => buildStats(spec, layout, getLayer),
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
