// @vitest-environment jsdom
/**
 * The Evaluate view's "Run sweep" form in a DOM against a scripted engine: the fields are validated
 * (Run sweep stays disabled and every problem is listed), startEval gets the parsed params, progress
 * events move the bar and the done/total/ETA line, Cancel calls cancelEval, a finished sweep's
 * results fill the table, and a flipped item opens as a recording with its cell's policy and budget.
 */
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineApi, EvalProgressEvent } from '../../../../analysis/engine/api';
import { setEngine } from '../../../../renderer/src/engine/engineHolder';
import { studio } from '../../../../renderer/src/stores/store';
import { EvaluateView } from '../../../../renderer/src/views/evaluate/EvaluateView';
import { parseBudgetsText, sweepParams } from '../../../../renderer/src/views/evaluate/sweepForm';
import { evalResultsFixture } from './evalResultsFixture';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const EVAL_ID = 'eval-0123456789abcdef01234567';

function scriptedEngine() {
  const listeners = new Set<(p: unknown) => void>();
  const api = {
    startEval: vi.fn(async () => ({ evalId: EVAL_ID })),
    cancelEval: vi.fn(async () => ({ cancelled: true })),
    getEvalResults: vi.fn(async () => evalResultsFixture()),
    getEvalItemImage: vi.fn(async () => ({ png: new Uint8Array([137, 80, 78, 71]) })),
    run: vi.fn(async () => {
      throw new Error('no model in this test');
    }),
  };
  setEngine({
    api: api as unknown as EngineApi,
    transport: 'websocket',
    on: (_event, l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onStatus: () => () => {},
  });
  const emit = async (e: Partial<EvalProgressEvent>) =>
    act(async () => {
      for (const l of listeners)
        l({ evalId: EVAL_ID, stage: 'running', done: 0, total: 2, etaSeconds: null, ...e });
    });
  return { api, emit };
}

function type(input: HTMLInputElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

async function mount() {
  studio.store.setState({
    models: [{ dir: '/models/shapes-vlm', source: 'bundled', ok: true, name: 'shapes-vlm', errors: [] }],
  });
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  await act(async () => root.render(<EvaluateView />));
  const q = <T extends Element = HTMLInputElement>(id: string) =>
    el.querySelector<T & Element>(`[data-testid="${id}"]`) as T;
  return { el, root, q };
}

afterEach(() => {
  document.body.innerHTML = '';
  setEngine(null);
});

describe('sweep form parsing', () => {
  it('parses budgets and names every bad field', () => {
    expect(parseBudgetsText('10, 1,2.5% 10')).toEqual({ budgets: [1, 2.5, 10] });
    expect(parseBudgetsText(' ')).toEqual({ error: expect.stringMatching(/at least one percentage/) });
    expect(parseBudgetsText('5, 120')).toEqual({ error: expect.stringMatching(/120 is not a percentage/) });
    expect(parseBudgetsText('0.001')).toEqual({ error: expect.stringMatching(/at most two decimals/) });
    const bad = sweepParams({ modelDir: '', policies: [], budgets: 'x', limit: '0', workers: '1.5' });
    expect('errors' in bad && bad.errors).toEqual([
      'choose a model',
      'choose at least one policy, or all',
      'budgets: x is not a percentage in [0.01, 100] with at most two decimals',
      'item limit must be a positive whole number, got 0',
      'workers must be a positive whole number, got 1.5',
    ]);
  });
});

describe('EvaluateView: Run sweep', () => {
  it('validates, starts, shows progress, cancels, and shows the finished results', async () => {
    const { api, emit } = scriptedEngine();
    const { el, root, q } = await mount();
    const startBtn = q<HTMLButtonElement>('sweep-start');
    expect(startBtn.disabled).toBe(false);

    // Invalid fields: listed, and Run sweep is disabled.
    await act(async () => type(q('sweep-budgets'), '10, 200'));
    await act(async () => type(q('sweep-limit'), 'two'));
    expect(q('sweep-errors').textContent).toMatch(/200 is not a percentage/);
    expect(q('sweep-errors').textContent).toMatch(/item limit must be a positive whole number, got two/);
    expect(startBtn.disabled).toBe(true);

    // Valid: one policy (not all), two budgets, two items.
    await act(async () => type(q('sweep-budgets'), '10, 100'));
    await act(async () => type(q('sweep-limit'), '2'));
    const allBox = q('sweep-policies').querySelector<HTMLInputElement>('input')!;
    await act(async () => allBox.click());
    await act(async () => q('sweep-policy-h2o').click());
    expect(q('sweep-errors')).toBeNull();
    await act(async () => startBtn.click());
    expect(api.startEval).toHaveBeenCalledWith({
      modelDir: '/models/shapes-vlm',
      policies: ['vl-cache'],
      budgets: [10, 100],
      limit: 2,
    });

    await emit({ done: 1, total: 2, fraction: 0.5, etaSeconds: 30 });
    expect(q('sweep-status').textContent).toBe('1 / 2 items · ETA 30s');
    expect(q('sweep-progress').querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow')).toBe(
      '1',
    );
    expect(startBtn.disabled).toBe(true);
    // Events of another sweep are ignored.
    await emit({ evalId: 'eval-other', done: 7, total: 9 });
    expect(q('sweep-status').textContent).toBe('1 / 2 items · ETA 30s');

    await act(async () => q<HTMLButtonElement>('sweep-cancel').click());
    expect(api.cancelEval).toHaveBeenCalledWith({ evalId: EVAL_ID });
    expect(q<HTMLButtonElement>('sweep-cancel').disabled).toBe(true);
    await emit({ stage: 'cancelled', done: 1, total: 2 });
    expect(q('sweep-cancel')).toBeNull();
    expect(q('sweep-status').textContent).toMatch(/^cancelled · 1 \/ 2 items/);
    expect(startBtn.disabled).toBe(false);

    // Started again, it finishes: the results fill the figure and the table.
    await act(async () => startBtn.click());
    await emit({ done: 2, total: 2, reused: 1, etaSeconds: 0 });
    expect(q('sweep-status').textContent).toBe('2 / 2 items · 1 reused · ETA 0s');
    await emit({ stage: 'done', done: 2, total: 2, etaSeconds: 0 });
    expect(api.getEvalResults).toHaveBeenCalledWith({ evalId: EVAL_ID });
    const rows = [...el.querySelectorAll('[data-testid="eval-table"] tbody tr')];
    expect(rows.map((r) => r.querySelector('th')?.textContent)).toEqual(['vl-cache', 'h2o']);

    // A flipped item opens as a recording with the cell's policy first and its budget.
    await act(async () => rows[1].querySelectorAll('button')[0].click());
    const open = q<HTMLButtonElement>('eval-open-item');
    expect(open.disabled).toBe(false);
    await act(async () => open.click());
    expect(api.getEvalItemImage).toHaveBeenCalledWith({ evalId: EVAL_ID, key: 'k0' });
    expect(api.run).toHaveBeenCalledWith(
      expect.objectContaining({
        modelDir: '/models/shapes-vlm',
        prompt: 'what colour is shape 0?',
        image: { bytes: new Uint8Array([137, 80, 78, 71]) },
      }),
    );
    const p = studio.store.getState().params;
    expect(p.policies[0]).toBe('h2o');
    expect(p.budget).toEqual({ kind: 'percent', basisPoints: 1000 });
    await act(async () => root.unmount());
  });

  it('shows the engine refusing a sweep', async () => {
    const { api } = scriptedEngine();
    api.startEval.mockRejectedValueOnce(new Error('unknown policy x (known: vl-cache)'));
    const { root, q, el } = await mount();
    await act(async () => q<HTMLButtonElement>('sweep-start').click());
    expect(el.querySelector('[role="alert"]')?.textContent).toBe('unknown policy x (known: vl-cache)');
    await act(async () => root.unmount());
  });
});
