/**
 * `session`: which .vlcs the open recording belongs to and what was last saved, so the app can say
 * whether there are unsaved changes. The saved log is held by reference: the action log replaces its
 * array on every change, so identity plus the cursor tells whether anything moved since the save.
 */
import type { StateCreator } from 'zustand';
import type { LogEntry } from './actionLog';
import type { StudioState } from './store';

export interface SessionSlice {
  /** File name of the session the recording was opened from or last saved to; null if never saved. */
  sessionName: string | null;
  /** The recording, log and cursor as last saved or opened (null: nothing saved yet). */
  saved: { recordingId: string; log: LogEntry[]; cursor: number } | null;
}

export const createSessionSlice: StateCreator<StudioState, [], [], SessionSlice> = () => ({
  sessionName: null,
  saved: null,
});

/** True when a recording is open whose state differs from what was last saved or opened. */
export function hasUnsavedChanges(s: StudioState): boolean {
  if (!s.recording) return false;
  const sv = s.saved;
  return !sv || sv.recordingId !== s.recording.recordingId || sv.log !== s.log || sv.cursor !== s.cursor;
}
