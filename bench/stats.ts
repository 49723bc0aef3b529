/**
 * `bench/stats` (DESIGN.md §10): building Stats from queries and keys.
 *
 * 1. Bundled-model scale (L = 6, H = 8, Hkv = 2, D = 32, m = 600 with a 576-token image span, G = 16;
 *    synthetic Gaussian Q/K): the plain TypeScript builder and the ONNX probe on the chosen provider
 *    (target < 200 ms on CPU), each with its peak memory; baseline in the same run: one fused
 *    QKᵀ + softmax + column-sum pass of the same size (the column-sum graph over the same chunks).
 * 2. LLaVA-1.6 scale (L = 32, H = 32, Hkv = 8, D = 128, m = 2,900, G = 32): the probe and the same
 *    baseline on the provider, over `--llava-layers` layers (default 2; layers are independent and
 *    identically sized, so the time scales linearly to 32 — the output says what was run).
 *    With `--provider webgpu` the CPU probe runs too, for the GPU/CPU ratio (thread count printed).
 *
 * Run: `npx tsx bench/stats.ts [--provider cpu|webgpu] [--llava-layers N] [--runs N] [--threads N]`
 * (or `npm run bench -- stats …`). Prints medians and ends with one line `stats: …`.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import {
  type AttentionSpec,
  buildColumnSumGraph,
  buildStats,
  createStats,
  type LayerTensors,
  ProbeLayerAssembler,
  type StatsLayout,
} from '../analysis/attention/index';
import {
  type ProbeProvider,
  ProbeProviderUnavailableError,
  ProbeRunner,
} from '../analysis/model/probeRunner';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const provider = opt('provider', 'cpu') as ProbeProvider;
const llavaLayers = Number(opt('llava-layers', '2'));
const runs = Number(opt('runs', '7'));
const threads = Number(opt('threads', '0')) || undefined;
if (!['cpu', 'webgpu', 'cuda'].includes(provider)) throw new Error(`unknown provider ${provider}`);

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian queries (spread 1.5) and keys: logits of standard deviation ≈ 1.5, rows neither flat nor peaked. */
function syntheticLayers(spec: AttentionSpec, n: number, count: number, seed: number): LayerTensors[] {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const { heads: H, kvHeads: Hkv, headDim: D } = spec;
  return Array.from({ length: count }, () => ({
    queries: Float32Array.from({ length: H * n * D }, () => 1.5 * gauss()),
    keys: Float32Array.from({ length: Hkv * n * D }, gauss),
  }));
}

/** Peak RSS and JS heap above the level at the start, sampled after every layer. */
class MemoryPeak {
  private readonly rss0 = process.memoryUsage().rss;
  private readonly heap0 = process.memoryUsage().heapUsed;
  rss = 0;
  heap = 0;
  sample = () => {
    const u = process.memoryUsage();
    this.rss = Math.max(this.rss, u.rss - this.rss0);
    this.heap = Math.max(this.heap, u.heapUsed - this.heap0);
  };
}

interface Timing {
  first: number;
  times: number[];
}

async function timeRuns(count: number, f: () => Promise<void> | void): Promise<Timing> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return { first: times[0], times: times.length > 1 ? times.slice(1) : times };
}

/**
 * The baseline: QKᵀ + mask + softmax + one column sum over all rows, over exactly the probe's chunks
 * (same heads, rows and keys per call), on the same provider.
 */
