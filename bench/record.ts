/**
 * bench/record: the bundled model on CPU, image → Stats ready in the engine (DESIGN.md §10 target:
 * < 3 s on 2 cores), with peak memory; and the recording overhead: a prefill with the `queries.*`
 * outputs (decoder.onnx) against the same graph without them (decoder.noq.onnx), target ≤ 1.15×.
 * Ends with one line `record: …`.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { analysisBackend } from '../analysis/engine/analysisBackendDefault';
import { appRoot } from '../analysis/engine/appRoot';
import { Engine } from '../analysis/engine/engine';
import { loadModel } from '../analysis/model/loadedModel';
import { embedTokens, encodeImage, emptyCache } from '../analysis/model/decoder';
import { prepareImage } from '../analysis/model/image';
import { renderPrompt } from '../analysis/model/prompt';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const modelDir = join(appRoot(), 'assets', 'models', 'shapes-vlm');
const image = new Uint8Array(readFileSync(join(appRoot(), 'assets', 'samples', 'sample_00.png')));
const prompt = 'what colour is the star?';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 1. Image → Stats ready, through the Engine as the app uses it.
const engine = new Engine({ analysis: analysisBackend() });
const endToEnd: number[] = [];
const stages: Record<string, number[]> = {};
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 5);
for (let i = 0; i <= RUNS; i++) {
  const t = performance.now();
  const info = await engine.run({
    runId: `b${i}`,
    modelDir,
    provider: 'cpu',
    image: { bytes: image },
    prompt,
    maxNewTokens: 32,
  });
  const ms = performance.now() - t;
  if (i === 0) continue; // the first run loads the model and warms the kernels
  endToEnd.push(ms);
  for (const [k, v] of Object.entries(info.timings)) (stages[k] ??= []).push(v);
}
clearInterval(sampler);
const stageText = Object.entries(stages)
  .map(([k, v]) => `${k} ${median(v).toFixed(0)}`)
  .join(', ');
console.log(
  `image → Stats (engine.run, CPU): median ${median(endToEnd).toFixed(0)} ms over ${RUNS} runs; stages (median ms): ${stageText}; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
);

// 2. Prefill with and without the queries outputs, same inputs, alternating to share any drift.
const model = await loadModel(modelDir, 'cpu');
const layout = renderPrompt(model.manifest, model.tokenizer, prompt);
const img = await prepareImage(image, model.manifest);
const vis = await encodeImage(model, img.pixels, img.size);
const embeds = await embedTokens(model, layout.ids);
embeds.set(vis.features, layout.imageStart * model.manifest.hidden);
const noq = await ort.InferenceSession.create(join(modelDir, 'decoder.noq.onnx'), {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
});
const m = layout.ids.length;
const { layers: L, kvHeads: Hkv, headDim: D, hidden } = model.manifest;
const feeds: Record<string, ort.Tensor> = {
  inputs_embeds: new ort.Tensor('float32', embeds, [1, m, hidden]),
  position_ids: new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: m }, (_, i) => BigInt(i)),
    [1, m],
  ),
};
const empty = emptyCache(L);
for (let l = 0; l < L; l++) {
  feeds[`past_key_values.${l}.key`] = new ort.Tensor('float32', empty[l].key, [1, Hkv, 0, D]);
  feeds[`past_key_values.${l}.value`] = new ort.Tensor('float32', empty[l].value, [1, Hkv, 0, D]);
  feeds[`key_bias.${l}`] = new ort.Tensor('float32', new Float32Array(Hkv * m), [1, Hkv, 1, m]);
}
const withQ: number[] = [];
const withoutQ: number[] = [];
for (let i = 0; i < 2 * RUNS + 2; i++) {
  const useQ = i % 2 === 0;
  const t = performance.now();
  await (useQ ? model.sessions.decoder : noq).run(feeds);
  const ms = performance.now() - t;
  if (i < 2) continue;
  (useQ ? withQ : withoutQ).push(ms);
}
const ratio = median(withQ) / median(withoutQ);
console.log(
  `prefill (m = ${m}): with queries.* median ${median(withQ).toFixed(1)} ms, decoder.noq.onnx ${median(withoutQ).toFixed(1)} ms`,
);
console.log(
  `record: image→Stats median ${median(endToEnd).toFixed(0)} ms (target < 3000), peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; prefill overhead of queries ${ratio.toFixed(3)}× (target ≤ 1.15); load ${loadavg()[0].toFixed(2)}`,
);
await noq.release();
await model.release();
