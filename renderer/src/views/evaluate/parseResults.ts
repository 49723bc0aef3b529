/**
 * A `vlcache-eval/1` results file read in the renderer: parsed and checked against the results types
 * (checkEvalResults, shared with the Engine API), and the items whose answer flipped in one cell.
 */
import { checkEvalResults } from '../../../../analysis/engine/evalResults';
import type { EvalCell, EvalItemResult, EvalResults } from '../../../../analysis/eval/results';

/** The results file, or an error naming what is wrong with it. Summary-only files have no items. */
export function parseResults(text: string): EvalResults {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  return checkEvalResults(doc);
}

/** Correct: a short answer scored 1, a caption with F1 ≥ 0.5. */
export const isCorrect = (task: string, score: number) => (task === 'caption' ? score >= 0.5 : score === 1);

export interface FlippedItem {
  item: EvalItemResult;
  cell: Extract<EvalCell, { status: 'ok' }>;
}

/** Items correct with the full cache and wrong under `policy` at `budget` (basis points), for `task` or all. */
export function flippedItems(r: EvalResults, policy: string, budget: number, task = 'all'): FlippedItem[] {
  const pi = r.meta.settings.policies.indexOf(policy);
  const bi = r.meta.settings.budgets.indexOf(budget);
  if (pi < 0 || bi < 0) return [];
  const out: FlippedItem[] = [];
  for (const item of r.items) {
    if (task !== 'all' && item.task !== task) continue;
    const cell = item.cells[pi * r.meta.settings.budgets.length + bi];
    if (cell.status !== 'ok') continue;
    if (isCorrect(item.task, item.full.score) && !isCorrect(item.task, cell.score)) out.push({ item, cell });
  }
  return out;
}