class FusedBaseline {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly maxEntries: number,
  ) {}

  static async create(spec: AttentionSpec, p: ProbeProvider, maxEntries: number): Promise<FusedBaseline> {
    const session = await ort.InferenceSession.create(buildColumnSumGraph(spec), {
      executionProviders: [p],
      graphOptimizationLevel: 'all',
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
    return new FusedBaseline(session, maxEntries);
  }

  async run(spec: AttentionSpec, layout: StatsLayout, layers: LayerTensors[]): Promise<void> {
    const stats = createStats(spec, layout);
    for (let l = 0; l < layers.length; l++) {
      const asm = new ProbeLayerAssembler(stats, l % spec.layers, {
        maxEntries: this.maxEntries,
        histogram: 'bins',
      });
      for (const c of asm.chunks) {
        const f = asm.feeds(layers[l], c);
        const rows = c.r1 - c.r0;
        const wrap = (x: (typeof f)[string]) => new ort.Tensor(x.type, x.data, x.dims);
        await this.session.run({
          queries: wrap(f.queries),
          keys: wrap(f.keys),
          bias: wrap(f.bias),
          rowWeights: new ort.Tensor('float32', new Float32Array(rows).fill(1), [1, rows]),
        });
      }
    }
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

async function probeRunner(spec: AttentionSpec, p: ProbeProvider): Promise<ProbeRunner | null> {
  try {
    return await ProbeRunner.create(spec, {
      provider: p,
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
  } catch (e) {
    if (e instanceof ProbeProviderUnavailableError) {
      console.log(`probe on ${p}: unavailable — ${e.message}`);
      return null;
    }
    throw e;
  }
}

const cpuThreads = threads ?? cpus().length;
console.log(
  `stats bench: provider ${provider}, ${cpus().length} cores (ORT intra-op threads: ${threads ?? 'default = cores'}), load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);

// ---------------------------------------------------------------- bundled-model scale ----------
const bundled: AttentionSpec = {
  layers: 6,
  heads: 8,
  kvHeads: 2,
  headDim: 32,
  scale: 1 / Math.sqrt(32),
  softcap: null,
  slidingWindow: Array(6).fill(null),
};
const bLayout: StatsLayout = { m: 600, G: 16, postVisionStart: 581 }; // image [5, 581), 19 post-vision rows
const bLayers = syntheticLayers(bundled, bLayout.m + bLayout.G, bundled.layers, 1);

const tsMem = new MemoryPeak();
const tsTime = await timeRuns(Math.max(2, Math.ceil(runs / 2)), () => {
  buildStats(bundled, bLayout, (l) => bLayers[l], { onLayer: tsMem.sample });
});
console.log(
  `bundled (L 6, H 8, Hkv 2, D 32, m 600, G 16) TypeScript builder: first ${ms(tsTime.first)} ms, median ${ms(median(tsTime.times))} ms, peak +${mb(tsMem.rss)} MB RSS / +${mb(tsMem.heap)} MB heap`,
);

let bundledProbe: Timing | null = null;
let bundledBase: Timing | null = null;
const runner = await probeRunner(bundled, provider);
if (runner) {
  const mem = new MemoryPeak();
  bundledProbe = await timeRuns(runs, async () => {
    await runner.buildStats(bLayout, (l) => bLayers[l], { onLayer: mem.sample });
  });
  const base = await FusedBaseline.create(bundled, provider, runner.maxEntries);
  bundledBase = await timeRuns(runs, () => base.run(bundled, bLayout, bLayers));
  await base.release();
  await runner.release();
  console.log(
    `bundled probe on ${provider} (chunks ≤ ${runner.maxEntries} logits, histogram ${runner.histogram}): first ${ms(bundledProbe.first)} ms, median ${ms(median(bundledProbe.times))} ms, p95 ${ms(quantile(bundledProbe.times, 0.95))} ms (target < 200 ms on CPU), peak +${mb(mem.rss)} MB RSS`,
  );
  console.log(
    `bundled fused QKᵀ+softmax+column-sum baseline on ${provider}: median ${ms(median(bundledBase.times))} ms; probe / baseline ${(median(bundledProbe.times) / median(bundledBase.times)).toFixed(2)}×`,
  );
}

// ---------------------------------------------------------------- LLaVA-1.6 scale -------------
const llava: AttentionSpec = {
  layers: 32,
  heads: 32,
  kvHeads: 8,
  headDim: 128,
  scale: 1 / Math.sqrt(128),
  softcap: null,
  slidingWindow: Array(32).fill(null),
};
const lLayout: StatsLayout = { m: 2900, G: 32, postVisionStart: 2885 }; // image [5, 2885)
const runLayers = Math.max(1, Math.min(32, llavaLayers));
const lLayers = syntheticLayers(llava, lLayout.m + lLayout.G, runLayers, 2);
// Stats for the run layers only (a spec of runLayers layers: identical per-layer work).
const llavaRun: AttentionSpec = { ...llava, layers: runLayers, slidingWindow: Array(runLayers).fill(null) };
const llavaRuns = Math.max(1, Math.min(3, runs));

async function llavaProbe(
  p: ProbeProvider,
): Promise<{ probe: Timing; base: Timing; rss: number; maxEntries: number } | null> {
  const r = await probeRunner(llavaRun, p);
  if (!r) return null;
  const mem = new MemoryPeak();
  const probe = await timeRuns(llavaRuns, async () => {
    await r.buildStats(lLayout, (l) => lLayers[l], { onLayer: mem.sample });
  });
  const base = await FusedBaseline.create(llavaRun, p, r.maxEntries);
  const baseT = await timeRuns(llavaRuns, () => base.run(llavaRun, lLayout, lLayers));
  await base.release();
  await r.release();
  return { probe, base: baseT, rss: mem.rss, maxEntries: r.maxEntries };
}

const perLayer = (t: Timing) => median(t.times) / runLayers;
// An unavailable provider was reported above; do not try it again.
const lp = runner ? await llavaProbe(provider) : null;
if (lp) {
  console.log(
    `llava-1.6 (L 32, H 32, Hkv 8, D 128, m 2900, G 32) probe on ${provider}: ran ${runLayers} of 32 layers, ${llavaRuns} run(s): median ${ms(perLayer(lp.probe))} ms/layer → ${((perLayer(lp.probe) * 32) / 1000).toFixed(1)} s for 32 layers (scaled), peak +${mb(lp.rss)} MB RSS, chunks ≤ ${lp.maxEntries} logits`,
  );
  console.log(
    `llava fused QKᵀ+softmax+column-sum baseline on ${provider}: ${ms(perLayer(lp.base))} ms/layer; probe / baseline ${(perLayer(lp.probe) / perLayer(lp.base)).toFixed(2)}× (target ≤ 1.5× on the GPU)`,
  );
}
let gpuVsCpu = '';
if (provider !== 'cpu' && lp) {
  const cpu = await llavaProbe('cpu');
  if (cpu) {
    const ratio = perLayer(cpu.probe) / perLayer(lp.probe);
    gpuVsCpu = `, ${provider} ${ratio.toFixed(1)}× faster than CPU (${cpuThreads} threads)`;
    console.log(
      `llava probe on cpu (${cpuThreads} threads): ${ms(perLayer(cpu.probe))} ms/layer; ${provider}/cpu speed-up ${ratio.toFixed(1)}×`,
    );
  }
}

const parts = [
  `bundled TS median ${ms(median(tsTime.times))} ms`,
  bundledProbe && bundledBase
    ? `probe(${provider}) median ${ms(median(bundledProbe.times))} ms p95 ${ms(quantile(bundledProbe.times, 0.95))} ms (first ${ms(bundledProbe.first)} ms), baseline ${ms(median(bundledBase.times))} ms, ratio ${(median(bundledProbe.times) / median(bundledBase.times)).toFixed(2)}×`
    : `probe(${provider}) unavailable`,
  lp
    ? `llava probe(${provider}) ${ms(perLayer(lp.probe))} ms/layer ≈ ${((perLayer(lp.probe) * 32) / 1000).toFixed(1)} s/32 layers (${runLayers} run), baseline ${ms(perLayer(lp.base))} ms/layer, ratio ${(perLayer(lp.probe) / perLayer(lp.base)).toFixed(2)}×${gpuVsCpu}`
    : `llava probe(${provider}) unavailable`,
];
console.log(`stats: ${parts.join('; ')}`);
