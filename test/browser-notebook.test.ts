/**
 * The quickstart notebook as a user runs it: Jupyter's classic Notebook on a loopback port, opened in
 * Chromium, Run All (smoke budget), then the page must show a refined-image grid (<img>) and a plotly chart
 * (its SVG), and no error output. Leaves a screenshot in test-artifacts/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { artifactPath, launchBrowser, startJupyter } from './browser';

const NOTEBOOK = '00-quickstart.ipynb';
const RUN_TIMEOUT_MS = 15 * 60 * 1000;

interface CellState { prompt: string; errors: number; stderr: string[] }

test(`${NOTEBOOK} runs in the browser and renders its image grid and plots`, { timeout: RUN_TIMEOUT_MS + 120000 }, async () => {
  const jupyter = await startJupyter({ SIMGAN_BUDGET: 'smoke' });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${jupyter.base}/notebooks/${NOTEBOOK}?token=${jupyter.token}`);
    // The kernel is up when the notebook object reports a connected kernel.
    await page.waitForFunction(() => {
      const nb = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } } } }).Jupyter?.notebook;
      return Boolean(nb?.kernel?.is_connected());
    }, undefined, { timeout: 120000 });
    await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }).Jupyter.notebook.execute_all_cells());

    // Done when every code cell has a number in its prompt ("In [3]:") and none is running ("In [*]:").
    const cellStates = () =>
      page.$$eval('.cell.code_cell', (cells) =>
        cells.map((c) => ({
          prompt: c.querySelector('.input_prompt')?.textContent ?? '',
          errors: c.querySelectorAll('.output_error').length,
          stderr: Array.from(c.querySelectorAll('.output_stderr')).map((e) => (e.textContent ?? '').slice(0, 500)),
        })),
      ) as Promise<CellState[]>;
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    let states: CellState[] = [];
    for (;;) {
      states = await cellStates();
      const failed = states.findIndex((s) => s.errors > 0 || s.stderr.length > 0);
      if (failed >= 0) {
        await page.screenshot({ path: artifactPath('notebook-00-quickstart-failed.png') });
        assert.fail(`cell ${failed + 1} shows an error: ${JSON.stringify(states[failed])}`);
      }
      if (states.length > 0 && states.every((s) => /In\s*\[\d+\]/.test(s.prompt))) break;
      if (Date.now() > deadline) {
        await page.screenshot({ path: artifactPath('notebook-00-quickstart-timeout.png') });
        assert.fail(`cells still running after ${RUN_TIMEOUT_MS / 60000} min: ${states.map((s) => s.prompt).join(' ')}\n${jupyter.log().slice(-2000)}`);
      }
      await page.waitForTimeout(2000);
    }

    // An image grid: a PNG <img> that has loaded and has a size.
    const images = await page.$$eval('.output_area img', (imgs) =>
      imgs.map((i) => ({ src: (i as HTMLImageElement).src.slice(0, 22), w: (i as HTMLImageElement).naturalWidth, h: (i as HTMLImageElement).naturalHeight })),
    );
    assert.ok(images.some((i) => i.src.startsWith('data:image/png') && i.w > 50 && i.h > 50), `no rendered image grid: ${JSON.stringify(images)}`);
    // A plotly chart: plotly draws into an SVG with class main-svg, with at least one trace path.
    await page.waitForSelector('.output_area .js-plotly-plot svg.main-svg', { timeout: 30000 });
    const traces = await page.$$eval('.output_area .js-plotly-plot .scatterlayer .trace, .output_area .js-plotly-plot .barlayer .trace', (t) => t.length);
    assert.ok(traces > 0, 'plotly chart has no traces');
    assert.deepEqual(pageErrors, [], 'JavaScript errors in the page');

    // One screenshot showing both: the grid scrolled to the top of the window, its loss chart below it.
    const shot = artifactPath('notebook-00-quickstart.png');
    const grid = page.locator('.output_area img').first();
    await grid.scrollIntoViewIfNeeded();
    await page.evaluate(() => document.querySelector('.output_area img')?.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: shot });
    assert.ok(statSync(shot).size > 10000);
    console.log(`screenshot: ${shot}`);
  } finally {
    await browser.close();
    await jupyter.stop();
  }
});
