import { describe, expect, it } from 'vitest';
import type { EvalCell, EvalItemResult } from '../../../../analysis/eval/results';
import { summarise, summaryCsv } from '../../../../analysis/eval/summary';
import type { EvalTask } from '../../../../analysis/eval/scoring';

const ok = (
  policy: string,
  budget: number,
  score: number,
  agreement: number,
  meanKl: number | null,
): EvalCell => ({
  policy,
  budget,
  status: 'ok',
  keptPercent: budget / 100,
  text: '',
  score,
  answerPart: null,
  leadInMatch: null,
  exactMatch: agreement === 1,
  agreement,
  firstDivergence: agreement === 1 ? null : 2,
  meanKl,
  top1Agreement: meanKl === null ? null : 1 - meanKl,
  recall: budget / 10000,
  hitRate: budget / 20000,
});
const item = (line: number, task: EvalTask, fullScore: number, cells: EvalCell[]): EvalItemResult => ({
  line,
  key: `k${line}`,
  image: 'x.png',
  task,
  question: 'q',
  answer: 'a',
  m: 10,
  full: { text: 'a', ids: [1], stoppedBy: 'eos', score: fullScore, answerPart: null, leadInMatch: null },
  cells,
  decodes: 1,
});

// Two policies × two budgets (1000, 10000), three items: two colour, one caption.
const items = [
  item(0, 'colour', 1, [
    ok('a', 1000, 1, 1, 0),
    ok('a', 10000, 1, 1, 0),
    ok('b', 1000, 0, 0.5, 0.4),
    ok('b', 10000, 1, 1, 0),
  ]),
  item(1, 'colour', 0, [
    ok('a', 1000, 0, 0.25, null),
    ok('a', 10000, 0, 1, 0),
    ok('b', 1000, 0, 1, 0),
    ok('b', 10000, 0, 1, 0),
  ]),
  item(2, 'caption', 0.5, [
    ok('a', 1000, 0.2, 0.5, 0.6),
    ok('a', 10000, 0.5, 1, 0),
    { policy: 'b', budget: 1000, status: 'unavailable', reason: 'no post-vision rows' },
    ok('b', 10000, 0.5, 1, 0),
  ]),
];

describe('summarise', () => {
  const s = summarise(items, ['a', 'b'], [1000, 10000]);
  const cell = (policy: string, budget: number, task: string) =>
    s.cells.find((c) => c.policy === policy && c.budget === budget && c.task === task)!;

  it('averages each cell over its items, with the full-cache accuracy over the same items', () => {
    expect(s.items).toBe(3);
    expect(s.fullAccuracy).toBeCloseTo(0.5, 12); // (1 + 0 + 0.5) / 3
    expect(s.fullAccuracyByTask).toEqual({ colour: 0.5, caption: 0.5 });
    expect(cell('a', 1000, 'all')).toMatchObject({ n: 3, unavailable: 0 });
    expect(cell('a', 1000, 'all').accuracy).toBeCloseTo(0.4, 12); // (1 + 0 + 0.2) / 3
    expect(cell('a', 1000, 'all').agreement).toBeCloseTo(0.5833333333333334, 12); // (1 + .25 + .5) / 3
    expect(cell('a', 1000, 'all').exactMatch).toBeCloseTo(1 / 3, 12);
    expect(cell('a', 1000, 'all').meanKl).toBeCloseTo(0.3, 12); // KL only where defined: (0 + 0.6) / 2
    expect(cell('a', 1000, 'all').recall).toBeCloseTo(0.1, 12);
  });

  it('leaves unavailable cells out of the means and counts them', () => {
    const b = cell('b', 1000, 'all');
    expect(b).toMatchObject({ n: 2, unavailable: 1 });
    expect(b.accuracy).toBe(0);
    expect(b.fullAccuracy).toBeCloseTo(0.5, 12); // items 0 and 1 only
    expect(cell('b', 1000, 'caption')).toMatchObject({ n: 0, unavailable: 1, meanKl: null });
  });

  it('breaks every cell down by task', () => {
    expect(cell('a', 1000, 'colour').accuracy).toBe(0.5);
    expect(cell('a', 1000, 'caption').accuracy).toBeCloseTo(0.2, 12);
    expect(s.cells.map((c) => c.task).filter((t, i, xs) => xs.indexOf(t) === i)).toEqual([
      'all',
      'colour',
      'caption',
    ]);
    expect(s.cells).toHaveLength(2 * 2 * 3);
  });

  it('rejects items whose cells are not in the settings order', () => {
    const swapped = [item(0, 'colour', 1, [...items[0].cells].reverse())];
    expect(() => summarise(swapped, ['a', 'b'], [1000, 10000])).toThrow(/cell 0 is b@10000/);
  });

  it('writes CSV with a header and one row per cell, budgets in percent', () => {
    const lines = summaryCsv(s).trim().split('\n');
    expect(lines[0]).toBe(
      'policy,budgetPercent,task,n,accuracy,fullAccuracy,agreement,exactMatch,meanKl,top1Agreement,recall,hitRate,keptPercent,unavailable',
    );
    expect(lines).toHaveLength(1 + 12);
    expect(lines[1]).toBe(
      'a,10,all,3,0.400000,0.500000,0.583333,0.333333,0.300000,0.700000,0.100000,0.0500000,10,0',
    );
  });
});
