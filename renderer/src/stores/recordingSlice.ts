/**
 * `recording`: what the engine knows and the current recording. Large typed arrays of a recording
 * are held here by reference, immutable, replaced and never mutated (STYLE rule 7).
 */
import type { StateCreator } from 'zustand';
import type { ModelInfo, ProviderStatusInfo, VersionInfo } from '../../../analysis/engine/api';
import type { StudioState } from './store';

export type EngineConnection =
  | { state: 'connecting' }
  | { state: 'connected'; transport: 'electron' | 'websocket' }
  | { state: 'failed'; reason: string }
  | { state: 'lost'; reason: string };

export interface RecordingSlice {
  engine: EngineConnection;
  /** Shown when the engine process crashed and was restarted (Electron). */
  engineNotice: string | null;
  version: VersionInfo | null;
  providers: ProviderStatusInfo[] | null;
  models: ModelInfo[] | null;
  /** The current recording; null until a run finishes or a session is opened. */
  recording: null;
}

export const createRecordingSlice: StateCreator<StudioState, [], [], RecordingSlice> = () => ({
  engine: { state: 'connecting' },
  engineNotice: null,
  version: null,
  providers: null,
  models: null,
  recording: null,
});
