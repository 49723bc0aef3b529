/**
 * The interactive UI end to end (issue 6): the bundled model runs a sample on CPU through browser
 * mode, every view fills, and the linked controls move what they should — the threshold moves the
 * sparsity curve and VL-Cache's budgets; the budget moves the kept patches and the kept/evicted matrix,
 * whose kept count equals the budget; a token click moves the map's highlighted row and the overlay;
 * evaluating VL-Cache at 10 % decodes an answer with its fidelity metrics. Screenshots of every view
 * are saved under test-results/e2e/ for review.
 */
import { expect, type Page, test } from '@playwright/test';

const VIEWS = ['tokens', 'attention', 'overlay', 'sparsity', 'budget', 'kept', 'compare'] as const;

const url = () => {
  const u = process.env.VLCACHE_E2E_URL;
  if (!u) throw new Error('VLCACHE_E2E_URL not set: globalSetup did not start the server');
  return u;
};

/** Share of a canvas's pixels that differ from its first pixel (0 for a blank canvas). */
async function canvasInk(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d');
    if (!ctx || c.width === 0 || c.height === 0) return 0;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let differ = 0;
    for (let i = 0; i < d.length; i += 4)
      if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) differ++;
    return differ / (d.length / 4);
  });
}

const attr = async (page: Page, testId: string, name: string) => page.getByTestId(testId).getAttribute(name);

async function vlCacheBudgets(page: Page): Promise<string> {
  return (
    (await page.locator('[data-testid="budget-legend"] [data-policy="vl-cache"]').getAttribute('data-k')) ??
    ''
  );
}

/** Waits until the worker's results match the params in force (no view shows a stale result). */
async function settled(page: Page) {
  for (const id of ['sparsity', 'budget', 'kept', 'compare'])
    await expect(page.locator(`[data-view="${id}"] .updating`)).toHaveCount(0);
}

