/**
 * `simgan refine` / exportRefined: a run's refiner applied to a source and written as a dataset — PNGs that
 * decode to the refiner's own output (checked against a fresh in-process prediction), labels.csv, the binary
 * dataset, info.json; the size checks; nothing left behind by a failed or interrupted export.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { selectBackend, tf } from '../src/backend';
import { readDatasetCache } from '../src/data/dataset';
import { grayPng } from '../src/data/images';
import { loadSource } from '../src/data/registry';
import { loadRunRefiner } from '../src/eval/evaluate';
import { exportRefined } from '../src/export/refined-dataset';
import { projectRoot } from '../src/paths';
import { readRunConfig } from '../src/runs/run-dir';
import { UserError } from '../src/util/user-error';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-refine-'));
const simgan = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300000 });
const TINY = ['--steps', '2', '--set', 'schedule.refinerPretrainSteps=3', '--set', 'schedule.discriminatorPretrainSteps=2'];
const toyRun = path.join(tmp, 'toy-run');
const eyeRun = path.join(tmp, 'eye-run');

test('setup: a short toy run and a short eye run', () => {
  let r = simgan(['train', '--preset', 'toy', ...TINY, '--out', toyRun]);
  assert.equal(r.status, 0, r.stderr);
  r = simgan(['train', '--preset', 'cpu-eyes', ...TINY, '--set', 'batchSize=4', '--set', 'history.size=16', '--out', eyeRun]);
  assert.equal(r.status, 0, r.stderr);
});

async function decode(file: string): Promise<{ width: number; height: number; values: Uint8Array }> {
  assert.equal((await sharp(file).metadata()).channels, 1, `${file} is a one-channel PNG`);
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, values: new Uint8Array(data) };
}

test('simgan refine RUN --source eyes-sim --count 200: 200 PNGs, labels.csv with 200 gaze rows, info.json', async () => {
  const out = path.join(tmp, 'eyes-refined');
  const r = simgan(['refine', eyeRun, '--source', 'eyes-sim', '--count', '200', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /refined 200 eyes-sim images \(55×35\)/);
  const pngs = readdirSync(path.join(out, 'images')).filter((f) => f.endsWith('.png'));
  assert.equal(pngs.length, 200);
  const first = await decode(path.join(out, 'images', pngs[0]));
  assert.deepEqual([first.width, first.height], [55, 35]);
  const csv = readFileSync(path.join(out, 'labels.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'file,x,y,z,yaw,pitch');
  assert.equal(csv.length, 201);
  // The labels are the source's own, row by row.
  const source = await loadSource('eyes-sim', { size: { width: 55, height: 35 }, count: 200 });
  for (const i of [0, 57, 199]) {
    const row = csv[i + 1].split(',');
    assert.equal(row[0], `images/${String(i).padStart(6, '0')}.png`);
    assert.deepEqual(row.slice(1).map(Number), Array.from(source.labels![i]));
  }
  const info = JSON.parse(readFileSync(path.join(out, 'info.json'), 'utf8'));
  assert.equal(info.count, 200);
  assert.equal(info.source, 'eyes-sim');
  assert.equal(info.step, 7);
  assert.equal(info.config.preset, 'cpu-eyes');
  assert.deepEqual(readdirSync(tmp).filter((f) => f.includes('.partial-')), [], 'no temporary folder left');
});

test('the exported PNGs and refined.bin are the refiner\'s output on the source images (fresh prediction, 8-bit)', async () => {
  await selectBackend('wasm', { log: false });
  const out = path.join(tmp, 'toy-refined');
  const result = await exportRefined({ runDir: toyRun, source: 'toy-synthetic', count: 40, out, batchSize: 16 });
  assert.equal(result.count, 40);
  const config = readRunConfig(toyRun);
  const { refiner } = loadRunRefiner(toyRun, config);
  const source = await loadSource('toy-synthetic', { size: { width: 16, height: 16 } });
  const expected = tf.tidy(() => (refiner.predict(source.batch([0, 1, 2, 39])) as tf.Tensor).dataSync());
  refiner.dispose();
  const stored = readDatasetCache(path.join(out, 'refined.bin')).dataset;
  assert.equal(stored.size, 40);
  [0, 1, 2, 39].forEach((idx, k) => {
    const want = expected.subarray(k * 256, (k + 1) * 256);
    const got = stored.image(idx);
    let worst = 0;
    for (let p = 0; p < 256; p++) worst = Math.max(worst, Math.abs(got[p] - want[p]));
    assert.ok(worst <= 1 / 255 + 1e-6, `image ${idx}: refined.bin differs from the refiner by ${worst}`);
  });
  const png = await decode(path.join(out, 'images', '000039.png'));
  const fromBin = stored.image(39);
  for (let p = 0; p < 256; p++) assert.ok(Math.abs(png.values[p] - Math.round((fromBin[p] + 1) * 127.5)) <= 1, `pixel ${p}`);
  const header = readFileSync(path.join(out, 'labels.csv'), 'utf8').split('\n')[0];
  assert.match(header, /^file,label0,label1/, 'unnamed labels still get columns');
});

test('a folder of the user\'s own images at the run\'s size refines; a wrong-sized image is named, exit 2, nothing written', async () => {
  const folder = path.join(tmp, 'own');
  mkdirSync(folder);
  for (let i = 0; i < 5; i++) writeFileSync(path.join(folder, `img${i}.png`), await grayPng(new Float32Array(256).map((_, p) => ((p * (i + 1)) % 17) / 8.5 - 1), { width: 16, height: 16 }));
  const out = path.join(tmp, 'own-refined');
  let r = simgan(['refine', toyRun, '--source', folder, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readdirSync(path.join(out, 'images')).length, 5);
  assert.equal(readFileSync(path.join(out, 'labels.csv'), 'utf8').trim().split('\n').length, 6);

  writeFileSync(path.join(folder, 'big.png'), await grayPng(new Float32Array(400), { width: 20, height: 20 }));
  const out2 = path.join(tmp, 'own-refined-2');
  r = simgan(['refine', toyRun, '--source', folder, '--out', out2]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^simgan: .*big\.png is 20×20, but the run refines 16×16/);
  assert.ok(!existsSync(out2));
});

test('refine mistakes exit 2 with a message and write nothing: a source of another size, an unknown source, a run without a checkpoint, a used --out', () => {
  const empty = path.join(tmp, 'not-a-run');
  mkdirSync(empty);
  const cases: Array<[string[], RegExp]> = [
    [['refine', toyRun, '--source', 'eyes-sim', '--count', '200', '--out', path.join(tmp, 'm1')], /--source eyes-sim makes 55×35 images, but run .* \(preset toy\) refines 16×16/],
    [['refine', toyRun, '--source', 'no-such-source', '--out', path.join(tmp, 'm2')], /neither a folder nor a source/],
    [['refine', empty, '--source', 'toy-synthetic', '--out', path.join(tmp, 'm3')], /not a run directory/],
    [['refine', toyRun, '--source', 'toy-synthetic', '--out', path.join(tmp, 'toy-refined')], /already exists and is not empty/],
  ];
  for (const [args, says] of cases) {
    const r = simgan(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, says);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
  for (const d of ['m1', 'm2', 'm3']) assert.ok(!existsSync(path.join(tmp, d)), d);
});

test('an export interrupted after its first batch leaves neither DIR nor its temporary folder', async () => {
  await selectBackend('wasm', { log: false });
  const out = path.join(tmp, 'interrupted');
  await assert.rejects(
    exportRefined({ runDir: toyRun, source: 'toy-synthetic', count: 64, out, batchSize: 16, onProgress: (done) => { if (done >= 16) throw new Error('interrupted'); } }),
    /interrupted/,
  );
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith('interrupted')), []);
  await assert.rejects(exportRefined({ runDir: toyRun, source: 'toy-synthetic', count: 0, out }), UserError);
  const before = tf.memory().numTensors;
  await exportRefined({ runDir: toyRun, source: 'toy-synthetic', count: 32, out: path.join(tmp, 'leak-check'), batchSize: 8 });
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
});
