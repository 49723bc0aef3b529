/**
 * Actions that talk to the engine about recordings: start a run (following its progress events) and
 * cancel it, and make a recording current — its info at once, its Stats when they arrive. Module-level
 * so the Run panel, the session view and tests call the same code.
 */
import type { EngineParams, RecordingInfo, RunProgressEvent } from '../../../analysis/engine/api';
import { engine } from '../engine/engineHolder';
import type { LogEntry } from './actionLog';
import type { Params } from './paramsSlice';
import type { StudioState } from './store';
import { actions, studio } from './store';

const set = (patch: Partial<StudioState>) => studio.store.setState(patch);
const get = () => studio.store.getState();

export interface RunRequest {
  modelDir: string;
  provider: EngineParams<'run'>['provider'];
  image: { bytes: Uint8Array } | { sample: string };
  prompt: string;
  maxNewTokens: number;
}

let runCounter = 0;

/** Runs the model; resolves when the run ended (its outcome is in the `run` state). */
export async function startRun(req: RunRequest): Promise<void> {
  const e = engine();
  if (get().run.state === 'running') return;
  const runId = `run-${Date.now().toString(36)}-${++runCounter}`;
  set({ run: { state: 'running', runId, progress: null, cancelling: false } });
  const off = e.on('runProgress', (payload) => {
    const p = payload as RunProgressEvent;
    const r = get().run;
    if (r.state === 'running' && p.runId === r.runId) set({ run: { ...r, progress: p } });
  });
  try {
    const info = await e.api.run({ runId, ...req });
    set({ run: { state: 'idle' } });
    await openRecording(info);
  } catch (err) {
    const r = get().run;
    const cancelled = r.state === 'running' && r.cancelling;
    const message = (err as Error).message;
    set({
      run: cancelled || /cancel/i.test(message) ? { state: 'cancelled' } : { state: 'failed', message },
    });
  } finally {
    off();
  }
}

export async function cancelRun(): Promise<void> {
  const r = get().run;
  if (r.state !== 'running') return;
  set({ run: { ...r, cancelling: true } });
  await engine().api.cancelRun({ runId: r.runId });
}

/**
 * Makes a recording current: clamps the layer and head to its model, selects its last prompt token
 * (the first row that has seen the whole prompt) unless a selection exists in range, and fetches Stats.
 */
export async function openRecording(
  info: RecordingInfo,
  /** An opened session's state (checked by `loadTimeline`): its params and action log replace ours. */
  restore?: { params: Params; log: LogEntry[]; name: string },
): Promise<void> {
  set({ recording: info, stats: null, statsError: null, evaluations: {} });
  if (restore) {
    actions.restore(restore.params, restore.log);
    const s = get();
    set({
      sessionName: restore.name,
      saved: { recordingId: info.recordingId, log: s.log, cursor: s.cursor },
    });
  } else {
    set({ sessionName: null, saved: null });
    const p = get().params;
    const { L, H, m, G } = info.dims;
    const patch: Partial<StudioState['params']> = {};
    if (p.layer >= L) patch.layer = L - 1;
    if (p.head !== 'mean' && p.head >= H) patch.head = 'mean';
    if (p.queryToken === null || p.queryToken >= m + G) patch.queryToken = m - 1;
    if (Object.keys(patch).length) actions.dispatch({ type: 'setParams', patch });
  }
  try {
    const stats = await engine().api.getStats({ recordingId: info.recordingId });
    if (get().recording?.recordingId === info.recordingId) set({ stats });
  } catch (err) {
    if (get().recording?.recordingId === info.recordingId) set({ statsError: (err as Error).message });
  }
}
