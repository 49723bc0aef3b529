/**
 * An EngineApi over a synthetic recording, for renderer tests, previews and the UI benchmark: runs
 * report staged progress and return the synthetic recording; statistics and tiles come from the
 * analysis core over its synthetic queries and keys. It decodes nothing (`canEvaluate` is false), so
 * evaluation paths are exercised only against the real engine.
 */
import type { EngineApi, EngineParams, EngineResult, RecordingInfo } from '../../../../analysis/engine/api';
import type { Stats } from '../../../../analysis/attention/stats';

export interface FakeRecording {
  info: RecordingInfo;
  stats: Stats;
  tile(layer: number, head: number | 'mean', rows: [number, number], cols: [number, number]): Float32Array;
}

export interface FakeEngineOptions {
  recording: FakeRecording;
  png?: Uint8Array;
  emit?: (event: string, payload: unknown) => void;
  /** Milliseconds between progress events of a run. */
  stepMs?: number;
}

const fail = (what: string) => () =>
  Promise.reject(new Error(`${what} is not available in the synthetic engine`));

export function fakeEngine(o: FakeEngineOptions): EngineApi & { calls: string[] } {
  const calls: string[] = [];
  const info: RecordingInfo = o.png
    ? { ...o.recording.info, image: { ...o.recording.info.image, png: o.png } }
    : o.recording.info;
  const cancelled = new Set<string>();
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const api: EngineApi = {
    version: async () => ({ app: '0.0.0-synthetic', node: 'n/a', onnxruntime: 'n/a', platform: 'browser' }),
    listProviders: async () => [
      { id: 'cpu', available: true },
      { id: 'webgpu', available: false, reason: 'synthetic engine' },
      { id: 'cuda', available: false, reason: 'synthetic engine' },
    ],
    listModels: async () => [
      {
        dir: '/synthetic',
        source: 'bundled',
        ok: true,
        name: info.model.name,
        errors: [],
        summary: {
          family: 'llava',
          layers: info.dims.L,
          heads: info.dims.H,
          kvHeads: info.dims.Hkv,
          hidden: info.dims.H * info.dims.D,
          imageTokens: info.model.imageGrid.rows * info.model.imageGrid.cols,
        },
      },
    ],
    listSamples: async () => [
      { image: 'synthetic.png', questions: ['what colour is the triangle?', 'describe the picture.'] },
    ],
    getSample: async () => ({ png: o.png ?? new Uint8Array(0) }),
    async run(p: EngineParams<'run'>): Promise<EngineResult<'run'>> {
      const stages = ['preprocess', 'vision', 'prefill', 'decode', 'statistics'] as const;
      for (const [i, stage] of stages.entries()) {
        if (cancelled.has(p.runId)) throw Object.assign(new Error('run cancelled'), { code: 'cancelled' });
        o.emit?.('runProgress', {
          runId: p.runId,
          stage,
          fraction: i / stages.length,
          ...(stage === 'decode' ? { step: 1, total: info.dims.G } : {}),
        });
        await wait(o.stepMs ?? 0);
      }
      return info;
    },
    cancelRun: async (p) => {
      cancelled.add(p.runId);
      return { cancelled: true };
    },
    getStats: async (p) => {
      if (p.recordingId !== info.recordingId) throw new Error(`no recording ${p.recordingId}`);
      return o.recording.stats as EngineResult<'getStats'>;
    },
    getTile: async (p) => {
      const data = o.recording.tile(p.layer, p.head, p.rows, p.cols);
      return { data, rows: p.rows[1] - p.rows[0], cols: p.cols[1] - p.cols[0] };
    },
    getWindowSums: fail('window sums'),
    evaluatePolicy: fail('decoding under a policy'),
    exportSession: fail('session saving'),
    importSession: fail('session opening'),
    startEval: fail('eval sweeps'),
    cancelEval: async () => ({ cancelled: false }),
    getEvalResults: fail('eval sweeps'),
    getEvalItemImage: fail('eval sweeps'),
  };
  for (const k of Object.keys(api) as (keyof EngineApi)[]) {
    const f = api[k] as (p: unknown) => Promise<unknown>;
    (api as Record<string, unknown>)[k] = (p: unknown) => {
      calls.push(k);
      return f(p);
    };
  }
  return Object.assign(api, { calls });
}
