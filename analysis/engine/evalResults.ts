/**
 * The check of a `vlcache-eval/1` results object, shared by the Engine API (the `getEvalResults`
 * result schema) and the renderer's Evaluate view (results files it opens). Pure: type-only imports
 * from analysis/eval, so it runs in the renderer too.
 */
import type { EvalItemResult, EvalResults, SummaryCell } from '../eval/results';

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

/** The results object, or an error naming what is wrong with it. Summary-only results have no items. */
export function checkEvalResults(doc: unknown): EvalResults {
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
