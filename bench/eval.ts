/**
 * `bench/eval` (issue 8): the eval sweep on CPU with the bundled model (assets/models/shapes-vlm) and
 * its eval set (assets/eval), every preset × the default budget grid (12 × 9 cells per item).
 *
 * Measured:
 * - items per second of a real sweep (`runSweep`, worker threads = the machine's cores, model load
 *   in each worker included) over the first N items, and the per-item time of the same work done
 *   in-process, one item after another (median, p95);
 * - the point of the design: decoding all (policy, budget) pairs of an item from one shared
 *   full-cache prefill vs re-running the prefill (vision + prompt) before each pair. Both sides decode
 *   every pair (no sharing of identical kept sets), on the first K items; the ratio is of the summed
 *   time per item, the shared side counting its one prefill.
 *
 * Run: `npx tsx bench/eval.ts [--items N] [--pairs-items K]` (or `npm run bench -- eval`). Ends with
 * one line `eval: …`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { appRoot } from '../analysis/engine/appRoot';
import { analysisBackend } from '../analysis/engine/analysisBackendDefault';
import { Engine } from '../analysis/engine/engine';
import { evaluateItem } from '../analysis/eval/evalItem';
import { loadEvalSet } from '../analysis/eval/evalSet';
import { runSweep, sweepSettings } from '../analysis/eval/sweep';
import { keptPerHead } from '../analysis/policies/keptPerHead';
import { runPrefill } from '../analysis/record/recorder';
import { percentBudget } from '../analysis/policies/budget';
import { BUDGET_GRID_BP } from '../analysis/policies/budgetGrid';
import { PRESET_IDS } from '../analysis/policies/registry';
import { completeResults, liveAnalysisFor } from '../analysis/record/recordingAnalysis';

const { values } = parseArgs({
  options: { items: { type: 'string', default: '12' }, 'pairs-items': { type: 'string', default: '1' } },
});
const N = Number(values.items);
const K = Number(values['pairs-items']);
const modelDir = join(appRoot(), 'assets', 'models', 'shapes-vlm');
const setDir = join(appRoot(), 'assets', 'eval');
const settings = sweepSettings({ policies: [...PRESET_IDS], budgets: BUDGET_GRID_BP });
const cores = availableParallelism();

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const f = (x: number, d = 2) => x.toFixed(d);

const set = await loadEvalSet(setDir);
const items = set.items.slice(0, N);
console.log(
  `bundled eval set: ${set.items.length} items; benchmarking ${items.length} (tasks: ${[...new Set(items.map((it) => it.task))].join(', ')}), ${settings.policies.length} policies × ${settings.budgets.length} budgets, ${cores} cores`,
);

// ---- 1. the sweep, on worker threads ----------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), 'vlc-bench-eval-'));
let t0 = performance.now();
const swept = await runSweep({
  modelDir,
  setDir,
  out: join(tmp, 'r.json'),
  provider: 'cpu',
  settings,
  limit: N,
  workers: cores,
});
const sweepSeconds = (performance.now() - t0) / 1000;
rmSync(tmp, { recursive: true, force: true });
const itemsPerSecond = swept.items.length / sweepSeconds;
const decodes = swept.items.map((it) => it.decodes);
console.log(
  `sweep on ${cores} worker(s): ${swept.items.length} items in ${f(sweepSeconds, 1)} s = ${f(itemsPerSecond, 3)} items/s (model load included); ` +
    `distinct decodes per item: median ${quantile(decodes, 0.5)} of ${settings.policies.length * settings.budgets.length} cells`,
);

// ---- 2. the same work in-process, one item after another --------------------------------------

const engine = new Engine({ analysis: analysisBackend() });
engine.allowModelDir(modelDir);
t0 = performance.now();
const model = await engine.model(modelDir, 'cpu');
console.log(`model load: ${f(performance.now() - t0, 0)} ms (${model.provider})`);
const perItem: number[] = [];
for (const it of items.slice(0, Math.min(items.length, 6))) {
  const t = performance.now();
  await evaluateItem({ engine, modelDir, provider: 'cpu', settings }, it);
  perItem.push((performance.now() - t) / 1000);
}
console.log(
  `per item in-process (one item at a time): median ${f(quantile(perItem, 0.5))} s, p95 ${f(quantile(perItem, 0.95))} s (n = ${perItem.length})`,
);

// ---- 3. shared prefill vs re-running the prefill for each pair --------------------------------

const sharedPerItem: number[] = [];
const rerunPerItem: number[] = [];
const pairShared: number[] = [];
const pairRerun: number[] = [];
let prefillMs = 0;
for (const it of items.slice(0, K)) {
  const image = new Uint8Array(readFileSync(it.imagePath));
  const info = await engine.run({
    runId: `bench-${it.line}`,
    modelDir,
    provider: 'cpu',
    image: { bytes: image },
    prompt: it.question,
    maxNewTokens: settings.maxNewTokens,
  });
  const id = info.recordingId;
  const entry = engine.entry(id);
  const r = entry.recording;
  t0 = performance.now();
  await runPrefill(model, image, it.question);
  prefillMs = performance.now() - t0;
  const live = liveAnalysisFor(r, { policies: settings.policies });
  const kept = settings.budgets.flatMap((bp) =>
    completeResults(r, live, { budget: percentBudget(bp) }).policies.map((p) => {
      if (p.status !== 'ok') throw new Error(`${p.policy.id}: ${p.status}`);
      return keptPerHead(p.kept, r.dims.Hkv);
    }),
  );
  const shared: number[] = [];
  const rerun: number[] = [];
  for (const k of kept) {
    let t = performance.now();
    await engine.evaluatePolicy({ recordingId: id, kept: k, mode: settings.mode });
    shared.push(performance.now() - t);
    entry.prefill = undefined; // the next call rebuilds it (vision + prefill), as without sharing
    t = performance.now();
    await engine.evaluatePolicy({ recordingId: id, kept: k, mode: settings.mode });
    rerun.push(performance.now() - t);
  }
  engine.dropRecording(id);
  sharedPerItem.push(prefillMs + sum(shared));
  rerunPerItem.push(sum(rerun));
  pairShared.push(...shared);
  pairRerun.push(...rerun);
  console.log(
    `item line ${it.line + 1} (${it.task}, G = ${r.dims.G}): ${kept.length} pairs, shared prefill ${f(sharedPerItem.at(-1)! / 1000)} s vs re-run prefill ${f(rerunPerItem.at(-1)! / 1000)} s (one prefill ${f(prefillMs, 0)} ms)`,
  );
}
const ratio = sum(rerunPerItem) / sum(sharedPerItem);
console.log(
  `per pair: shared median ${f(quantile(pairShared, 0.5), 1)} ms, p95 ${f(quantile(pairShared, 0.95), 1)} ms; re-run prefill median ${f(quantile(pairRerun, 0.5), 1)} ms, p95 ${f(quantile(pairRerun, 0.95), 1)} ms`,
);
await model.release();
console.log(
  `eval: ${f(itemsPerSecond, 3)} items/s on ${cores} CPU workers (${swept.items.length} items × ${settings.policies.length * settings.budgets.length} cells); per item median ${f(quantile(perItem, 0.5))} s, p95 ${f(quantile(perItem, 0.95))} s in-process; shared prefill ${f(ratio)}× faster than re-running prefill per (policy, budget) pair (per pair median ${f(quantile(pairShared, 0.5), 1)} vs ${f(quantile(pairRerun, 0.5), 1)} ms)`,
);
