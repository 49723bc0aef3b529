// @vitest-environment jsdom
/**
 * The Evaluate view in a DOM: open a results file through the file input, see the figure and the
 * table, click a cell and get the flipped items.
 */
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it } from 'vitest';
import { EvaluateView } from '../../../../renderer/src/views/evaluate/EvaluateView';
import { evalResultsFixture } from './evalResultsFixture';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

async function open(el: HTMLElement, text: string) {
  const input = el.querySelector<HTMLInputElement>('[data-testid="eval-file"]')!;
  const file = { name: 'r.json', text: async () => text } as unknown as File;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  await act(async () => {
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

describe('EvaluateView', () => {
  it('shows the chart, the table and the flipped items of a clicked cell', async () => {
    const el = document.createElement('div');
    document.body.append(el);
    const root = createRoot(el);
    await act(async () => root.render(<EvaluateView />));
    expect(el.textContent).toContain('open a results file written by vlcache eval');
    await open(el, '{"format":"nope"}');
    expect(el.querySelector('[role="alert"]')?.textContent).toMatch(/not a vlcache-eval\/1/);
    await open(el, JSON.stringify(evalResultsFixture()));
    expect(el.querySelector('[role="alert"]')).toBeNull();
    expect(el.querySelector('svg line.reference')).not.toBeNull();
    const rows = [...el.querySelectorAll('[data-testid="eval-table"] tbody tr')];
    expect(rows.map((r) => r.querySelector('th')?.textContent)).toEqual(['vl-cache', 'h2o']);
    const h2o10 = rows[1].querySelectorAll('button')[0];
    expect(h2o10.textContent).toBe('0.000 / 0.000');
    await act(async () => h2o10.click());
    const flipped = el.querySelector('[data-testid="eval-flipped"]')!;
    expect(flipped.querySelector('h4')?.textContent).toMatch(/h2o at 10 %: 2 items/);
    expect([...flipped.querySelectorAll('tbody tr')].map((r) => r.children[1].textContent)).toEqual([
      'what colour is shape 0?',
      'what colour is shape 1?',
    ]);
    expect(flipped.querySelector('tbody tr')!.children[4].textContent).toBe('green');
    await act(async () => root.unmount());
  });
});
