import { useState } from 'react';
import { Panel } from '../../components/Panel';
import { engine } from '../../engine/engineHolder';
import { sanitizeParams } from '../../stores/paramsSlice';
import { openRecording } from '../../stores/runActions';
import { actions, studio, useStudio } from '../../stores/store';

/**
 * Save the current recording with its params and action log as a .vlcs session, or open one (DESIGN
 * §6). Opening needs no model; the session's params are applied through the action log.
 */
export function SessionPanel() {
  const recording = useStudio((s) => s.recording);
  const logLength = useStudio((s) => s.cursor);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const save = async () => {
    const s = studio.store.getState();
    if (!s.recording) return;
    setBusy('saving…');
    setError(null);
    try {
      const timeline = s.log.slice(0, s.cursor).map((e) => ({ ...e }) as Record<string, unknown>);
      const r = await engine().api.exportSession({
        recordingId: s.recording.recordingId,
        params: s.params as unknown as Record<string, unknown>,
        timeline,
      });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(
        new Blob([r.bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
      );
      a.download = r.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const open = async (file: File) => {
    setBusy('opening…');
    setError(null);
    try {
      const r = await engine().api.importSession({ bytes: new Uint8Array(await file.arrayBuffer()) });
      const { params, timeline: _timeline, ...info } = r;
      await openRecording(info);
      const patch = sanitizeParams(params);
      if (Object.keys(patch).length) actions.dispatch({ type: 'setParams', patch });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Panel
      id="session"
      title="Session"
      help="Save or open a .vlcs session: the recording, its statistics, the parameters and the action log (DESIGN §6)."
    >
      <div className="session-row">
        <button
          type="button"
          disabled={!recording || busy !== null}
          onClick={save}
          data-testid="save-session"
        >
          Save session
        </button>
        <label className="file-button">
          Open session…
          <input
            type="file"
            accept=".vlcs,application/zip"
            data-testid="open-session"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) open(f);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      <div className="muted">
        {busy ??
          (recording
            ? `${logLength} action${logLength === 1 ? '' : 's'} in the log`
            : 'No recording yet: run a model or open a .vlcs session; saving needs a recording.')}
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </Panel>
  );
}
