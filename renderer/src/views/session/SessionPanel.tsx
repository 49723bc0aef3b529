import { useCallback, useEffect, useRef, useState } from 'react';
import { Panel } from '../../components/Panel';
import { engine, hasEngine } from '../../engine/engineHolder';
import { download } from '../../session/download';
import { openSessionBytes, saveSession } from '../../session/sessionActions';
import { AUTOSAVE_KEY, getSession, listRecent, type StoredSession } from '../../session/sessionStorage';
import { hasUnsavedChanges } from '../../stores/sessionSlice';
import { useStudio } from '../../stores/store';
import { ReplayBar } from './ReplayBar';

const deliver = (bytes: Uint8Array, name: string) => download(bytes, name, 'application/zip');

/**
 * Save / Save As / Open of .vlcs sessions (DESIGN §6), recent sessions and the autosave of the last
 * recording, the unsaved-changes state, and the replay bar. Opening needs no model; a session whose
 * timeline does not fit its recording is refused and the open one stays.
 */
export function SessionPanel() {
  const recording = useStudio((s) => s.recording);
  const name = useStudio((s) => s.sessionName);
  const dirty = useStudio(hasUnsavedChanges);
  const logLength = useStudio((s) => s.cursor);
  const connected = useStudio((s) => s.engine.state === 'connected');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [recent, setRecent] = useState<StoredSession[]>([]);
  const [autosaved, setAutosaved] = useState<StoredSession | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const refresh = useCallback(() => {
    listRecent().then(setRecent);
    getSession(AUTOSAVE_KEY).then(setAutosaved);
  }, []);
  useEffect(refresh, [refresh]);

  const task = useCallback(
    async (label: string, fn: () => Promise<unknown>) => {
      setBusy(label);
      setError(null);
      try {
        await fn();
      } catch (e) {
        setError((e as Error).message);
      } finally {
        setBusy(null);
        refresh();
      }
    },
    [refresh],
  );

  const save = useCallback(
    (saveAs: boolean) => task('saving…', () => saveSession(deliver, { saveAs })),
    [task],
  );
  const openBytes = (bytes: Uint8Array, n: string) => task('opening…', () => openSessionBytes(bytes, n));

  // The Electron menu's session commands (File ▸ Open/Save/Save As) arrive as `menu` events.
  useEffect(() => {
    if (!connected || !hasEngine()) return;
    return engine().on('menu', (cmd) => {
      if (cmd === 'saveSession') save(false);
      else if (cmd === 'saveSessionAs') save(true);
      else if (cmd === 'openSession') fileInput.current?.click();
    });
  }, [save, connected]);

  return (
    <Panel
      id="session"
      title="Session"
      help="Save or open a .vlcs session: the recording, its statistics, the parameters and the action log, which replays step by step (DESIGN §6)."
    >
      <div className="session-row">
        <button
          type="button"
          disabled={!recording || busy !== null}
          onClick={() => save(false)}
          title="Save (Ctrl+S)"
          data-testid="save-session"
        >
          Save
        </button>
        <button
          type="button"
          disabled={!recording || busy !== null}
          onClick={() => save(true)}
          data-testid="save-session-as"
        >
          Save As…
        </button>
        <label className="file-button">
          Open…
          <input
            ref={fileInput}
            type="file"
            accept=".vlcs,application/zip"
            data-testid="open-session"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) f.arrayBuffer().then((b) => openBytes(new Uint8Array(b), f.name));
              e.target.value = '';
            }}
          />
        </label>
      </div>
      <div className="muted" data-testid="session-state">
        {busy ??
          (recording
            ? `${name ?? 'unsaved session'}${dirty ? ' ● unsaved changes' : ' · saved'} · ${logLength} action${logLength === 1 ? '' : 's'}`
            : 'No recording yet: run a model or open a .vlcs session; saving needs a recording.')}
      </div>
      {error && (
        <div className="error" role="alert" data-testid="session-error">
          {error}
        </div>
      )}
      {recording && <ReplayBar />}
      {(recent.length > 0 || autosaved) && (
        <details className="recent">
          <summary>Recent</summary>
          <ul>
            {autosaved && (
              <li>
                <button
                  type="button"
                  className="link"
                  onClick={() => openBytes(autosaved.bytes, autosaved.name)}
                  data-testid="open-autosave"
                >
                  autosave: {autosaved.name}
                </button>{' '}
                <span className="muted">{new Date(autosaved.savedAt).toLocaleString()}</span>
              </li>
            )}
            {recent.map((r) => (
              <li key={r.key}>
                <button type="button" className="link" onClick={() => openBytes(r.bytes, r.name)}>
                  {r.name}
                </button>{' '}
                <span className="muted">{new Date(r.savedAt).toLocaleString()}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </Panel>
  );
}
