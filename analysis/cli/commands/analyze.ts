/**
 * `vlcache analyze FILE.vlcs [--policy NAME|all] [--budget 10%|N] [--threshold P] [--json]`:
 * per-layer sparsity for the three row sets at the threshold (snapped to the histogram grid, the
 * value used printed), and per policy the budgets, attention recall and CacheHitRate.
 */
import { parseArgs } from 'node:util';
import { edgeToP } from '../../attention/histogramGrid';
import { snapThreshold } from '../../attention/snapThreshold';
import { ROW_SETS } from '../../attention/stats';
import { PRESET_IDS } from '../../policies/registry';
import { completeResults, liveAnalysisFor, parseBudget } from '../../record/recordingAnalysis';
import { openSessionFile } from '../../session/sessionFile';
import { UsageError } from '../args';

const fmt = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits);

export function policyList(arg: string | undefined): string[] {
  if (!arg || arg === 'all') return [...PRESET_IDS];
  const ids = arg.split(',').map((s) => s.trim());
  for (const id of ids)
    if (!(PRESET_IDS as readonly string[]).includes(id))
      throw new UsageError(`unknown policy ${id} (known: ${PRESET_IDS.join(', ')})`);
  return ids;
}

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      budget: { type: 'string', default: '10%' },
      threshold: { type: 'string', default: '0.01' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (positionals.length !== 1)
    throw new UsageError(
      'usage: vlcache analyze FILE.vlcs [--policy NAME|all] [--budget 10%|N] [--threshold P] [--json]',
    );
  const { recording: r } = await openSessionFile(positionals[0]);
  const p = Number(values.threshold);
  if (!Number.isFinite(p) || p <= 0 || p > 1)
    throw new UsageError(`--threshold must be in (0, 1], got ${values.threshold}`);
  const snap = snapThreshold(p);
  const budget = parseBudget(values.budget!);
  const policies = policyList(values.policy);
  const live = liveAnalysisFor(r, {
    pView: snap.edgeIndex,
    pAlloc: snap.edgeIndex,
    linked: true,
    budget,
    policies,
  });
  const res = completeResults(r, live);
  const { L } = r.dims;

  const summary = res.policies.map((pr) => {
    if (pr.status === 'unavailable')
      return {
        policy: pr.policy.id,
        label: pr.policy.label,
        status: 'unavailable',
        reason: pr.error.message,
      };
    if (pr.status !== 'ok') return { policy: pr.policy.id, label: pr.policy.label, status: pr.status };
    return {
      policy: pr.policy.id,
      label: pr.policy.label,
      status: 'ok',
      budgets: Array.from(pr.allocation.k),
      recall: { overall: pr.recall.overall, perLayer: Array.from(pr.recall.perLayer) },
      hitRate: { overall: pr.hitRate.overall, perLayer: Array.from(pr.hitRate.perLayer) },
      memory: pr.memory,
    };
  });
  const sparsity = Object.fromEntries(
    ROW_SETS.map((rs) => [rs, res.viewSparsity[rs] ? Array.from(res.viewSparsity[rs]!) : null]),
  );

  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ threshold: { requested: p, used: edgeToP(snap.edgeIndex), edgeIndex: snap.edgeIndex }, budget: res.budget, dims: r.dims, sparsity, policies: summary }, null, 1)}\n`,
    );
    return 0;
  }
  const out: string[] = [];
  out.push(
    `${r.model.name}: "${r.prompt}" → "${r.generation.text}"  (m = ${r.dims.m}, G = ${r.dims.G}, post-vision rows ${r.dims.m - r.postVisionStart})`,
  );
  out.push(
    `threshold p = ${edgeToP(snap.edgeIndex).toPrecision(4)}${snap.snapped ? ` (snapped from ${p})` : ''}`,
  );
  const b = res.budget;
  out.push(
    `budget ${b.requestedPercent.toFixed(2)}%${b.differs ? ` (realised ${b.realisedPercent.toFixed(2)}%)` : ''}: T = ${b.total} prompt tokens over ${L} layers`,
  );
  out.push('');
  out.push('layer  sparsity: prefill  post-vision  decode');
  for (let l = 0; l < L; l++) {
    out.push(
      `${String(l).padStart(5)}            ${fmt(sparsity.prefill?.[l])}        ${fmt(sparsity.postVision?.[l])}   ${fmt(sparsity.decode?.[l])}`,
    );
  }
  out.push('');
  out.push(`${'policy'.padEnd(40)} recall  hit-rate  kept%   budgets per layer`);
  for (const s of summary) {
    if (s.status !== 'ok' || !('budgets' in s)) {
      out.push(`${s.label.padEnd(40)} ${s.status}${'reason' in s ? `: ${s.reason}` : ''}`);
      continue;
    }
    out.push(
      `${s.label.padEnd(40)} ${fmt(s.recall!.overall)}   ${fmt(s.hitRate!.overall)}     ${s.memory!.keptPercent.toFixed(1).padStart(5)}  ${s.budgets!.join(' ')}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
