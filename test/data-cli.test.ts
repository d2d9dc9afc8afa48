/** `simgan data info | build | show`, and the sources the presets train on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { resolveConfig } from '../src/config';
import { loadDomains } from '../src/data/registry';
import { projectRoot } from '../src/paths';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-data-'));
const simgan = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300000 });

test('data info --json lists every source with counts (2,500 real eyes from the shared CSV)', () => {
  const r = simgan(['data', 'info', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const sources = JSON.parse(r.stdout).sources as Array<{ name: string; present: boolean; count?: number; licence: string }>;
  const by = Object.fromEntries(sources.map((s) => [s.name, s]));
  for (const name of ['eyes-sim', 'digits-sim', 'mnist', 'mpiigaze-csv', 'mpiigaze-official', 'unityeyes', 'nyu-hands']) assert.ok(by[name], name);
  assert.equal(by['mpiigaze-csv'].present, true, 'the shared CSV is found (CI lays ../shared/data beside the project)');
  assert.equal(by['mpiigaze-csv'].count, 2500);
  assert.equal(by.mnist.count, 10000);
  assert.match(by['mpiigaze-csv'].licence, /CC BY-NC-SA 4\.0/);
});

test('data build eyes-sim writes the dataset, a preview and the rate; data show writes a grid', async () => {
  const out = path.join(tmp, 'eyes');
  const r = simgan(['data', 'build', 'eyes-sim', '--count', '500', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /built 500 eyes-sim images \(55×35\) in [\d.]+ s — [\d,]+ images\/s/);
  const info = JSON.parse(readFileSync(path.join(out, 'info.json'), 'utf8'));
  assert.equal(info.count, 500);
  assert.deepEqual(info.labelNames, ['x', 'y', 'z', 'yaw', 'pitch']);
  assert.ok(existsSync(path.join(out, 'preview.png')));
  const grid = path.join(tmp, 'grid.png');
  const s = simgan(['data', 'show', 'eyes-sim,mpiigaze-csv', '--count', '8', '--out', grid]);
  assert.equal(s.status, 0, s.stderr);
  const meta = await sharp(grid).metadata();
  assert.ok((meta.width ?? 0) > 8 * 55 && (meta.height ?? 0) > 2 * 35);
  const bad = simgan(['data', 'show', 'eyes-simm', '--out', grid]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown source 'eyes-simm'/);
});

test('the cpu presets load their domains at their image size', async () => {
  const eyes = await loadDomains(resolveConfig('cpu-eyes'));
  assert.deepEqual(eyes.synthetic.imageShape, [35, 55, 1]);
  assert.deepEqual(eyes.real.imageShape, [35, 55, 1]);
  assert.equal(eyes.real.size, 2000, '80% of the 2,500 real eyes: 20% are held out for evaluation');
  assert.equal(eyes.synthetic.labels![0].length, 5);
  const digits = await loadDomains(resolveConfig('cpu-digits'));
  assert.deepEqual(digits.synthetic.imageShape, [28, 28, 1]);
  assert.equal(digits.real.size, 6403, 'the real domain is 80% of the MNIST train split (the test split is never used)');
});
