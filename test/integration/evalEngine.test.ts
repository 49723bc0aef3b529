/**
 * Eval sweeps through the Engine API (startEval, evalProgress events, cancelEval, getEvalResults) on
 * the bundled model: 3 items × 2 policies × 2 budgets on one worker. Cancelled after its first item
 * and started again, the sweep continues from its journal and ends with the results `runSweep` gives
 * directly (up to the wall-clock `run` field); bad parameters are refused with specific messages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EvalProgressEvent, engineMethods } from '../../analysis/engine/api';
import { appRoot } from '../../analysis/engine/appRoot';
import { Engine } from '../../analysis/engine/engine';
import type { EvalResults } from '../../analysis/eval/results';
import { runSweep, sweepSettings } from '../../analysis/eval/sweep';

const root = appRoot();
const modelDir = join(root, 'assets', 'models', 'shapes-vlm');
const setDir = join(root, 'assets', 'eval');
const POLICIES = ['vl-cache', 'h2o'];
const PERCENTS = [10, 100];
const LIMIT = 3;
let tmp: string;
let direct: EvalResults;

const withoutRun = ({ run: _run, ...rest }: EvalResults) => rest;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vlc-eval-engine-'));
  direct = await runSweep({
    modelDir,
    setDir,
    out: join(tmp, 'direct.json'),
    provider: 'cpu',
    settings: sweepSettings({ policies: POLICIES, budgets: PERCENTS.map((p) => p * 100) }),
    limit: LIMIT,
    workers: 1,
  });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('startEval / cancelEval / getEvalResults', () => {
  it('reports progress, cancels, resumes from the journal and ends with the results of runSweep', async () => {
    const events: EvalProgressEvent[] = [];
    let cancelAfterFirst = true;
    const engine: Engine = new Engine({
      evalDir: join(tmp, 'engine'),
      emit: (name, payload) => {
        if (name !== 'evalProgress') return;
        const e = payload as EvalProgressEvent;
        events.push(e);
        if (cancelAfterFirst && e.stage === 'running' && e.done >= 1) {
          cancelAfterFirst = false;
          void engine.cancelEval({ evalId: e.evalId });
        }
      },
    });
    const params = { modelDir, policies: POLICIES, budgets: PERCENTS, limit: LIMIT, workers: 1 };
    const { evalId } = await engine.startEval(params);
    expect(evalId).toMatch(/^eval-[0-9a-f]{24}$/);
    const first = await engine.evalEnded(evalId);
    expect(first.stage).toBe('cancelled');
    expect(first.done).toBe(1);
    expect(events[0]).toMatchObject({ evalId, stage: 'preparing', done: 0, total: LIMIT });
    expect(events.some((e) => e.stage === 'running' && e.total === LIMIT)).toBe(true);
    await expect(engine.getEvalResults({ evalId })).rejects.toThrow(/was cancelled; start it again/);
    expect(await engine.cancelEval({ evalId })).toEqual({ cancelled: false });

    // The same sweep again: the same id, the first item reused from the journal.
    events.length = 0;
    expect(await engine.startEval(params)).toEqual({ evalId });
    const second = await engine.evalEnded(evalId);
    expect(second).toMatchObject({ stage: 'done', done: LIMIT, total: LIMIT });
    expect(events.find((e) => e.stage === 'running')).toMatchObject({ reused: 1 });
    const ran = events.filter((e) => e.stage === 'running');
    expect(ran.at(-1)?.done).toBe(LIMIT);
    const results = await engine.getEvalResults({ evalId });
    expect(withoutRun(results)).toEqual(withoutRun(direct));
    expect(results.run.sessions.map((s) => s.items)).toEqual([1, 2]);
    // The API's result schema (what the transports check) accepts it and refuses a broken one.
    expect(engineMethods.getEvalResults.result.safeParse(results).success).toBe(true);
    const broken = engineMethods.getEvalResults.result.safeParse({ ...results, summary: null });
    expect(broken.error?.issues[0].message).toBe('summary missing');

    // Once finished, starting it again runs nothing and gives the same results.
    expect(await engine.startEval(params)).toEqual({ evalId });
    await engine.evalEnded(evalId);
    expect(withoutRun(await engine.getEvalResults({ evalId }))).toEqual(withoutRun(direct));

    // The items' images are there to open as recordings.
    const { png } = await engine.getEvalItemImage({ evalId, key: results.items[0].key });
    expect([...png.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
  }, 120_000);

  it('refuses bad parameters with specific messages', async () => {
    const engine = new Engine({ evalDir: join(tmp, 'bad') });
    const base = { modelDir, policies: ['vl-cache'], budgets: [10], limit: 1 };
    await expect(engine.startEval({ ...base, policies: ['vl-cache', 'lru-magic'] })).rejects.toThrow(
      /unknown policy lru-magic \(known: .*vl-cache/,
    );
    await expect(engine.startEval({ ...base, policies: [] })).rejects.toThrow(/at least one policy/);
    await expect(engine.startEval({ ...base, budgets: [] })).rejects.toThrow(/at least one budget/);
    await expect(engine.startEval({ ...base, budgets: [10, 150] })).rejects.toThrow(
      /150 is not a percentage in \[0.01, 100\]/,
    );
    await expect(engine.startEval({ ...base, setDir: join(tmp, 'nowhere') })).rejects.toThrow(
      /eval set .*nowhere is not one this engine may read/,
    );
    engine.allowEvalSetDir(join(tmp, 'nowhere'));
    await expect(engine.startEval({ ...base, setDir: join(tmp, 'nowhere') })).rejects.toThrow(
      /eval set: cannot read the eval set .*nowhere: there is no items.jsonl/,
    );
    await expect(engine.startEval({ ...base, modelDir: join(tmp, 'no-model') })).rejects.toThrow(
      /no model package at/,
    );
    await expect(engine.getEvalResults({ evalId: 'eval-unknown' })).rejects.toThrow(/no eval eval-unknown/);
    // Over a transport the params schema lets these through, so the engine's messages reach the user.
    expect(engineMethods.startEval.params.safeParse({ ...base, budgets: [] }).success).toBe(true);
    for (const p of [
      { ...base, policies: ['x'] },
      { ...base, budgets: [] },
    ])
      await expect(engine.startEval(p)).rejects.toMatchObject({ name: 'BadInputError', code: 'bad-input' });
  });
});
