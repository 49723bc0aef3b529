/**
 * `bench/decode`: the cost of one decode step (n = 1) with the full KV cache against the same step
 * with every layer's cache compacted to round(keep × T) positions — what eviction buys per generated
 * token. Past keys and values are random tensors of the package's shapes ([1, kvHeads, T, headDim]
 * per layer, in its ioDtype); the new token's position is T in both cases (eviction never renumbers
 * positions), and key_bias is zeros, as the app feeds it.
 *
 * Timed is what the app runs for decoding: the package's `files.decoder` (decoder.onnx, with its
 * `queries.*` outputs) loaded by `loadModel` and called through `runDecoder`. `decoder.noq.onnx`
 * (benchmarks only, docs/model-package.md) is timed as well with `--noq` when the package has it.
 * The app's runDecoder feeds f32; an f16 package is timed with the same inputs and outputs in f16.
 * Warm-up calls come first; full and compacted calls then alternate, so drift hits both.
 *
 * Run: `npx tsx bench/decode.ts [--model DIR] [--provider cpu|webgpu|cuda] [--contexts 256,512,1000]
 *   [--keep 0.1] [--reps 10] [--warmup 2] [--threads N] [--noq]` (or `npm run bench -- decode …`).
 * Large contexts: add `--expose-gc` (node) so the caches each step returns are freed between steps.
 * Ends with one line `decode: …`.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { appRoot } from '../analysis/engine/appRoot';
import { type LayerCache, runDecoder } from '../analysis/model/decoder';
import { type LoadedModel, loadModel, setSessionThreads } from '../analysis/model/loadedModel';
import { PROVIDERS, type ProviderId } from '../analysis/model/providers';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    provider: { type: 'string', default: 'cpu' },
    contexts: { type: 'string', default: '256,512,1000' },
    keep: { type: 'string', default: '0.1' },
    reps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    threads: { type: 'string' },
    noq: { type: 'boolean', default: false },
  },
});
const provider = values.provider as ProviderId;
if (!(PROVIDERS as readonly string[]).includes(provider))
  throw new Error(`unknown provider ${provider} (have: ${PROVIDERS.join(', ')})`);
const modelDir = values.model ? resolve(values.model) : join(appRoot(), 'assets', 'models', 'shapes-vlm');
const contexts = values.contexts.split(',').map((s) => Number(s.trim()));
const keep = Number(values.keep);
const reps = Number(values.reps);
const warmup = Number(values.warmup);
if (contexts.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`bad --contexts ${values.contexts}`);
if (!(keep > 0 && keep <= 1)) throw new Error(`--keep must be in (0, 1], got ${values.keep}`);
if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`bad --reps ${values.reps}`);
if (values.threads) setSessionThreads(Number(values.threads));

function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20)} MiB`;
/** Peak resident set of the process so far (ru_maxrss, KiB on Linux). */
const peakRss = () => process.resourceUsage().maxRSS * 1024;

// Deterministic random numbers (xorshift32), so runs are comparable.
let seed = 0x9e3779b9;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
function randomF32(n: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * rand() - 1) * scale;
  return a;
}
/** IEEE half bit patterns of magnitude in [2^-3, 1) with a random sign (scale only moves the exponent). */
function randomF16(n: number, scale: number): Uint16Array {
  const a = new Uint16Array(n);
  const expShift = Math.round(Math.log2(scale)) << 10;
  for (let i = 0; i < n; i++) {
    const r = rand();
    a[i] = (r < 0.5 ? 0x8000 : 0) | (0x3000 + expShift + Math.floor(((r * 2) % 1) * 0x0c00));
  }
  return a;
}

const model = await loadModel(modelDir, provider);
const man = model.manifest;
const { layers: L, kvHeads: Hkv, headDim: D, hidden } = man;
const f16 = man.ioDtype === 'f16';
const dtype = f16 ? 'float16' : 'float32';
const bytesPerEl = f16 ? 2 : 4;
const noqFile = 'decoder.noq.onnx';
const hasNoq = noqFile in man.hashes && existsSync(join(modelDir, noqFile));
let noq: ort.InferenceSession | null = null;
if (values.noq) {
  if (!hasNoq) console.log(`(--noq: ${modelDir} has no ${noqFile}; timing ${man.files.decoder} only)`);
  else
    noq = await ort.InferenceSession.create(join(modelDir, noqFile), {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      ...(values.threads ? { intraOpNumThreads: Number(values.threads), interOpNumThreads: 1 } : {}),
    });
}
console.log(
  `model ${man.name} (${modelDir}): L ${L}, heads ${man.heads}, kvHeads ${Hkv}, headDim ${D}, hidden ${hidden}, ioDtype ${man.ioDtype}, kvDtype ${man.kvDtype}, maxPositions ${man.maxPositions}; provider ${model.provider}; timing ${man.files.decoder}${noq ? ` and ${noqFile}` : ''}; keep ${keep}, ${warmup} warm-up + ${reps} reps each; peak RSS after load ${mib(peakRss())}`,
);

