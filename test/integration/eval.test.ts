/**
 * The eval sweep end to end on CPU with the bundled model and eval set: 10 items, 3 policies × 3
 * budgets. At 100 % every policy is the full cache exactly; the results file is the same (up to its
 * wall-clock `run` field) for two runs: one in-process worker, uninterrupted, and the CLI on 2 workers,
 * cancelled (SIGINT), run again, killed (SIGKILL) and run again — across runs, worker counts, a cancel
 * and a kill at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot } from '../../analysis/engine/appRoot';
import { journalPath, parseJournal } from '../../analysis/eval/journal';
import type { EvalResults } from '../../analysis/eval/results';
import { runSweep, sweepSettings } from '../../analysis/eval/sweep';

const root = appRoot();
const modelDir = join(root, 'assets', 'models', 'shapes-vlm');
const setDir = join(root, 'assets', 'eval');
const POLICIES = ['vl-cache', 'h2o', 'streaming-llm'];
const BUDGETS = [200, 1000, 10000];
const LIMIT = 10;
const settings = sweepSettings({ policies: POLICIES, budgets: BUDGETS });
let tmp: string;
let one: EvalResults;

const comparable = (path: string) => {
  const text = readFileSync(path, 'utf8');
  return text.slice(0, text.lastIndexOf('"run"'));
};

function cli(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string; err: string }>;
} {
  const child = spawn(process.execPath, [join(root, 'bin', 'vlcache.mjs'), ...args], { cwd: root });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
  return { child, done };
}

const finishedLines = (out: string) => {
  const jp = journalPath(out);
  if (!existsSync(jp)) return 0;
  return parseJournal(jp, readFileSync(jp)).lines.filter((l) => l.type === 'item' || l.type === 'failed')
    .length;
};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vlc-eval-'));
  one = await runSweep({
    modelDir,
    setDir,
    out: join(tmp, 'one.json'),
    provider: 'cpu',
    settings,
    limit: LIMIT,
    workers: 1,
  });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('eval sweep on the bundled model', () => {
  it('scores 10 items with run metadata and the first-token rule', () => {
    expect(one.items.length + one.failed.length).toBe(LIMIT);
    expect(one.failed).toEqual([]);
    expect(one.meta).toMatchObject({
      provider: 'cpu',
      model: { name: 'shapes-vlm' },
      set: { path: 'assets/eval', selected: LIMIT },
      settings: {
        policies: POLICIES,
        budgets: BUDGETS,
        firstTokenRule: 'y0 from the full prefill (ALGORITHMS §0)',
      },
    });
    expect(one.meta.model.hashes).toEqual(
      JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')).hashes,
    );
    for (const it of one.items) {
      expect(it.cells).toHaveLength(POLICIES.length * BUDGETS.length);
      for (const c of it.cells) {
        expect(c.status).toBe('ok');
        // y0 comes from the full prefill: no policy changes the first token.
        if (c.status === 'ok') expect(c.firstDivergence === null || c.firstDivergence >= 1).toBe(true);
      }
    }
  });

  it('at 100 % every policy is the full cache exactly', () => {
    for (const it of one.items) {
      for (const c of it.cells.filter((x) => x.budget === 10000)) {
        if (c.status !== 'ok') throw new Error(c.reason);
        expect(c.text).toBe(it.full.text);
        expect(c.exactMatch).toBe(true);
        expect(c.score).toBe(it.full.score);
        expect(c.recall).toBe(1);
        expect(c.keptPercent).toBe(100);
        expect(c.meanKl === null || c.meanKl < 1e-3).toBe(true);
      }
      // One decode serves every policy at 100 %; the others get their own.
      expect(it.decodes).toBeLessThanOrEqual(1 + POLICIES.length * (BUDGETS.length - 1));
    }
    for (const p of POLICIES) {
      const c = one.summary.cells.find((x) => x.policy === p && x.budget === 10000 && x.task === 'all')!;
      expect(c.accuracy).toBe(one.summary.fullAccuracy);
      expect(c.agreement).toBe(1);
    }
    // And at 2 % something does change (the sweep is not trivially the full cache everywhere).
    const low = one.items.flatMap((it) => it.cells.filter((c) => c.budget === 200));
    expect(low.some((c) => c.status === 'ok' && c.recall < 1)).toBe(true);
  });

  it('on 2 workers, cancelled, killed and run again, ends with the same file as one uninterrupted worker', async () => {
    const out = join(tmp, 'killed.json');
    const args = [
      'eval',
      '--model',
      modelDir,
      '--policies',
      POLICIES.join(','),
      '--budgets',
      '2,10,100',
      '--limit',
      String(LIMIT),
      '--workers',
      '2',
      '--out',
      out,
    ];
    /** Starts the CLI and sends `signal` once the journal holds `lines` finished items. */
    const interrupt = async (lines: number, signal: NodeJS.Signals) => {
      const run = cli(args);
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (finishedLines(out) >= lines) {
            clearInterval(poll);
            run.child.kill(signal);
            resolve();
          }
        }, 20);
        run.done.then(() => {
          clearInterval(poll);
          reject(new Error('the sweep finished before it could be interrupted'));
        });
      });
      return run.done;
    };

    // Ctrl-C: the workers stop between model calls, the CLI says how to continue and exits 1.
    const cancelled = await interrupt(2, 'SIGINT');
    expect(cancelled.code).toBe(1);
    const afterCancel = finishedLines(out);
    expect(cancelled.err).toContain(`eval cancelled after ${afterCancel} of ${LIMIT} items`);
    expect(existsSync(out)).toBe(false);

    // SIGKILL: no chance to clean up; the journal is all that is left.
    const killed = await interrupt(afterCancel + 2, 'SIGKILL');
    expect(killed.code).toBeNull();
    expect(killed.err).toMatch(new RegExp(`${afterCancel} items already done \\(resuming\\)`));
    expect(existsSync(out)).toBe(false);
    const afterKill = finishedLines(out);
    expect(afterKill).toBeLessThan(LIMIT);

    const csv = join(tmp, 'killed.csv');
    const last = await cli([...args, '--csv', csv]).done;
    expect(last.err).toMatch(new RegExp(`${afterKill} items already done \\(resuming\\)`));
    expect(last.code).toBe(0);
    expect(last.out).toMatch(/full-cache accuracy \d\.\d{3} over 10 items/);
    expect(last.out).toMatch(/VL-Cache\s+\d\.\d\d\/\d\.\d\d/);
    const resumed = JSON.parse(readFileSync(out, 'utf8')) as EvalResults;
    // Nothing recomputed: each session ran exactly the items the ones before it had not finished.
    expect(resumed.run.sessions.map((s) => s.items)).toEqual([
      afterCancel,
      afterKill - afterCancel,
      LIMIT - afterKill,
    ]);
    expect(comparable(out)).toBe(comparable(join(tmp, 'one.json')));
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toMatch(/^policy,budgetPercent,task,n,accuracy/);
  }, 180_000);
});
