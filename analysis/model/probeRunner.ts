/**
 * Runs the attention probe (analysis/attention/probeGraph.ts) through onnxruntime-node on one
 * execution provider and assembles Stats from its per-chunk outputs — the builder for large
 * recordings, equal to the TypeScript builder within ALGORITHMS §9. One layer's tensors are held at a
 * time and one chunk of probabilities lives on the provider at a time.
 *
 * The provider is the caller's choice: creating a WebGPU session where no adapter exists throws, and
 * this runner reports that as ProbeProviderUnavailableError instead of quietly running on the CPU —
 * the engine decides whether to fall back and tells the user which provider ran.
 */
import * as ort from 'onnxruntime-node';
import {
  type AttentionSpec,
  buildColumnSumGraph,
  buildProbeGraph,
  createStats,
  DEFAULT_MAX_ENTRIES,
  firstVisibleKey,
  type LayerTensors,
  positionsOf,
  type ProbeChunkOutputs,
  type ProbeFeed,
  type ProbeHistogramMode,
  ProbeLayerAssembler,
  type Stats,
  type StatsLayout,
  slidingWindowOf,
  vectorOffset,
  visibilityBias,
  windowSumSet,
} from '../attention/index';
import { VlcacheError } from '../engine/errors';

/** The execution providers of analysis/model/providers.ts (cuda only where the user installed it). */
export type ProbeProvider = 'cpu' | 'webgpu' | 'cuda';

/** The provider could not create a session (no GPU adapter, provider not bundled, …). */
export class ProbeProviderUnavailableError extends VlcacheError {
  constructor(
    readonly provider: ProbeProvider,
    reason: string,
  ) {
    super('probe-provider-unavailable', `the ${provider} provider cannot run the probe: ${reason}`, {
      provider,
      reason,
    });
  }
}

export interface ProbeRunnerOptions {
  provider: ProbeProvider;
  /**
   * Largest chunk in logits (heads × rows × keys). Defaults: 2^19 on CPU (cache-sized intermediates),
   * 2^25 on a GPU provider, where fewer, larger dispatches keep the device busy.
   */
  maxEntries?: number;
  /** CPU threads for ORT's intra-op pool (ORT's default: one per core). */
  intraOpNumThreads?: number;
  /**
   * How histograms come back (see `ProbeHistogramMode`). Default: `bins` on CPU (counted here, faster
   * than ORT's scatter), `scatter` on GPU providers (counted on the device, 486 numbers per head back).
   */
  histogram?: ProbeHistogramMode;
}

export interface ProbeBuildOptions {
  /** Called after each layer with (layer, L); throw from it to cancel. */
  onLayer?: (layer: number, layers: number) => void;
}

/** A layer's tensors, possibly read lazily (e.g. from a session file). */
export type GetLayerAsync = (layer: number) => LayerTensors | Promise<LayerTensors>;

export const DEFAULT_GPU_MAX_ENTRIES = 1 << 25;

export class ProbeRunner {
  private columnSums?: ort.InferenceSession;

  private constructor(
    readonly spec: AttentionSpec,
    readonly provider: ProbeProvider,
    readonly maxEntries: number,
    readonly histogram: ProbeHistogramMode,
    private readonly sessionOptions: ort.InferenceSession.SessionOptions,
    private readonly probe: ort.InferenceSession,
  ) {}

