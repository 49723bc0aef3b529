/**
 * The Evaluate view's reading of a results file: validation of a `vlcache-eval/1` file built from
 * the results types (and summarised by the sweep's own `summarise`), and the flipped items of a cell.
 */
import { describe, expect, it } from 'vitest';
import type { EvalCell, EvalItemResult, EvalResults } from '../../../../analysis/eval/results';
import { summarise } from '../../../../analysis/eval/summary';
import { evalFigureData } from '../../../../renderer/src/figures/EvalFigures';
import { flippedItems, parseResults } from '../../../../renderer/src/views/evaluate/parseResults';

const POLICIES = ['vl-cache', 'h2o'];
const BUDGETS = [1000, 10000];

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

function results(): EvalResults {
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

describe('Evaluate view: results file', () => {
  it('parses a results file and lists the flipped items of a cell', () => {
    const r = parseResults(JSON.stringify(results()));
    expect(r.items).toHaveLength(3);
    const h2o10 = flippedItems(r, 'h2o', 1000);
    expect(h2o10.map((f) => f.item.key)).toEqual(['k0', 'k1']);
    expect(h2o10[0].cell.text).toBe('green');
    expect(h2o10[0].item.full.text).toBe('red');
    expect(flippedItems(r, 'h2o', 10000)).toEqual([]);
    expect(flippedItems(r, 'vl-cache', 1000)).toEqual([]);
    expect(flippedItems(r, 'h2o', 1000, 'count')).toEqual([]);
    const data = evalFigureData(r.summary);
    expect(data.policies).toEqual(POLICIES);
    expect(data.budgetsPercent).toEqual([10, 100]);
    expect(data.panels[0].series[1].values).toEqual([0, 2 / 3]);
    expect(data.panels[0].fullAccuracy).toBeCloseTo(2 / 3);
  });

  it('rejects files that are not results files, naming the problem', () => {
    expect(() => parseResults('{')).toThrow(/not JSON/);
    expect(() => parseResults('{"format":"x"}')).toThrow(/not a vlcache-eval\/1/);
    const bad = results();
    (bad.items[1].cells as unknown[]).pop();
    expect(() => parseResults(JSON.stringify(bad))).toThrow(/item 1: expected 4 cells/);
    const noSummary = { ...results(), summary: null };
    expect(() => parseResults(JSON.stringify(noSummary))).toThrow(/summary missing/);
  });

  it('reads a summary-only file (no items): no flipped items to list', () => {
    const { items: _items, ...rest } = results();
    const r = parseResults(JSON.stringify(rest));
    expect(r.items).toEqual([]);
    expect(flippedItems(r, 'h2o', 1000)).toEqual([]);
  });
});
