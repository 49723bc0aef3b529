/**
 * A `vlcache-eval/1` results file read in the renderer: parsed and checked against the results types
 * (type-only imports, nothing from Node), and the items whose answer flipped in one cell.
 */
import type { EvalCell, EvalItemResult, EvalResults, SummaryCell } from '../../../../analysis/eval/results';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkCell(c: unknown, where: string): asserts c is SummaryCell {
  if (!isObj(c)) throw new Error(`${where}: not an object`);
  if (typeof c.policy !== 'string' || !isNum(c.budget) || typeof c.task !== 'string')
    throw new Error(`${where}: policy, budget or task missing`);
  for (const k of ['n', 'accuracy', 'fullAccuracy', 'agreement'] as const)
    if (!isNum(c[k])) throw new Error(`${where}: ${k} is not a number`);
}

function checkItem(it: unknown, cells: number, where: string): asserts it is EvalItemResult {
  if (!isObj(it)) throw new Error(`${where}: not an object`);
  for (const k of ['key', 'task', 'question', 'answer'] as const)
    if (typeof it[k] !== 'string') throw new Error(`${where}: ${k} is not a string`);
  if (!isObj(it.full) || typeof it.full.text !== 'string' || !isNum(it.full.score))
    throw new Error(`${where}: full answer missing`);
  if (!Array.isArray(it.cells) || it.cells.length !== cells)
    throw new Error(`${where}: expected ${cells} cells (policies × budgets)`);
  it.cells.forEach((c: unknown, i) => {
    if (!isObj(c) || typeof c.policy !== 'string' || !isNum(c.budget))
      throw new Error(`${where} cell ${i}: policy or budget missing`);
    if (c.status === 'ok') {
      if (typeof c.text !== 'string' || !isNum(c.score))
        throw new Error(`${where} cell ${i}: text or score missing`);
    } else if (c.status !== 'unavailable') throw new Error(`${where} cell ${i}: unknown status`);
  });
}

/** The results file, or an error naming what is wrong with it. Summary-only files have no items. */
export function parseResults(text: string): EvalResults {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  if (!isObj(doc) || doc.format !== 'vlcache-eval/1') throw new Error('not a vlcache-eval/1 results file');
  const meta = doc.meta;
  if (!isObj(meta) || !isObj(meta.settings)) throw new Error('meta.settings missing');
  const { policies, budgets } = meta.settings;
  if (!Array.isArray(policies) || !policies.every((p) => typeof p === 'string'))
    throw new Error('meta.settings.policies is not a list of names');
  if (!Array.isArray(budgets) || !budgets.every(isNum))
    throw new Error('meta.settings.budgets is not a list of numbers');
  const summary = doc.summary;
  if (
    !isObj(summary) ||
    !isNum(summary.fullAccuracy) ||
    !isObj(summary.fullAccuracyByTask) ||
    !Array.isArray(summary.cells)
  )
    throw new Error('summary missing');
  summary.cells.forEach((c, i) => {
    checkCell(c, `summary cell ${i}`);
  });
  const items = doc.items ?? [];
  if (!Array.isArray(items)) throw new Error('items is not a list');
  items.forEach((it, i) => {
    checkItem(it, policies.length * budgets.length, `item ${i}`);
  });
  return { ...(doc as unknown as EvalResults), items: items as EvalItemResult[] };
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
