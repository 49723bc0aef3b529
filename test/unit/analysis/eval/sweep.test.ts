/**
 * The sweep's scheduling and resumption, on a stand-in worker (fakeEvalWorker.mjs) that answers
 * without a model: order and worker count do not change the results file, a cancelled sweep resumes
 * without recomputing anything, a torn last journal line is dropped, settings mismatches are refused.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvalWorkerError, ResultsMismatchError, SweepCancelledError } from '../../../../analysis/eval/errors';
import { journalPath, parseJournal } from '../../../../analysis/eval/journal';
import type { EvalResults } from '../../../../analysis/eval/results';
import { runSweep, type SweepOptions, sweepSettings } from '../../../../analysis/eval/sweep';
import { writeFixtureModel } from '../../../helpers/fixtureModel';

const workerUrl = new URL('./fakeEvalWorker.mjs', import.meta.url);
let dir: string;
let modelDir: string;
let setDir: string;

function writeSet(questions: string[]): void {
  const lines = questions.map((q, i) =>
    JSON.stringify({
      image: `img${i % 3}.png`,
      question: q,
      answer: i % 2 ? 'the star is red' : 'a red star and a blue circle',
      task: i % 2 ? 'colour' : 'caption',
    }),
  );
  writeFileSync(join(setDir, 'items.jsonl'), `${lines.join('\n')}\n`);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlc-sweep-'));
  modelDir = writeFixtureModel(join(dir, 'model'));
  setDir = join(dir, 'set');
  writeFixtureModel(setDir); // just to create the folder
  for (let i = 0; i < 3; i++) writeFileSync(join(setDir, `img${i}.png`), `image ${i}`);
  writeSet(['q0 DELAY40', 'q1', 'q2 FAIL', 'q3 DELAY25', 'q4 NOPOST', 'q5', 'q6 DELAY10', 'q7', 'q8']);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const settings = sweepSettings({ policies: ['full', 'vl-cache', 'h2o'], budgets: [1000, 10000, 500] });
const options = (out: string, over: Partial<SweepOptions> = {}): SweepOptions => ({
  modelDir,
  setDir,
  out: join(dir, out),
  provider: 'cpu',
  settings,
  workers: 1,
  workerUrl,
  ...over,
});
/** The file without its wall-clock part. */
const comparable = (path: string) => {
  const r = JSON.parse(readFileSync(path, 'utf8')) as EvalResults;
  return { ...r, run: undefined };
};

