/**
 * Save, open and autosave of `.vlcs` sessions (DESIGN.md §6): the recording with the params and
 * the action log as its timeline. Opening checks the timeline against the recording before anything
 * changes (`loadTimeline`), so a bad session leaves the open one as it was. Module-level, so the
 * Session panel, the Electron menu and tests call the same code.
 */
import { engine } from '../engine/engineHolder';
import { openRecording } from '../stores/runActions';
import { studio } from '../stores/store';
import { loadTimeline, timelineOf } from '../stores/timeline';
import { AUTOSAVE_KEY, putSession } from './sessionStorage';

const get = () => studio.store.getState();

/** The current recording, params and log as `.vlcs` bytes, and the name to save them under. */
export async function sessionBytes(): Promise<{ bytes: Uint8Array; name: string }> {
  const s = get();
  if (!s.recording) throw new Error('there is no recording to save');
  const r = await engine().api.exportSession({
    recordingId: s.recording.recordingId,
    params: s.params as unknown as Record<string, unknown>,
    timeline: timelineOf(s.log, s.cursor),
  });
  return { bytes: r.bytes, name: r.name };
}

/**
 * Saves the session: `deliver` hands the bytes to the user (a download in browser mode, which
 * Electron turns into its save dialog). Save reuses the session's name, Save As takes a new one.
 * The saved state is what the log was when the bytes were made.
 */
export async function saveSession(
  deliver: (bytes: Uint8Array, name: string) => void,
  opts: { saveAs?: boolean; name?: string } = {},
): Promise<string> {
  const before = get();
  const { bytes, name: suggested } = await sessionBytes();
  const name = opts.name ?? (!opts.saveAs && before.sessionName ? before.sessionName : suggested);
  deliver(bytes, name);
  if (before.recording)
    studio.store.setState({
      sessionName: name,
      saved: { recordingId: before.recording.recordingId, log: before.log, cursor: before.cursor },
    });
  await putSession({ key: `recent:${name}`, name, savedAt: Date.now(), bytes });
  return name;
}

/** Opens `.vlcs` bytes; throws (changing nothing) when the session or its timeline is bad. */
export async function openSessionBytes(bytes: Uint8Array, name: string): Promise<void> {
  const r = await engine().api.importSession({ bytes });
  const { params, timeline, ...info } = r;
  const restored = loadTimeline(params, timeline, info.dims);
  await openRecording(info, { ...restored, name });
  await putSession({ key: `recent:${name}`, name, savedAt: Date.now(), bytes });
}

/** Keeps the last recording's session in IndexedDB (browser mode; Electron's page has it too). */
export async function autosave(): Promise<void> {
  if (!get().recording) return;
  const { bytes, name } = await sessionBytes();
  await putSession({ key: AUTOSAVE_KEY, name, savedAt: Date.now(), bytes });
}

let timer: ReturnType<typeof setTimeout> | null = null;
/** How long the log must stay put before the autosave is refreshed. */
export const AUTOSAVE_SETTLE_MS = 4000;

/** Autosaves when a new recording arrives and, settled, after the log changes. */
export function startAutosave(): () => void {
  return studio.store.subscribe((s, prev) => {
    if (!s.recording) return;
    if (s.recording !== prev.recording || s.log !== prev.log || s.cursor !== prev.cursor) {
      if (timer !== null) clearTimeout(timer);
      const delay = s.recording !== prev.recording ? 0 : AUTOSAVE_SETTLE_MS;
      timer = setTimeout(() => {
        timer = null;
        autosave().catch(() => undefined);
      }, delay);
    }
  });
}