test.describe('interactive UI with the bundled model', () => {
  test.setTimeout(240_000);

  test('run a sample, explore it through every linked view, evaluate VL-Cache at 10 %', async ({ page }) => {
    await page.goto(url());
    await expect(page.getByTestId('engine-state')).toContainText('engine connected');

    // Run panel: the bundled model, a sample with its suggested question, CPU.
    const model = page.getByTestId('model-select');
    const option = model.locator('option', { hasText: 'shapes-vlm' });
    await model.selectOption((await option.getAttribute('value'))!);
    await page.locator('[data-testid^="sample-"]').first().click();
    await expect(page.getByTestId('suggested-questions').locator('button').first()).toBeVisible();
    await page.getByTestId('suggested-questions').locator('button').first().click();
    await expect(page.getByTestId('prompt')).not.toHaveValue('');
    await page.locator('[data-provider="cpu"] input').check();
    await page.getByTestId('run').click();
    await expect(page.getByTestId('answer')).not.toBeEmpty({ timeout: 120_000 });
    await expect(page.getByTestId('provider-ran')).toHaveText('cpu');
    await expect(page.getByTestId('timings')).toContainText('prefill');
    await page.locator('[data-view="run"]').screenshot({ path: 'test-results/e2e/view-run.png' });

    // Every view renders non-empty content.
    await expect(page.getByTestId('kept-matrix')).not.toHaveAttribute('data-kept-a', '', { timeout: 30_000 });
    await settled(page);
    expect(await page.locator('[data-testid="token-strip"] [data-pos]').count()).toBeGreaterThan(5);
    await expect(page.getByTestId('attention-canvas')).toHaveAttribute('data-source', 'exact', {
      timeout: 30_000,
    });
    expect(await canvasInk(page, 'attention-canvas')).toBeGreaterThan(0.05);
    await expect(page.getByTestId('overlay-canvas')).not.toHaveAttribute('data-heat', '', {
      timeout: 30_000,
    });
    expect(await canvasInk(page, 'overlay-canvas')).toBeGreaterThan(0.05);
    expect(await page.getByTestId('sparsity-line-prefill').getAttribute('d')).toMatch(/^M/);
    expect(await page.getByTestId('budget-line-vl-cache').getAttribute('d')).toMatch(/^M/);
    expect(await canvasInk(page, 'kept-matrix')).toBeGreaterThan(0.05);
    await expect(page.locator('[data-testid="curve-recall"] path').first()).toHaveAttribute('d', /^M/);
    for (const id of VIEWS) {
      await expect(page.locator(`[data-view="${id}"] .empty-state`)).toHaveCount(0);
      await page.locator(`[data-view="${id}"]`).screenshot({ path: `test-results/e2e/view-${id}.png` });
    }
    await page.getByTestId('attention-overview-tab').click();
    expect(await canvasInk(page, 'small-multiples')).toBeGreaterThan(0.05);
    await page
      .locator('[data-view="attention"]')
      .screenshot({ path: 'test-results/e2e/view-attention-overview.png' });
    await page.getByRole('button', { name: 'map', exact: true }).click();

    // The threshold moves the sparsity curve and VL-Cache's budgets (thresholds linked by default).
    const curveBefore = await page.getByTestId('sparsity-line-post-vision').getAttribute('d');
    const kBefore = await vlCacheBudgets(page);
    await expect(page.getByTestId('link-thresholds')).toBeChecked();
    await page.getByTestId('threshold-slider').fill('80');
    await expect(page.getByTestId('view-threshold')).toHaveText('0.01 %');
    await settled(page);
    await expect(page.getByTestId('sparsity-line-post-vision')).not.toHaveAttribute('d', curveBefore!);
    expect(await vlCacheBudgets(page)).not.toBe(kBefore);

    // The budget moves the kept patches and the matrix; the kept count equals the budget.
    const L = Number((await model.locator('option:checked').textContent())!.match(/(\d+) layers/)![1]);
    const keptBefore = await attr(page, 'kept-matrix', 'data-kept-a');
    const evictedBefore = await attr(page, 'overlay-canvas', 'data-evicted');
    await page.getByTestId('budget-tokens').fill('40');
    await page.getByTestId('budget-tokens').press('Enter');
    await settled(page);
    await expect(page.getByTestId('budget-summary')).toHaveAttribute('data-total', String(40 * L));
    await expect(page.getByTestId('kept-count')).toHaveAttribute('data-per-group', String(40 * L));
    await expect(page.getByTestId('kept-count')).toContainText(`Σ_l k_l = ${40 * L}`);
    expect(await attr(page, 'kept-matrix', 'data-kept-a')).not.toBe(keptBefore);
    expect(await attr(page, 'overlay-canvas', 'data-evicted')).not.toBe(evictedBefore);
    await page
      .locator('[data-view="overlay"]')
      .screenshot({ path: 'test-results/e2e/view-overlay-40-tokens.png' });
    // Undo restores the previous budget.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('budget-summary')).not.toHaveAttribute('data-total', String(40 * L));

    // A token click moves the map's highlighted row and the overlay with it.
    const heatBefore = await attr(page, 'overlay-canvas', 'data-heat');
    // The last generated token: a decode row, which sees every image patch.
    const target = page.locator('[data-testid="token-strip"] g.tok[data-pos]').last();
    const pos = await target.getAttribute('data-pos');
    await expect(page.getByTestId('attention-canvas')).not.toHaveAttribute('data-query-row', pos!);
    await target.click();
    await expect(page.getByTestId('attention-canvas')).toHaveAttribute('data-query-row', pos!);
    await expect(page.getByTestId('overlay-source')).toContainText(`#${pos}`);
    await expect(page.getByTestId('overlay-canvas')).not.toHaveAttribute('data-heat', heatBefore!);
    await expect(page.getByTestId('overlay-canvas')).not.toHaveAttribute('data-heat', '');

    // Evaluate VL-Cache at 10 %: the answer and the fidelity metrics appear.
    await page.getByTestId('budget-percent').fill('10');
    await page.getByTestId('budget-percent').press('Enter');
    await settled(page);
    await page.getByTestId('evaluate-vl-cache').click();
    await expect(page.getByTestId('evaluation-vl-cache')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('answer-vl-cache')).not.toBeEmpty();
    await expect(page.getByTestId('fidelity-vl-cache')).toContainText('agreement');
    await expect(page.getByTestId('fidelity-vl-cache')).toContainText('KL');
    await page
      .locator('[data-view="compare"]')
      .screenshot({ path: 'test-results/e2e/view-compare-evaluated.png' });
    await page.screenshot({ path: 'test-results/e2e/ui-full.png' });
  });
});
