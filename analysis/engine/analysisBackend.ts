/**
 * What the Engine needs from the analysis core and the session format, gathered in one seam so the
 * Engine can be tested with small fakes: building Stats (TypeScript builder, or the ONNX probe on the
 * model's provider), exact attention tiles, and session encode/decode.
 */
import type { AttentionSpec, Stats } from '../attention/stats';
import type { ProviderId } from '../model/providers';
import type { Recording } from '../record/recording';

export interface SessionExtras {
  params: Record<string, unknown>;
  timeline: Record<string, unknown>[];
}

export interface AnalysisBackend {
  buildStats(
    spec: AttentionSpec,
    layout: { m: number; G: number; postVisionStart: number },
    getLayer: (l: number) => { queries: Float32Array; keys: Float32Array },
    provider: ProviderId,
  ): Promise<Stats>;
  /** Exact attention probabilities of one (layer, head | head mean) over a row × column range. */
  tile(
    r: Recording,
    layer: number,
    head: number | 'mean',
    rows: [number, number],
    cols: [number, number],
  ): Float32Array;
  encodeSession(r: Recording, extras: SessionExtras): Uint8Array;
  decodeSession(bytes: Uint8Array): { recording: Recording } & SessionExtras;
}
