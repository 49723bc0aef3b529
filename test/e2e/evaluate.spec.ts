/**
 * The Evaluate view end to end in browser mode: a tiny eval sweep (2 items, VL-Cache, 10 % and 100 %)
 * on the bundled model is started from the Run sweep form, shows its progress, and ends with the
 * accuracy figure and the policy × budget table; at 100 % the policy agrees with the full cache. An
 * item whose answer flipped at 10 % opens as a recording with VL-Cache at 10 % selected.
 */
import { expect, test } from '@playwright/test';

const url = () => {
  const u = process.env.VLCACHE_E2E_URL;
  if (!u) throw new Error('VLCACHE_E2E_URL not set: globalSetup did not start the server');
  return u;
};

test('run a tiny eval sweep from the Evaluate view', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(url());
  await expect(page.getByTestId('engine-state')).toContainText('engine connected');
  const panel = page.locator('[data-view="evaluate"]');
  const model = page.getByTestId('sweep-model');
  const option = model.locator('option', { hasText: 'shapes-vlm' });
  await model.selectOption((await option.getAttribute('value'))!);

  // Bad budgets are named and block the sweep.
  await page.getByTestId('sweep-budgets').fill('10, 0');
  await expect(page.getByTestId('sweep-errors')).toContainText('0 is not a percentage');
  await expect(page.getByTestId('sweep-start')).toBeDisabled();

  await page.getByTestId('sweep-budgets').fill('10, 100');
  await page.getByTestId('sweep-limit').fill('2');
  await page.getByTestId('sweep-workers').fill('1');
  await page.getByTestId('sweep-policies').getByLabel('all').uncheck();
  await page.getByTestId('sweep-policy-h2o').uncheck();
  await expect(page.getByTestId('sweep-policy-vl-cache')).toBeChecked();
  await page.getByTestId('sweep-start').click();

  await expect(page.getByTestId('sweep-progress')).toBeVisible();
  await expect(page.getByTestId('sweep-status')).toContainText('done · 2 / 2 items', { timeout: 100_000 });
  const rows = page.locator('[data-testid="eval-table"] tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('th')).toHaveText('vl-cache');
  await expect(page.locator('[data-testid="eval-table"] thead th')).toHaveText(['policy', '10 %', '100 %']);
  // At 100 % the policy keeps everything: agreement with the full cache is 1.
  await expect(rows.first().locator('td').nth(1)).toContainText('/ 1.000');
  await expect(panel.locator('svg line.reference')).toHaveCount(1);
  await rows.first().locator('td button').first().click();
  const flipped = page.getByTestId('eval-flipped');
  await expect(flipped).toContainText('vl-cache at 10 %');
  await panel.screenshot({ path: 'test-results/e2e/view-evaluate-sweep.png' });

  // Drill-down: the first flipped item runs as a recording with VL-Cache at 10 % selected.
  const item = flipped.locator('tbody tr').first();
  const fullAnswer = (await item.locator('td').nth(3).textContent()) ?? '';
  await item.getByTestId('eval-open-item').click();
  await expect(page.getByTestId('answer')).toContainText(fullAnswer, { timeout: 60_000 });
  await expect(page.getByTestId('selection')).toContainText('policy VL-Cache');
  await expect(page.getByTestId('budget-percent')).toHaveValue('10');
  await expect(page.locator('[data-view="kept"]')).toBeInViewport();
});
