/**
 * Headless notebook execution with the tslab kernel (needs Debian's Jupyter: scripts/setup.sh installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../src/paths';
import { runNotebooks, formatFailure } from '../src/notebooks/runner';

interface Output { output_type: string; name?: string; data?: Record<string, unknown>; text?: string | string[] }

function notebook(cells: string[]): object {
  return {
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `t${i}`, metadata: {}, execution_count: null, outputs: [], source })),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-nb-'));
const quiet = () => undefined;

test('a failing cell is reported with its number, source and the kernel error text', async () => {
  const nb = path.join(tmp, 'fails.ipynb');
  writeFileSync(nb, JSON.stringify(notebook(['const a: number = 1;\nconsole.log(a)', 'const b: number = "not a number";', 'console.log("never")'])));
  const [r] = await runNotebooks({ notebooks: [nb], outDir: path.join(tmp, 'out'), log: quiet });
  assert.equal(r.ok, false);
  assert.equal(r.failure?.cell, 2);
  const report = formatFailure(r);
  assert.match(report, /code cell 2/);
  assert.match(report, /not a number/);
  assert.match(report, /not assignable to type 'number'/);
});

test('a notebook using the library shows a PNG grid and a plot, plotly.js inlined once, no error output', async () => {
  const nb = path.join(tmp, 'display.ipynb');
  writeFileSync(nb, JSON.stringify(notebook([
    `import * as sg from ${JSON.stringify(projectRoot)};\nimport { tf } from ${JSON.stringify(projectRoot)};\nawait sg.selectBackend("wasm");`,
    'await sg.showImages(tf.randomUniform([4, 8, 8, 1], -1, 1, "float32", 1) as tf.Tensor4D, { captions: ["a", "b", "c", "d"] });',
    'sg.showPlot({ data: [{ y: [3, 1, 2], type: "scatter" }] });\nsg.showPlot({ data: [{ y: [1, 2], type: "bar" }] });',
  ])));
  const [r] = await runNotebooks({ notebooks: [nb], outDir: path.join(tmp, 'out'), log: quiet });
  assert.ok(r.ok, formatFailure(r));
  const executed = JSON.parse(readFileSync(r.output, 'utf8')) as { cells: Array<{ outputs?: Output[] }> };
  const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
  assert.ok(outputs.some((o) => o.data && 'image/png' in o.data), 'an image/png output');
  const htmls = outputs.filter((o) => o.data && 'text/html' in o.data).map((o) => [o.data!['text/html']].flat().join(''));
  assert.equal(htmls.filter((h) => h.includes('Plotly.newPlot')).length, 2, 'two plot outputs');
  assert.equal(htmls.filter((h) => h.includes('Plotly, Inc')).length, 1, 'plotly.js inlined exactly once');
  assert.equal(outputs.filter((o) => o.output_type === 'error').length, 0);
  const stderr = outputs.filter((o) => o.output_type === 'stream' && o.name === 'stderr').map((o) => [o.text].flat().join(''));
  assert.deepEqual(stderr.filter((s) => /error/i.test(s)), [], 'no error text on stderr');
});
