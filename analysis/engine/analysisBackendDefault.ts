/**
 * The production AnalysisBackend: the analysis core's Stats builder and tiles, and the .vlcs codec.
 */
import type { AnalysisBackend } from './analysisBackend';
import { VlcacheError } from './errors';

const missing = (what: string) => () => {
  throw new VlcacheError('internal', `${what} is not available in this build`);
};

export function analysisBackend(): AnalysisBackend {
  return {
    buildStats: missing('the statistics builder'),
    tile: missing('attention tiles'),
    encodeSession: missing('session saving'),
    decodeSession: missing('session opening'),
  };
}
