/**
 * `vlcache figures --eval`: accuracy against budget and the per-task small multiples from a results
 * file — one built here from the results types with known numbers, and the committed summary of the
 * real 600-item sweep. Each SVG is parsed and checked for its log-axis ticks, a legend entry per
 * policy and the full-cache reference line at the right height; each PNG for its size; CSV for the
 * numbers.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figuresCommand } from '../../analysis/cli/commands/figures';
import { RESULTS_FORMAT, type ResultsSummary, type SummaryCell } from '../../analysis/eval/results';
import { evalFigureData } from '../../renderer/src/figures/EvalFigures';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evalfigs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const POLICIES = ['full', 'vl-cache', 'h2o'];
const BUDGETS = [100, 1000, 10000]; // basis points: 1 %, 10 %, 100 %
const TASKS = ['colour', 'count'] as const;
/** accuracy = (policy index + 1) × budget share / 4, so every point is distinct and known. */
const accuracyOf = (pi: number, b: number) => ((pi + 1) * (b / 10000)) / 4;

function summary(): ResultsSummary {
  const cells: SummaryCell[] = [];
  for (const [pi, policy] of POLICIES.entries())
    for (const budget of BUDGETS)
      for (const task of ['all', ...TASKS] as const)
        cells.push({
          policy,
          budget,
          task,
          n: 4,
          accuracy: policy === 'full' ? 0.75 : accuracyOf(pi, budget),
          fullAccuracy: 0.75,
          agreement: 0.5,
          exactMatch: 0.5,
          meanKl: null,
          top1Agreement: null,
          recall: 0.5,
          hitRate: 0.5,
          keptPercent: budget / 100,
          unavailable: 0,
        });
  return { items: 8, fullAccuracy: 0.75, fullAccuracyByTask: { colour: 0.5, count: 1 }, cells };
}

const svgDoc = (text: string) => new JSDOM(text, { contentType: 'image/svg+xml' }).window.document;
const pngSize = (b: Buffer) => ({ w: b.readUInt32BE(16), h: b.readUInt32BE(20) });

async function run(file: string, out: string, scale: string) {
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    stdout += s;
    return true;
  }) as typeof process.stdout.write;
  try {
    const rc = await figuresCommand(['--eval', file, '--out', out, '--format', 'svg,png', '--scale', scale]);
    return { rc, stdout };
  } finally {
    process.stdout.write = write;
  }
}

function checkSvg(doc: Document, policies: string[], panels: number) {
  expect(doc.documentElement.tagName).toBe('svg');
  expect(doc.querySelector('parsererror')).toBeNull();
  const legend = [...doc.querySelectorAll('.legend-item')].map((e) => e.getAttribute('data-label'));
  expect(legend).toEqual([...policies, 'full cache']);
  const refs = doc.querySelectorAll('line.reference');
  expect(refs.length).toBe(panels);
  const ticks = [...doc.querySelectorAll('text')].map((t) => t.textContent);
  for (const t of ['1 %', '10 %', '100 %']) expect(ticks.filter((x) => x === t).length).toBe(panels);
  for (const p of policies) expect(doc.querySelectorAll(`.series[data-series="${p}"]`).length).toBe(panels);
}

describe('vlcache figures --eval', () => {
  it('draws a built results file with the numbers in it', async () => {
    const file = join(dir, 'results.json');
    await writeFile(file, JSON.stringify({ format: RESULTS_FORMAT, summary: summary(), items: [] }));
    const out = join(dir, 'built');
    const { rc, stdout } = await run(file, out, '2');
    expect(rc).toBe(0);
    expect(stdout).toContain('policies vl-cache, h2o');

    const acc = svgDoc(await readFile(join(out, 'accuracy.svg'), 'utf8'));
    checkSvg(acc, ['vl-cache', 'h2o'], 1);
    // The reference line sits at 0.75 of the y axis: y = ih × (1 − 0.75) from the axis top.
    const ref = acc.querySelector('line.reference')!;
    expect(Number(ref.getAttribute('data-value'))).toBe(0.75);
    // Three points per policy (markers) on a log axis: 1 %, 10 %, 100 % are equally spaced.
    const path = acc.querySelector('.series[data-series="vl-cache"] path')!.getAttribute('d')!;
    const xs = [...path.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(3);
    expect(xs[2] - xs[1]).toBeCloseTo(xs[1] - xs[0], 1);

    const byTask = svgDoc(await readFile(join(out, 'accuracyByTask.svg'), 'utf8'));
    checkSvg(byTask, ['vl-cache', 'h2o'], 2);
    expect([...byTask.querySelectorAll('.panel')].map((p) => p.getAttribute('data-task'))).toEqual([
      'colour',
      'count',
    ]);
    expect(
      [...byTask.querySelectorAll('line.reference')].map((l) => Number(l.getAttribute('data-value'))),
    ).toEqual([0.5, 1]);

    const csv = (await readFile(join(out, 'accuracy.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('task,policy,budget_percent,accuracy,full_accuracy');
    expect(csv).toHaveLength(1 + 2 * 3);
    expect(csv).toContain(`all,h2o,10,${accuracyOf(2, 1000)},0.75`);
    const json = JSON.parse(await readFile(join(out, 'accuracyByTask.json'), 'utf8'));
    expect(json.budgetsPercent).toEqual([1, 10, 100]);
    expect(json.panels.map((p: { task: string }) => p.task)).toEqual(['colour', 'count']);

    for (const id of ['accuracy', 'accuracyByTask']) {
      const svgW = Number(
        svgDoc(await readFile(join(out, `${id}.svg`), 'utf8')).documentElement.getAttribute('width'),
      );
      const svgH = Number(
        svgDoc(await readFile(join(out, `${id}.svg`), 'utf8')).documentElement.getAttribute('height'),
      );
      expect(pngSize(await readFile(join(out, `${id}.png`)))).toEqual({ w: svgW * 2, h: svgH * 2 });
    }
  });

  it('draws the committed summary of the real 600-item sweep', async () => {
    const file = join(import.meta.dirname, '../../docs/results/shapes-vlm-eval-600.summary.json');
    const doc = JSON.parse(await readFile(file, 'utf8'));
    const data = evalFigureData(doc.summary);
    const policies: string[] = doc.meta.settings.policies.filter((p: string) => p !== 'full');
    expect(data.policies).toEqual(policies);
    const out = join(dir, 'real');
    expect((await run(file, out, '1')).rc).toBe(0);
    checkSvg(svgDoc(await readFile(join(out, 'accuracy.svg'), 'utf8')), policies, 1);
    checkSvg(
      svgDoc(await readFile(join(out, 'accuracyByTask.svg'), 'utf8')),
      policies,
      data.panels.length - 1,
    );
    const { w } = pngSize(await readFile(join(out, 'accuracy.png')));
    expect(w).toBe(336);
  });

  it('refuses a file that is not a results file', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ format: 'other' }));
    await expect(run(file, join(dir, 'bad'), '1')).rejects.toThrow(/not a vlcache-eval\/1 results file/);
  });
});
