import { expect, test } from '@playwright/test';

const url = () => {
  const u = process.env.VLCACHE_E2E_URL;
  if (!u) throw new Error('VLCACHE_E2E_URL not set: globalSetup did not start the server');
  return u;
};

test('the app loads, connects, and lists providers and models from the engine', async ({ page }) => {
  await page.goto(url());
  await expect(page.getByTestId('engine-state')).toContainText('engine connected (websocket)');
  const providers = page.getByTestId('providers');
  await expect(providers.locator('[data-provider="cpu"]')).toContainText('available');
  await expect(providers.locator('[data-provider="webgpu"]')).toContainText(
    'unavailable: Failed to get a WebGPU adapter',
  );
  await expect(providers.locator('[data-provider="cuda"]')).toContainText('not bundled');
  await expect(page.getByTestId('model-select')).toContainText(
    'fixture-vlm (user, 2 layers, 4 image tokens)',
  );
  const invalid = page.getByTestId('invalid-models');
  await expect(invalid).toContainText('broken-vlm');
  await expect(invalid).toContainText('decoder.onnx: file missing');
  // every view of DESIGN.md §8 has its frame and an honest empty state
  for (const id of ['tokens', 'attention', 'overlay', 'sparsity', 'budget', 'kept', 'compare', 'session']) {
    await expect(page.locator(`[data-view="${id}"]`)).toContainText('No recording yet');
  }
  await page.screenshot({ path: 'test-results/e2e/shell.png' });
});

test('a WebSocket without the token is refused', async ({ page }) => {
  await page.goto(url());
  const origin = new URL(url()).origin.replace('http', 'ws');
  const outcome = await page.evaluate(
    (wsBase) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${wsBase}/api`);
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
      }),
    origin,
  );
  expect(outcome).toBe('refused');
});

test('without the token the page says how to get in', async ({ page }) => {
  await page.goto(url().replace(/\?token=.*/, ''));
  await expect(page.getByTestId('engine-banner')).toContainText('open the URL printed by "vlcache serve"');
});
