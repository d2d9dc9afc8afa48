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

test('the hello notebook runs on tslab and holds a PNG, a plot and no error output', async () => {
  const [r] = await runNotebooks({ notebooks: [path.join(projectRoot, 'notebooks', '00-hello.ipynb')], outDir: path.join(tmp, 'out'), log: quiet });
  assert.ok(r.ok, formatFailure(r));
  const executed = JSON.parse(readFileSync(r.output, 'utf8')) as { cells: Array<{ outputs?: Output[] }> };
  const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
  assert.ok(outputs.some((o) => o.data && 'image/png' in o.data), 'an image/png output');
  const htmls = outputs.filter((o) => o.data && 'text/html' in o.data).map((o) => [o.data!['text/html']].flat().join(''));
  assert.ok(htmls.some((h) => h.includes('Plotly.newPlot')), 'a plot output');
  assert.equal(htmls.filter((h) => h.includes('Plotly, Inc')).length, 1, 'plotly.js inlined exactly once');
  assert.equal(outputs.filter((o) => o.output_type === 'error').length, 0);
  const stderr = outputs.filter((o) => o.output_type === 'stream' && o.name === 'stderr').map((o) => [o.text].flat().join(''));
  assert.deepEqual(stderr.filter((s) => /error/i.test(s)), [], 'no error text on stderr');
});