  static async create(spec: AttentionSpec, options: ProbeRunnerOptions): Promise<ProbeRunner> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [options.provider],
      graphOptimizationLevel: 'all',
      ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    };
    const cpu = options.provider === 'cpu';
    const histogram = options.histogram ?? (cpu ? 'bins' : 'scatter');
    const probe = await createSession(buildProbeGraph(spec, histogram), options.provider, sessionOptions);
    const maxEntries = options.maxEntries ?? (cpu ? DEFAULT_MAX_ENTRIES : DEFAULT_GPU_MAX_ENTRIES);
    return new ProbeRunner(spec, options.provider, maxEntries, histogram, sessionOptions, probe);
  }

  /** Every field of Stats, layer by layer (getLayer is called once per layer, in order). */
  async buildStats(
    layout: StatsLayout,
    getLayer: GetLayerAsync,
    options: ProbeBuildOptions = {},
  ): Promise<Stats> {
    const stats = createStats(this.spec, layout);
    for (let l = 0; l < this.spec.layers; l++) {
      const tensors = await getLayer(l);
      positionsOf(this.spec, tensors, layout.m + layout.G);
      const asm = new ProbeLayerAssembler(stats, l, {
        maxEntries: this.maxEntries,
        histogram: this.histogram,
      });
      for (const chunk of asm.chunks) {
        const out = await this.probe.run(toOrt(asm.feeds(tensors, chunk)));
        const outputs: ProbeChunkOutputs = {
          columnSums: out.columnSums.data as Float32Array,
          overview: out.overview.data as Uint8Array,
          ...(this.histogram === 'bins'
            ? { bins: out.bins.data as Uint8Array }
            : { histogram: out.histogram.data as Int32Array }),
        };
        asm.add(chunk, outputs);
      }
      asm.commit(tensors);
      options.onLayer?.(l, this.spec.layers);
    }
    return stats;
  }

  /**
   * Observation-window sums for a window size outside WINDOW_SIZES, on this provider (the TypeScript
   * counterpart is `addWindowSums`); stored as `stats.windowSums[w]` and returned.
   */
  async addWindowSums(stats: Stats, getLayer: GetLayerAsync, w: number): Promise<Float32Array> {
    this.columnSums ??= await createSession(
      buildColumnSumGraph(this.spec),
      this.provider,
      this.sessionOptions,
    );
    const { L, H, Hkv, D, m, G } = stats.dims;
    const n = m + G;
    const gs = H / Hkv;
    const { start: r0, end: r1 } = windowSumSet({ m, G, postVisionStart: stats.postVisionStart }, w);
    const out = new Float32Array(L * Hkv * m);
    const rows = r1 - r0;
    if (rows > 0) {
      for (let l = 0; l < L; l++) {
        const t = await getLayer(l);
        positionsOf(this.spec, t, n);
        const W = slidingWindowOf(this.spec, l);
        const k0 = firstVisibleKey(r0, W);
        const keys = r1 - k0;
        const groupsPerCall = Math.max(1, Math.floor(this.maxEntries / (gs * rows * keys)));
        const base = vectorOffset(stats.dims, l, 0);
        for (let g0 = 0; g0 < Hkv; g0 += groupsPerCall) {
          const g1 = Math.min(Hkv, g0 + groupsPerCall);
          const heads = (g1 - g0) * gs;
          const q = new Float32Array(heads * rows * D);
          for (let i = 0; i < heads; i++)
            q.set(
              t.queries.subarray(((g0 * gs + i) * n + r0) * D, ((g0 * gs + i) * n + r1) * D),
              i * rows * D,
            );
          const k = new Float32Array((g1 - g0) * keys * D);
          for (let i = 0; i < g1 - g0; i++)
            k.set(t.keys.subarray(((g0 + i) * n + k0) * D, ((g0 + i) * n + r1) * D), i * keys * D);
          const res = await this.columnSums.run({
            queries: new ort.Tensor('float32', q, [g1 - g0, gs, rows, D]),
            keys: new ort.Tensor('float32', k, [g1 - g0, 1, keys, D]),
            bias: new ort.Tensor(
              'float32',
              visibilityBias(r0, r1, k0, r1, (x) => firstVisibleKey(x, W)),
              [rows, keys],
            ),
            rowWeights: new ort.Tensor('float32', new Float32Array(rows).fill(1), [1, rows]),
          });
          const sums = res.columnSums.data as Float32Array; // [kvHeads, g, 1, keys]
          const acc = new Float64Array((g1 - g0) * m);
          for (let i = 0; i < heads; i++) {
            const g = Math.floor(i / gs);
            for (let j = k0; j < Math.min(r1, m); j++) acc[g * m + j] += sums[i * keys + j - k0];
          }
          out.set(acc, base + g0 * m);
        }
      }
    }
    stats.windowSums[w] = out;
    return out;
  }

  async release(): Promise<void> {
    await this.probe.release();
    await this.columnSums?.release();
  }
}

/** Builds Stats through the probe on one provider and releases the sessions afterwards. */
export async function buildStatsWithProbe(
  spec: AttentionSpec,
  layout: StatsLayout,
  getLayer: GetLayerAsync,
  options: ProbeRunnerOptions & ProbeBuildOptions,
): Promise<Stats> {
  const runner = await ProbeRunner.create(spec, options);
  try {
    return await runner.buildStats(layout, getLayer, options);
  } finally {
    await runner.release();
  }
}

async function createSession(
  model: Uint8Array,
  provider: ProbeProvider,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, options);
  } catch (e) {
    // ORT prefixes its messages with a source location and the failed check; the rest of the first
    // line is the reason ("Failed to get a WebGPU adapter: No supported adapters").
    const first = ((e as Error).message ?? String(e)).split('\n')[0];
    const reason = first.replace(/^\/\S+:\d+ (.*? was false\. )?/, '').trim() || first;
    throw new ProbeProviderUnavailableError(provider, reason);
  }
}

function toOrt(feeds: Record<string, ProbeFeed>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) out[name] = new ort.Tensor(f.type, f.data, f.dims);
  return out;
}
