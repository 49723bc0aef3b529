/**
 * `recording`: what the engine knows and the current recording. Large typed arrays of a recording
 * (its Stats, its image bytes) are held here by reference, immutable, replaced and never mutated
 * (STYLE rule 7); components select ids, versions and scalars, never the arrays themselves.
 */
import type { StateCreator } from 'zustand';
import type { Stats } from '../../../analysis/attention/stats';
import type {
  ModelInfo,
  ProviderStatusInfo,
  RecordingInfo,
  RunProgressEvent,
  VersionInfo,
} from '../../../analysis/engine/api';
import type { StudioState } from './store';

export type EngineConnection =
  | { state: 'connecting' }
  | { state: 'connected'; transport: 'electron' | 'websocket' }
  | { state: 'failed'; reason: string }
  | { state: 'lost'; reason: string };

export interface Sample {
  image: string;
  questions: string[];
}

/** Where the current run stands; `progress` is the engine's last report for this run. */
export type RunState =
  | { state: 'idle' }
  | { state: 'running'; runId: string; progress: RunProgressEvent | null; cancelling: boolean }
  | { state: 'failed'; message: string }
  | { state: 'cancelled' };

export interface RecordingSlice {
  engine: EngineConnection;
  /** Shown when the engine process crashed and was restarted (Electron). */
  engineNotice: string | null;
  version: VersionInfo | null;
  providers: ProviderStatusInfo[] | null;
  models: ModelInfo[] | null;
  samples: Sample[] | null;
  run: RunState;
  /** The current recording; null until a run finishes or a session is opened. */
  recording: RecordingInfo | null;
  /** Its statistics, once fetched (by reference; the worker holds a copy). */
  stats: Stats | null;
  /** Why the statistics could not be loaded, if they could not. */
  statsError: string | null;
}

export const createRecordingSlice: StateCreator<StudioState, [], [], RecordingSlice> = () => ({
  engine: { state: 'connecting' },
  engineNotice: null,
  version: null,
  providers: null,
  models: null,
  samples: null,
  run: { state: 'idle' },
  recording: null,
  stats: null,
  statsError: null,
});