/** One layer's past as the app holds it; every layer shares the same buffers (same shapes). */
interface Past {
  length: number;
  key: Float32Array | Uint16Array;
  value: Float32Array | Uint16Array;
}
function makePast(T: number): Past {
  const n = Hkv * T * D;
  return f16
    ? { length: T, key: randomF16(n, 1), value: randomF16(n, 1) }
    : { length: T, key: randomF32(n, 1), value: randomF32(n, 1) };
}
const embedsF32 = randomF32(hidden, 0.05);
const embedsF16 = randomF16(hidden, 0.0625);

const fetchesApp = [
  'logits',
  ...Array.from({ length: L }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat(),
];

/** The decoder's feeds for one step, laid out as runDecoder lays them out (in the package's dtype). */
function feedsFor(past: Past): Record<string, ort.Tensor> {
  const T = past.length;
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: new ort.Tensor(dtype, f16 ? embedsF16 : embedsF32, [1, 1, hidden]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from([BigInt(T)]), [1, 1]),
  };
  for (let l = 0; l < L; l++) {
    feeds[`past_key_values.${l}.key`] = new ort.Tensor(dtype, past.key, [1, Hkv, T, D]);
    feeds[`past_key_values.${l}.value`] = new ort.Tensor(dtype, past.value, [1, Hkv, T, D]);
    const zeros = f16 ? new Uint16Array(Hkv * (T + 1)) : new Float32Array(Hkv * (T + 1));
    feeds[`key_bias.${l}`] = new ort.Tensor(dtype, zeros, [1, Hkv, 1, T + 1]);
  }
  return feeds;
}

/** One decode step on the app's decoder: runDecoder itself for f32 packages. */
async function stepApp(m: LoadedModel, past: Past): Promise<void> {
  if (!f16) {
    const layer: LayerCache = {
      key: past.key as Float32Array,
      value: past.value as Float32Array,
      length: past.length,
    };
    await runDecoder(m, {
      embeds: embedsF32,
      n: 1,
      positions: [past.length],
      past: Array.from({ length: L }, () => layer),
    });
    return;
  }
  await m.sessions.decoder.run(feedsFor(past), fetchesApp);
}
const stepNoq = async (past: Past) => {
  await noq?.run(feedsFor(past), fetchesApp);
};

/**
 * With `node --expose-gc`, a collection between steps (for caches of 256 MiB and more; small ones
 * would only add noise) keeps the caches the steps return from piling up.
 */
const gc = (globalThis as { gc?: () => void }).gc;

interface Timing {
  median: number;
  p95: number;
}
async function timePair(
  step: (p: Past) => Promise<void>,
  full: Past,
  compact: Past,
  collect: boolean,
): Promise<{ full: Timing; compact: Timing }> {
  for (let i = 0; i < warmup; i++) {
    await step(full);
    await step(compact);
  }
  const tf: number[] = [];
  const tc: number[] = [];
  for (let i = 0; i < reps; i++) {
    const order: [Past, number[]][] = [
      [full, tf],
      [compact, tc],
    ];
    if (i % 2 === 1) order.reverse();
    for (const [p, xs] of order) {
      // Outside the timed call: each step returns the whole present cache (L × 2 × (T + 1) rows).
      if (collect) gc?.();
      const t = performance.now();
      await step(p);
      xs.push(performance.now() - t);
    }
  }
  const sum = (xs: number[]) => ({ median: quantile(xs, 0.5), p95: quantile(xs, 0.95) });
  return { full: sum(tf), compact: sum(tc) };
}

const summary: string[] = [];
const pct = `${+(keep * 100).toFixed(1)}%`;
for (const T of contexts) {
  if (T + 1 > man.maxPositions) {
    console.log(`decode T=${T}: skipped (position ${T} is past maxPositions ${man.maxPositions})`);
    summary.push(`T=${T} skipped`);
    continue;
  }
  const Tc = Math.max(1, Math.round(keep * T));
  const full = makePast(T);
  const compact = makePast(Tc);
  const kvBytes = (t: number) => 2 * L * Hkv * t * D * bytesPerEl;
  const graphs: [string, (p: Past) => Promise<void>][] = [[man.files.decoder, (p) => stepApp(model, p)]];
  if (noq) graphs.push([noqFile, stepNoq]);
  for (const [name, step] of graphs) {
    const r = await timePair(step, full, compact, kvBytes(T) >= 2 ** 28);
    const ratio = r.full.median / r.compact.median;
    console.log(
      `decode T=${T} full median ${fmt(r.full.median)} ms p95 ${fmt(r.full.p95)}; compacted(${pct}, ${Tc}) median ${fmt(r.compact.median)} ms p95 ${fmt(r.compact.p95)}; ratio full/compacted ${ratio.toFixed(2)}× [${name}, ${model.provider}; KV ${mib(kvBytes(T))} vs ${mib(kvBytes(Tc))}; peak RSS ${mib(peakRss())}]`,
    );
    if (name === man.files.decoder)
      summary.push(`T=${T} ${fmt(r.full.median)}/${fmt(r.compact.median)} ms ${ratio.toFixed(2)}×`);
  }
}
console.log(
  `decode: ${man.name} on ${model.provider} (${man.ioDtype}), full/compacted(${pct}) median per step: ${summary.join(', ')}; peak RSS ${mib(peakRss())}; load ${loadavg()[0].toFixed(2)}`,
);
await noq?.release();
await model.release();
