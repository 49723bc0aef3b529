/**
 * `vlcache evaluate FILE.vlcs --policy NAME --budget B [--model DIR] [--mode compact|keyBias]`:
 * decodes under the policy's kept sets and prints its answer and the fidelity metrics next to the
 * full-cache answer. Needs the model the session was recorded with (found by its file hashes).
 */
import { parseArgs } from 'node:util';
import { keptPerHead } from '../../policies/keptPerHead';
import { completeResults, liveAnalysisFor, parseBudget } from '../../record/recordingAnalysis';
import { openSessionFile } from '../../session/sessionFile';
import { UsageError } from '../args';
import { cliEngine } from '../cliEngine';
import { policyList } from './analyze';

export async function evaluateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      budget: { type: 'string' },
      model: { type: 'string' },
      mode: { type: 'string', default: 'compact' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (positionals.length !== 1 || !values.policy || !values.budget) {
    throw new UsageError(
      'usage: vlcache evaluate FILE.vlcs --policy NAME --budget 10%|N [--model DIR] [--mode compact|keyBias]',
    );
  }
  if (values.mode !== 'compact' && values.mode !== 'keyBias')
    throw new UsageError(`--mode must be compact or keyBias, got ${values.mode}`);
  const [policy] = policyList(values.policy);
  const { recording: r } = await openSessionFile(positionals[0]);
  const engine = cliEngine();
  let modelDir = await engine.findModelFor(r);
  if (values.model) {
    engine.allowModelDir(values.model);
    modelDir = values.model;
  }
  if (!modelDir)
    throw new UsageError(`no model package with the hashes of ${r.model.name} found; pass --model DIR`);
  const res = completeResults(
    r,
    liveAnalysisFor(r, { budget: parseBudget(values.budget), policies: [policy] }),
  );
  const pr = res.policies[0];
  if (pr.status === 'unavailable')
    throw new UsageError(`${pr.policy.label} is unavailable for this recording: ${pr.error.message}`);
  if (pr.status !== 'ok') throw new Error(`${pr.policy.label}: kept sets were not computed (${pr.status})`);
  const id = engine.addRecording(r, { modelDir });
  const out = await engine.evaluatePolicy({
    recordingId: id,
    kept: keptPerHead(pr.kept, r.dims.Hkv),
    mode: values.mode,
  });
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ policy: pr.policy.id, budget: res.budget, full: r.generation.text, ...out })}\n`,
    );
    return 0;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  process.stdout.write(
    `policy:      ${pr.policy.label} at ${res.budget.realisedPercent.toFixed(2)}% (${out.keptTokens} prompt tokens kept over ${r.dims.L} layers, ${values.mode})\n` +
      `full cache:  ${r.generation.text}\n` +
      `policy:      ${out.text}\n` +
      `exact match: ${out.exactMatch ? 'yes' : 'no'}    agreement: ${pct(out.agreement)}    first divergence: ${out.firstDivergence ?? '—'}\n` +
      `teacher-forced: mean KL ${out.meanKl === null ? '—' : out.meanKl.toFixed(4)} nats, top-1 agreement ${out.top1Agreement === null ? '—' : pct(out.top1Agreement)}\n` +
      `KV memory:   ${(out.keptBytes / 1024).toFixed(1)} KiB of ${(out.fullBytes / 1024).toFixed(1)} KiB (${pct(out.keptBytes / out.fullBytes)})\n`,
  );
  return 0;
}
