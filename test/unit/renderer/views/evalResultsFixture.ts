/** A small `vlcache-eval/1` results file built from the results types and summarised by `summarise`. */
import type { EvalCell, EvalItemResult, EvalResults } from '../../../../analysis/eval/results';
import { summarise } from '../../../../analysis/eval/summary';

export const POLICIES = ['vl-cache', 'h2o'];
export const BUDGETS = [1000, 10000];

function cell(policy: string, budget: number, text: string, score: number): EvalCell {
  return {
    policy,
    budget,
    status: 'ok',
    keptPercent: budget / 100,
    text,
    score,
    answerPart: text,
    leadInMatch: null,
    exactMatch: score === 1,
    agreement: score,
    firstDivergence: null,
    meanKl: null,
    top1Agreement: null,
    recall: 0.5,
    hitRate: 0.5,
  };
}

/** Item i: full cache correct for i < 2; h2o at 10 % wrong on every item, everything else right. */
function item(i: number): EvalItemResult {
  const fullScore = i < 2 ? 1 : 0;
  return {
    line: i + 1,
    key: `k${i}`,
    image: `img${i}.png`,
    task: 'colour',
    question: `what colour is shape ${i}?`,
    answer: 'red',
    m: 600,
    full: {
      text: fullScore ? 'red' : 'blue',
      ids: [1],
      stoppedBy: 'eos',
      score: fullScore,
      answerPart: null,
      leadInMatch: null,
    },
    cells: POLICIES.flatMap((p) =>
      BUDGETS.map((b) =>
        p === 'h2o' && b === 1000
          ? cell(p, b, 'green', 0)
          : cell(p, b, fullScore ? 'red' : 'blue', fullScore),
      ),
    ),
    decodes: 2,
  };
}

export function evalResultsFixture(): EvalResults {
  const items = [0, 1, 2].map(item);
  return {
    format: 'vlcache-eval/1',
    meta: { model: { name: 'test' }, settings: { policies: POLICIES, budgets: BUDGETS } },
    summary: summarise(items, POLICIES, BUDGETS),
    items,
    failed: [],
    skipped: [],
    run: { startedAt: '', finishedAt: '', wallSeconds: 0, sessions: [], modelDir: '' },
  } as unknown as EvalResults;
}
