/**
 * The notebooks as executed by `npm run notebooks:test` (which `npm test` runs first, in the smoke budget):
 * all seven ran, none shows an error, the ablation notebooks show plots and image grids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../src/paths';
import { listNotebooks } from '../src/notebooks/runner';

interface Output { output_type: string; name?: string; data?: Record<string, unknown>; text?: string | string[] }

const executedDir = path.join(projectRoot, 'notebooks', 'executed');

function outputsOf(file: string): Output[] {
  const nb = JSON.parse(readFileSync(file, 'utf8')) as { cells: Array<{ outputs?: Output[] }> };
  return nb.cells.flatMap((c) => c.outputs ?? []);
}

const html = (o: Output) => [o.data?.['text/html'] ?? ''].flat().join('');

test('every notebook was executed, without error output, under 10 MB', () => {
  const names = listNotebooks().map((f) => path.basename(f));
  assert.equal(names.length, 7, names.join(', '));
  for (const name of names) {
    const file = path.join(executedDir, name);
    assert.ok(existsSync(file), `${file} is missing: run npm run notebooks:test first`);
    const outs = outputsOf(file);
    assert.ok(outs.length > 0, `${name} has no outputs`);
    assert.equal(outs.filter((o) => o.output_type === 'error').length, 0, `${name} has an error output`);
    const stderr = outs.filter((o) => o.output_type === 'stream' && o.name === 'stderr').map((o) => [o.text].flat().join(''));
    assert.deepEqual(stderr.filter((s) => /error|exception/i.test(s)), [], `${name} printed an error`);
    assert.ok(statSync(file).size < 10 * 2 ** 20, `${name} is over 10 MB`);
  }
});

test('each ablation notebook holds a plot, an image grid and a finding generated from its numbers', () => {
  for (const name of ['03-ablation-history-buffer.ipynb', '04-ablation-local-vs-global.ipynb', '05-lambda-sweep.ipynb']) {
    const outs = outputsOf(path.join(executedDir, name));
    assert.ok(outs.some((o) => html(o).includes('Plotly.newPlot')), `${name}: a plot`);
    assert.ok(outs.some((o) => o.data && 'image/png' in o.data), `${name}: an image grid`);
    const md = outs.map((o) => [o.data?.['text/markdown'] ?? ''].flat().join('')).join('\n');
    assert.match(md, /Finding \(.*generated from the numbers/, `${name}: a finding`);
    assert.match(md, /\d+\.\d%/, `${name}: the finding quotes numbers`);
  }
  // Eyes come first in every ablation notebook, with degrees; digits follow.
  for (const [name, which] of [['03-ablation-history-buffer.ipynb', 'history'], ['04-ablation-local-vs-global.ipynb', 'loss'], ['05-lambda-sweep.ipynb', 'λ sweep']] as const) {
    const md = outputsOf(path.join(executedDir, name)).map((o) => [o.data?.['text/markdown'] ?? ''].flat().join('')).join('\n');
    const eyes = md.search(new RegExp(`Finding \\(${which}, eyes`)), digits = md.search(new RegExp(`Finding \\(${which}, digits`));
    assert.ok(eyes >= 0 && digits > eyes, `${name}: an eye finding, then a digit finding`);
    assert.match(md, /\d+\.\d\d° \[/, `${name}: the eye finding quotes gaze errors`);
  }
  const down = outputsOf(path.join(executedDir, '06-downstream.ipynb')).map((o) => [o.data?.['text/markdown'] ?? ''].flat().join('')).join('\n');
  for (const row of ['raw synthetic 4×', 'refined synthetic 4×', 'constant predictor']) assert.ok(down.includes(row), `06: the eye table has "${row}"`);
  assert.match(down, /columbia-gaze-test \(504 images\)/, '06: tested on the Columbia test people');
  const quick = outputsOf(path.join(executedDir, '00-quickstart.ipynb'));
  assert.ok(quick.some((o) => html(o).includes('Plotly.newPlot')) && quick.some((o) => o.data && 'image/png' in o.data), 'quickstart: live plot and image grid');
});

test('the quickstart\'s healthy digit run raises no refiner warning; 05 plots KID with its real floor', () => {
  const text = (o: Output) => [o.text ?? ''].flat().join('');
  const quick = outputsOf(path.join(executedDir, '00-quickstart.ipynb'));
  assert.deepEqual(quick.map(text).filter((t) => /\[simgan\] warning/.test(t)), [], 'the first notebook a user opens must not cry wolf');
  const plots = outputsOf(path.join(executedDir, '05-lambda-sweep.ipynb')).map(html).filter((h) => h.includes('Plotly.newPlot'));
  const kid = plots.filter((h) => h.includes('realism: KID'));
  assert.equal(kid.length, 2, 'a KID plot for eyes and one for digits');
  for (const h of kid) assert.match(h, /the floor/, 'with the real-vs-real floor drawn in');
});
