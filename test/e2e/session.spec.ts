/**
 * Sessions and figures in Chromium (issue 7): run the bundled model, change the selection and add a
 * note, save the session, reload the page, open the saved file and replay it step by step (the
 * selection and the caption come back in order); export a view as SVG and as PNG at 2×.
 */
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';

const url = () => {
  const u = process.env.VLCACHE_E2E_URL;
  if (!u) throw new Error('VLCACHE_E2E_URL not set: globalSetup did not start the server');
  return u;
};

async function runSample(page: Page) {
  const model = page.getByTestId('model-select');
  const option = model.locator('option', { hasText: 'shapes-vlm' });
  await model.selectOption((await option.getAttribute('value'))!);
  await page.locator('[data-testid^="sample-"]').first().click();
  await page.getByTestId('suggested-questions').locator('button').first().click();
  await page.locator('[data-provider="cpu"] input').check();
  await page.getByTestId('run').click();
  await expect(page.getByTestId('answer')).not.toBeEmpty({ timeout: 120_000 });
}

const layerOf = async (page: Page) =>
  Number((await page.getByTestId('selection').locator('b').first().textContent()) ?? '-1');

test.describe('sessions and figures with the bundled model', () => {
  test.setTimeout(240_000);

  test('save a session, reload, open it and replay it; export a view as SVG and PNG', async ({
    page,
  }, info) => {
    await page.goto(url());
    await expect(page.getByTestId('engine-state')).toContainText('engine connected');
    await runSample(page);
    await expect(page.getByTestId('session-state')).toContainText('unsaved session');

    // Two layer steps, a note, one more layer step.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press(']');
    await page.keyboard.press(']');
    expect(await layerOf(page)).toBe(2);
    await page.getByTestId('note-text').fill('two layers down');
    await page.getByTestId('add-note').click();
    await expect(page.getByTestId('replay-caption')).toHaveText('two layers down');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press(']');
    expect(await layerOf(page)).toBe(3);
    const total = (await page.getByTestId('replay-position').textContent())!.split('/')[1].trim();
    await expect(page.getByTestId('session-state')).toContainText('unsaved changes');

    const [saved] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('save-session').click(),
    ]);
    const file = info.outputPath(saved.suggestedFilename());
    await saved.saveAs(file);
    expect(saved.suggestedFilename()).toMatch(/\.vlcs$/);
    await expect(page.getByTestId('session-state')).toContainText('saved');

    // A fresh page: nothing open until the file is.
    await page.reload();
    await expect(page.getByTestId('engine-state')).toContainText('engine connected');
    await expect(page.getByTestId('selection')).toHaveCount(0);
    await page.getByTestId('open-session').setInputFiles(file);
    await expect(page.getByTestId('replay-position')).toHaveText(`${total} / ${total}`, { timeout: 30_000 });
    expect(await layerOf(page)).toBe(3);
    await expect(page.getByTestId('session-state')).toContainText(saved.suggestedFilename());
    await expect(page.getByTestId('session-state')).toContainText('saved');

    // Replay from the start: the layers and the caption come back in order.
    await page.getByTestId('replay-scrub').fill('0');
    await expect(page.getByTestId('replay-position')).toHaveText(`0 / ${total}`);
    expect(await layerOf(page)).toBe(0);
    await expect(page.getByTestId('replay-caption')).toHaveCount(0);
    const seen: number[] = [];
    for (let i = 0; i < Number(total); i++) {
      await page.getByTestId('replay-step').click();
      seen.push(await layerOf(page));
    }
    expect(seen.slice(-4)).toEqual([1, 2, 2, 3]);
    await expect(page.getByTestId('replay-caption')).toHaveText('two layers down');
    await page.getByTestId('replay-back').click();
    await page.getByTestId('replay-back').click();
    expect(await layerOf(page)).toBe(2);
    await expect(page.getByTestId('replay-caption')).toHaveCount(0);
    // Play runs to the end.
    await page.getByTestId('replay-play').click();
    await expect(page.getByTestId('replay-position')).toHaveText(`${total} / ${total}`, { timeout: 20_000 });
    expect(await layerOf(page)).toBe(3);

    // Export the attention view as SVG and as PNG at 2×.
    await page.getByTestId('export-attention').locator('summary').click();
    const [svgDl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-attention-attention-svg').click(),
    ]);
    const svg = readFileSync((await svgDl.path())!, 'utf8');
    expect(svgDl.suggestedFilename()).toBe('attention.svg');
    expect(svg).toContain('class="axis x-axis"');
    expect(svg).toContain('data-boundary="post-vision-start"');
    expect(svg).toMatch(/<image class="heatmap" href="data:image\/png;base64,/);
    expect(svg).toContain('layer 3');
    const width = Number(/<svg[^>]*width="(\d+)"/.exec(svg)![1]);
    const height = Number(/<svg[^>]*height="(\d+)"/.exec(svg)![1]);
    const [pngDl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-attention-attention-png2').click(),
    ]);
    const png = readFileSync((await pngDl.path())!);
    expect(pngDl.suggestedFilename()).toBe('attention@2x.png');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([2 * width, 2 * height]);
  });
});
