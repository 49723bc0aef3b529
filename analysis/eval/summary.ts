/**
 * Aggregates per-item results into the policy × budget table (overall and per task), pure. Accuracy
 * is the mean item score (0/1 for short answers, F1 for captions, so 'all' mixes the two); every
 * mean is over the items where the cell was available, and `fullAccuracy` is the full-cache accuracy
 * over those same items, the reference line of the paper's figures.
 */
import type { EvalItemResult, ResultsSummary, SummaryCell } from './results';
import { EVAL_TASKS, type EvalTask } from './scoring';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function summarise(items: EvalItemResult[], policies: string[], budgets: number[]): ResultsSummary {
  const byTask: Partial<Record<EvalTask, number>> = {};
  for (const t of EVAL_TASKS) {
    const scores = items.filter((it) => it.task === t).map((it) => it.full.score);
    if (scores.length) byTask[t] = mean(scores);
  }
  const tasks: (EvalTask | 'all')[] = ['all', ...EVAL_TASKS.filter((t) => byTask[t] !== undefined)];
  const cells: SummaryCell[] = [];
  const nb = budgets.length;
  for (const [pi, policy] of policies.entries()) {
    for (const [bi, budget] of budgets.entries()) {
      for (const task of tasks) {
        const acc = {
          score: [] as number[],
          full: [] as number[],
          agreement: [] as number[],
          exact: [] as number[],
          kl: [] as number[],
          top1: [] as number[],
          recall: [] as number[],
          hit: [] as number[],
          kept: [] as number[],
        };
        let unavailable = 0;
        for (const it of items) {
          if (task !== 'all' && it.task !== task) continue;
          const c = it.cells[pi * nb + bi];
          if (c.policy !== policy || c.budget !== budget)
            throw new Error(`item line ${it.line}: cell ${pi * nb + bi} is ${c.policy}@${c.budget}`);
          if (c.status !== 'ok') {
            unavailable++;
            continue;
          }
          acc.score.push(c.score);
          acc.full.push(it.full.score);
          acc.agreement.push(c.agreement);
          acc.exact.push(c.exactMatch ? 1 : 0);
          if (c.meanKl !== null) acc.kl.push(c.meanKl);
          if (c.top1Agreement !== null) acc.top1.push(c.top1Agreement);
          acc.recall.push(c.recall);
          acc.hit.push(c.hitRate);
          acc.kept.push(c.keptPercent);
        }
        cells.push({
          policy,
          budget,
          task,
          n: acc.score.length,
          accuracy: mean(acc.score),
          fullAccuracy: mean(acc.full),
          agreement: mean(acc.agreement),
          exactMatch: mean(acc.exact),
          meanKl: acc.kl.length ? mean(acc.kl) : null,
          top1Agreement: acc.top1.length ? mean(acc.top1) : null,
          recall: mean(acc.recall),
          hitRate: mean(acc.hit),
          keptPercent: mean(acc.kept),
          unavailable,
        });
      }
    }
  }
  return {
    items: items.length,
    fullAccuracy: mean(items.map((it) => it.full.score)),
    fullAccuracyByTask: byTask,
    cells,
  };
}

/** The summary as CSV (one row per policy × budget × task), RFC 4180 quoting. */
export function summaryCsv(summary: ResultsSummary): string {
  const cols: (keyof SummaryCell)[] = [
    'policy',
    'budget',
    'task',
    'n',
    'accuracy',
    'fullAccuracy',
    'agreement',
    'exactMatch',
    'meanKl',
    'top1Agreement',
    'recall',
    'hitRate',
    'keptPercent',
    'unavailable',
  ];
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(6) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = cols.map((c) => (c === 'budget' ? 'budgetPercent' : c)).join(',');
  const rows = summary.cells.map((c) =>
    cols.map((k) => (k === 'budget' ? cell(c.budget / 100) : cell(c[k]))).join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}
