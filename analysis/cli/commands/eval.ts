/**
 * `vlcache eval [--model DIR] [--set DIR] [--policies all|a,b] [--budgets 1,5,10,…] [--limit N]
 * [--workers N] --out results.json [--csv FILE]`: the policy sweep of issue 8 over an eval set (the
 * bundled assets/eval by default), with a progress bar and ETA on the terminal and the policy × budget
 * table (accuracy and agreement) on stdout. Ctrl-C stops it; the same command continues it.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { snapThreshold } from '../../attention/snapThreshold';
import { summaryCsv } from '../../eval/summary';
import type { EvalResults, SummaryCell } from '../../eval/results';
import { runSweep, sweepSettings } from '../../eval/sweep';
import { assetsDir } from '../../model/modelPackage';
import { BUDGET_GRID_BP } from '../../policies/budgetGrid';
import { PRESETS } from '../../policies/registry';
import { UsageError } from '../args';
import { chooseModelDir } from '../cliEngine';
import { progressLine } from '../progressBar';
import { policyList } from './analyze';

const PROVIDERS = ['auto', 'cpu', 'webgpu', 'cuda'] as const;
const USAGE =
  'usage: vlcache eval [--model DIR] [--set DIR] [--policies all|a,b] [--budgets 1,5,10,…] [--limit N] [--workers N] --out results.json [--csv FILE]';

/** `1,2.5,10%` → basis points, ascending and distinct; each in (0, 100] % with at most two decimals. */
export function parseBudgetList(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const t = part.trim().replace(/%$/, '');
    const bp = Number(t) * 100;
    if (!/^\d+(\.\d+)?$/.test(t) || Math.abs(bp - Math.round(bp)) > 1e-6 || bp < 1 || bp > 10000)
      throw new UsageError(
        `--budgets: ${part.trim()} is not a percentage in [0.01, 100] with at most two decimals`,
      );
    out.add(Math.round(bp));
  }
  return [...out].sort((a, b) => a - b);
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${v}`);
  return n;
}

const duration = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
      : `${s.toFixed(0)}s`;

export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      set: { type: 'string' },
      policies: { type: 'string', default: 'all' },
      budgets: { type: 'string' },
      limit: { type: 'string' },
      workers: { type: 'string' },
      out: { type: 'string' },
      csv: { type: 'string' },
      provider: { type: 'string', default: 'cpu' },
      mode: { type: 'string', default: 'compact' },
      'max-new-tokens': { type: 'string', default: '32' },
      threshold: { type: 'string', default: '0.01' },
      'window-fraction': { type: 'string', default: '10' },
    },
    strict: true,
  });
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}\n${USAGE}`);
  if (!values.out) throw new UsageError(`--out results.json is required\n${USAGE}`);
  const provider = values.provider as (typeof PROVIDERS)[number];
  if (!PROVIDERS.includes(provider))
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}`);
  if (values.mode !== 'compact' && values.mode !== 'keyBias')
    throw new UsageError(`--mode must be compact or keyBias, got ${values.mode}`);
  const p = Number(values.threshold);
  if (!Number.isFinite(p) || p <= 0 || p > 1)
    throw new UsageError(`--threshold must be in (0, 1], got ${values.threshold}`);
  const wf = Number(values['window-fraction']);
  if (!Number.isInteger(wf) || wf < 0 || wf > 100)
    throw new UsageError(
      `--window-fraction must be an integer percent in [0, 100], got ${values['window-fraction']}`,
    );
  const settings = sweepSettings({
    policies: policyList(values.policies),
    budgets: values.budgets ? parseBudgetList(values.budgets) : BUDGET_GRID_BP,
    mode: values.mode,
    maxNewTokens: positiveInt('max-new-tokens', values['max-new-tokens']),
    thresholdEdge: snapThreshold(p).edgeIndex,
    windowFraction: wf,
  });
  const limit = positiveInt('limit', values.limit);
  const workers = positiveInt('workers', values.workers) ?? availableParallelism();
  const modelDir = await chooseModelDir(values.model);
  const setDir = values.set ?? join(assetsDir(), 'eval');

  const bar = progressLine();
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  let results: EvalResults;
  try {
    results = await runSweep({
      modelDir,
      setDir,
      out: values.out,
      provider,
      settings,
      limit,
      workers,
      signal: controller.signal,
      onStart: (s) => {
        for (const issue of s.skipped)
          process.stderr.write(`skipped line ${issue.lineNumber} (${issue.code}): ${issue.message}\n`);
        process.stderr.write(
          `eval: ${s.total} items × ${settings.policies.length} policies × ${settings.budgets.length} budgets` +
            `${s.skipped.length ? `, ${s.skipped.length} lines skipped` : ''}` +
            `${s.reused ? `, ${s.reused} items already done (resuming)` : ''}, ${s.workers} worker(s)\n`,
        );
      },
      onProgress: (pr) =>
        bar.update(
          `eval ${pr.done}/${pr.total} items${pr.failed ? `, ${pr.failed} failed` : ''}${pr.etaSeconds === null ? '' : `, ETA ${duration(pr.etaSeconds)}`}`,
          pr.fraction,
        ),
    });
  } finally {
    bar.done();
    process.removeListener('SIGINT', cancel);
  }
  if (values.csv) await writeFile(values.csv, summaryCsv(results.summary));
  process.stdout.write(summaryTable(results));
  const last = results.run.sessions.at(-1)!;
  process.stdout.write(
    `\n${results.items.length} items scored${results.failed.length ? `, ${results.failed.length} failed` : ''}${results.skipped.length ? `, ${results.skipped.length} lines skipped` : ''}; ` +
      `${last.items} run now in ${duration(last.wallSeconds)} on ${last.workers} worker(s) (${results.meta.provider}); saved ${values.out}${values.csv ? ` and ${values.csv}` : ''}\n`,
  );
  for (const f of results.failed)
    process.stderr.write(`failed line ${f.line + 1} (${f.code}): ${f.message}\n`);
  return 0;
}

/** Policy × budget: accuracy / agreement, with the full-cache accuracy above. */
export function summaryTable(r: EvalResults): string {
  const { policies, budgets } = r.meta.settings;
  const cells = new Map<string, SummaryCell>();
  for (const c of r.summary.cells) if (c.task === 'all') cells.set(`${c.policy}|${c.budget}`, c);
  const label = (id: string) => PRESETS.find((x) => x.id === id)?.label ?? id;
  const w = Math.max(12, ...policies.map((id) => label(id).length)) + 2;
  const col = 12;
  const lines = [
    `full-cache accuracy ${r.summary.fullAccuracy.toFixed(3)} over ${r.summary.items} items; cells: accuracy / agreement`,
    `${'policy'.padEnd(w)}${budgets.map((b) => `${b / 100}%`.padStart(col)).join('')}`,
  ];
  for (const id of policies) {
    const row = budgets.map((b) => {
      const c = cells.get(`${id}|${b}`);
      return (c?.n ? `${c.accuracy.toFixed(2)}/${c.agreement.toFixed(2)}` : '—').padStart(col);
    });
    lines.push(`${label(id).padEnd(w)}${row.join('')}`);
  }
  return `${lines.join('\n')}\n`;
}
