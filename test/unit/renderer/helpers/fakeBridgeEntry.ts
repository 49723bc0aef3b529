/**
 * Browser entry that installs a synthetic engine as `window.vlcache` (the Electron preload's shape)
 * before the app boots, so the built renderer runs without a model: previews and the UI benchmark
 * inject it with Playwright's addInitScript. Options come from `window.__VLC_FAKE__`.
 */
import { llavaScaleRecording } from './llavaScaleRecording';
import { syntheticRecording, type SyntheticOptions } from './syntheticRecording';
import { fakeEngine } from './fakeEngine';

declare global {
  interface Window {
    __VLC_FAKE__?: { png?: number[]; options?: SyntheticOptions; stepMs?: number; scale?: 'small' | 'llava' };
  }
}

const cfg = window.__VLC_FAKE__ ?? {};
const listeners = new Map<string, Set<(p: unknown) => void>>();
let engine: ReturnType<typeof fakeEngine> | null = null;
const get = () => {
  if (!engine)
    engine = fakeEngine({
      recording: cfg.scale === 'llava' ? llavaScaleRecording() : syntheticRecording(cfg.options),
      png: cfg.png ? new Uint8Array(cfg.png) : undefined,
      stepMs: cfg.stepMs ?? 60,
      emit: (event, payload) => {
        for (const l of listeners.get(event) ?? []) l(payload);
      },
    });
  return engine;
};

const bridge: Record<string, unknown> = {
  on(event: string, listener: (p: unknown) => void) {
    let s = listeners.get(event);
    if (!s) listeners.set(event, (s = new Set()));
    s.add(listener);
    return () => s.delete(listener);
  },
};
for (const m of [
  'version',
  'listProviders',
  'listModels',
  'listSamples',
  'getSample',
  'run',
  'cancelRun',
  'getStats',
  'getTile',
  'evaluatePolicy',
  'exportSession',
  'importSession',
]) {
  bridge[m] = async (params: unknown) => {
    try {
      const api = get() as unknown as Record<string, (p: unknown) => Promise<unknown>>;
      return { id: 0, ok: true, result: await api[m](params) };
    } catch (e) {
      return { id: 0, ok: false, error: { name: 'Error', code: 'synthetic', message: (e as Error).message } };
    }
  };
}
(window as unknown as { vlcache: unknown }).vlcache = bridge;