describe('runSweep scheduling', () => {
  it('writes the same file for 1 and 3 workers, items in the set order, failures and skips reported', async () => {
    const a = await runSweep(options('a.json', { workers: 1 }));
    const b = await runSweep(options('b.json', { workers: 3 }));
    expect(a.run.sessions[0].workers).toBe(1);
    expect(b.run.sessions[0].workers).toBe(3);
    expect(comparable(join(dir, 'a.json'))).toEqual(comparable(join(dir, 'b.json')));
    const textA = readFileSync(join(dir, 'a.json'), 'utf8');
    const textB = readFileSync(join(dir, 'b.json'), 'utf8');
    expect(textA.slice(0, textA.indexOf('"run"'))).toBe(textB.slice(0, textB.indexOf('"run"')));
    expect(a.items.map((it) => it.line)).toEqual([0, 1, 3, 4, 5, 6, 7, 8]);
    expect(a.failed).toEqual([
      expect.objectContaining({ line: 2, code: 'bad-input', message: 'cannot read the image' }),
    ]);
    expect(a.meta.settings.budgets).toEqual([500, 1000, 10000]);
    expect(a.meta.settings.firstTokenRule).toBe('y0 from the full prefill (ALGORITHMS §0)');
    expect(a.meta.provider).toBe('cpu');
    expect(a.meta.set).toMatchObject({ lines: 9, usable: 9, selected: 9 });
    expect(existsSync(journalPath(join(dir, 'a.json')))).toBe(false);
    // The summary: 8 items; vl-cache is unavailable on the NOPOST item.
    const vl = a.summary.cells.find(
      (c) => c.policy === 'vl-cache' && c.budget === 10000 && c.task === 'all',
    )!;
    expect(vl).toMatchObject({ n: 7, unavailable: 1, accuracy: 1, fullAccuracy: 1 });
  });

  it('stops on cancel, keeps what finished, and resumes to the same file without recomputing', async () => {
    const full = await runSweep(options('full.json', { workers: 2 }));
    const out = join(dir, 'cut.json');
    const controller = new AbortController();
    const err = await runSweep(
      options('cut.json', {
        workers: 2,
        signal: controller.signal,
        onProgress: (p) => p.done >= 3 && controller.abort(),
      }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(SweepCancelledError);
    expect(existsSync(out)).toBe(false);
    const journal = parseJournal(journalPath(out), readFileSync(journalPath(out)));
    const firstRun = journal.lines.filter((l) => l.type === 'item' || l.type === 'failed').length;
    expect(firstRun).toBeGreaterThanOrEqual(3);
    expect(firstRun).toBeLessThan(9);
    // A kill during a write leaves a torn last line: it is dropped, not trusted.
    appendFileSync(journalPath(out), '{"type":"item","result":{"line":7,"ke');
    const resumed = await runSweep(options('cut.json', { workers: 2 }));
    expect(resumed.run.sessions.map((s) => s.items)).toEqual([firstRun, 9 - firstRun]);
    expect(comparable(out)).toEqual(comparable(join(dir, 'full.json')));
    expect(resumed.items).toEqual(full.items);
  });

  it('extends a finished file to a larger --limit, running only the new items', async () => {
    const out = join(dir, 'grow.json');
    const small = await runSweep(options('grow.json', { limit: 4, workers: 2 }));
    expect(small.items.length + small.failed.length).toBe(4);
    const big = await runSweep(options('grow.json', { workers: 2 }));
    expect(big.run.sessions.map((s) => s.items)).toEqual([4, 5]);
    await runSweep(options('ref.json', { workers: 2 }));
    expect(comparable(out)).toEqual(comparable(join(dir, 'ref.json')));
  });

  it('refuses to mix results made with other settings, naming what differs', async () => {
    await runSweep(options('x.json', { limit: 2 }));
    const before = readFileSync(join(dir, 'x.json'), 'utf8');
    const other = sweepSettings({ policies: ['full', 'vl-cache', 'h2o'], budgets: [1000, 10000] });
    const err = await runSweep(options('x.json', { settings: other })).catch((e) => e);
    expect(err).toBeInstanceOf(ResultsMismatchError);
    expect(err.details.differences).toEqual(['settings.budgets: [500,1000,10000] → [1000,10000]']);
    expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe(before);
  });

  it('stops when a worker fails outside an item, keeping finished items in the journal', async () => {
    writeSet(['q0', 'q1', 'q2 DELAY30 CRASH', 'q3']);
    const out = join(dir, 'crash.json');
    await expect(runSweep(options('crash.json', { workers: 1 }))).rejects.toThrow(EvalWorkerError);
    const journal = parseJournal(journalPath(out), readFileSync(journalPath(out)));
    expect(
      journal.lines.filter((l) => l.type === 'item').map((l) => l.type === 'item' && l.result.line),
    ).toEqual([0, 1]);
  });

  it('writes results even when nothing is left to run', async () => {
    await runSweep(options('done.json', { workers: 2 }));
    const again = await runSweep(options('done.json', { workers: 2 }));
    expect(again.run.sessions.map((s) => [s.items, s.workers])).toEqual([
      [9, 2],
      [0, 0],
    ]);
  });
});

describe('the real eval worker', () => {
  it('starts under the TypeScript loader and stops the sweep with the reason when the model cannot load', async () => {
    // The fixture package passes the manifest and hash checks, but its graphs do not run.
    const err = await runSweep(options('real.json', { workerUrl: undefined, limit: 1 })).catch((e) => e);
    expect(err).toBeInstanceOf(EvalWorkerError);
    expect(err.message).toMatch(/eval worker failed: invalid model package .*present\.0\.key is missing/);
  });
});
