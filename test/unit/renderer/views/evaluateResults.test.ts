/**
 * The Evaluate view's reading of a results file: validation of a `vlcache-eval/1` file built from
 * the results types (and summarised by the sweep's own `summarise`), and the flipped items of a cell.
 */
import { describe, expect, it } from 'vitest';
import { evalFigureData } from '../../../../renderer/src/figures/EvalFigures';
import { flippedItems, parseResults } from '../../../../renderer/src/views/evaluate/parseResults';
import { evalResultsFixture, POLICIES } from './evalResultsFixture';

describe('Evaluate view: results file', () => {
  it('parses a results file and lists the flipped items of a cell', () => {
    const r = parseResults(JSON.stringify(evalResultsFixture()));
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
    const bad = evalResultsFixture();
    (bad.items[1].cells as unknown[]).pop();
    expect(() => parseResults(JSON.stringify(bad))).toThrow(/item 1: expected 4 cells/);
    const noSummary = { ...evalResultsFixture(), summary: null };
    expect(() => parseResults(JSON.stringify(noSummary))).toThrow(/summary missing/);
  });

  it('reads a summary-only file (no items): no flipped items to list', () => {
    const { items: _items, ...rest } = evalResultsFixture();
    const r = parseResults(JSON.stringify(rest));
    expect(r.items).toEqual([]);
    expect(flippedItems(r, 'h2o', 1000)).toEqual([]);
  });
});
