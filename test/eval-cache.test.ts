/**
 * The evaluation cache: reused parts must be exactly what recomputing them gives, and only those parts may
 * be reused (anything trained on or compared with refined images is computed per run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend, tf } from '../src/backend';
import { resolveConfig } from '../src/config';
import { ArrayImageDataset } from '../src/data/dataset';
import { datasetFingerprint, EvalCache, numericsId } from '../src/eval/eval-cache';
import { evaluateRun } from '../src/eval/evaluate';
import { buildGazeEstimator, predictGaze, trainGazeEstimator } from '../src/nets/task';
import { train } from '../src/train/train';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-eval-cache-'));
const quiet = () => undefined;

function eyes(n: number, seed: number, name = 'eyes'): ArrayImageDataset {
  const shape: [number, number, number] = [24, 40, 1];
  const per = 24 * 40;
  const px = new Float32Array(n * per);
  let s = seed;
  for (let i = 0; i < px.length; i++) { s = (s * 1103515245 + 12345) % 2147483648; px[i] = (s / 2147483648) * 2 - 1; }
  const labels = Array.from({ length: n }, (_, i) => Float32Array.from([Math.sin(i) * 0.3, Math.cos(i) * 0.2, -1, 0, 0]));
  return new ArrayImageDataset(name, shape, px, labels, ['x', 'y', 'z', 'yaw', 'pitch']);
}

test('a dataset fingerprint follows its pixels and labels, not its name', () => {
  const a = eyes(20, 1, 'a'), b = eyes(20, 1, 'b');
  assert.equal(datasetFingerprint(a), datasetFingerprint(b));
  const pixel = eyes(20, 1);
  pixel.pixels[37] += 1e-6;
  assert.notEqual(datasetFingerprint(pixel), datasetFingerprint(a));
  const label = eyes(20, 1);
  label.labels![3][1] += 1e-6;
  assert.notEqual(datasetFingerprint(label), datasetFingerprint(a));
});

test('the numerics id changes with every setting that can change the arithmetic', async () => {
  await selectBackend('wasm', { log: false });
  const base = numericsId({});
  for (const k of ['SIMGAN_NATIVE_CONV', 'SIMGAN_NATIVE_ALGO', 'SIMGAN_NATIVE_THREADS', 'ONEDNN_MAX_CPU_ISA']) assert.notEqual(numericsId({ [k]: 'x' }), base, k);
  assert.match(base, /backend=wasm/);
});

test('a cached network is trained once and loads with bit-identical predictions; a damaged entry is retrained', async () => {
  await selectBackend('wasm', { log: false });
  const dir = path.join(tmp, 'models');
  const ds = eyes(96, 3), test = eyes(40, 9);
  const training = { epochs: 1, batchSize: 16, lr: 1e-3, seed: 5 };
  const build = () => buildGazeEstimator(training.seed, ds.imageShape, 'cpu');
  let trainings = 0;
  const fresh = () => { trainings++; return trainGazeEstimator(ds, training); };
  const before = tf.memory().numTensors;

  const first = new EvalCache(dir, 'test-numerics');
  const trained = await first.model('estimator', [ds], training, build, fresh);
  const want = await predictGaze(trained, test);
  trained.dispose();
  assert.deepEqual(first.computed, ['estimator']);

  const second = new EvalCache(dir, 'test-numerics');
  const loaded = await second.model('estimator', [ds], training, build, fresh);
  assert.deepEqual(await predictGaze(loaded, test), want, 'loaded weights predict exactly as the trained network did');
  loaded.dispose();
  assert.equal(trainings, 1);
  assert.deepEqual(second.reused, ['estimator']);

  // Other data, options or numerics: another key, another training.
  const other = new EvalCache(dir, 'other-numerics');
  (await other.model('estimator', [ds], training, build, fresh)).dispose();
  (await second.model('estimator', [eyes(96, 4)], training, build, fresh)).dispose();
  (await second.model('estimator', [ds], { ...training, seed: 6 }, build, fresh)).dispose();
  assert.equal(trainings, 4);

  // A truncated weights file (a disk filled mid-copy, say) is not trusted: retrained and replaced.
  const key = second.key('estimator', [ds], training);
  writeFileSync(path.join(dir, `${key}.weights`), Buffer.alloc(12));
  const lines: string[] = [];
  const third = new EvalCache(dir, 'test-numerics', (l) => lines.push(l));
  const again = await third.model('estimator', [ds], training, build, fresh);
  assert.equal(trainings, 5);
  assert.match(lines.join('\n'), /cannot be used \(it holds 3 values, the network has \d+\): retraining/);
  assert.deepEqual(await predictGaze(again, test), want, 'retraining is deterministic');
  again.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind by training, saving or loading');

  // JSON values: computed once, reused after.
  let computed = 0;
  const v1 = await second.value('c2st', [ds, test], { seed: 1 }, async () => ({ accuracy: 0.5 + ++computed }));
  const v2 = await third.value('c2st', [ds, test], { seed: 1 }, async () => ({ accuracy: 0.5 + ++computed }));
  assert.deepEqual([v1, v2, computed], [{ accuracy: 1.5 }, { accuracy: 1.5 }, 1]);
  assert.ok(readdirSync(dir).every((f) => !f.includes('.tmp')), 'no temporary file left');
});

test('eye runs sharing a seed: the second evaluation reuses what does not depend on the refiner and gets exactly the numbers of a fresh evaluation', async () => {
  await selectBackend('wasm', { log: false });
  const SHORT = ['schedule.refinerPretrainSteps=3', 'schedule.discriminatorPretrainSteps=2', 'schedule.steps=3', 'batchSize=8', 'history.size=64'];
  const FAST = { seeds: 1, epochs: 1, syntheticCount: 400, c2stPerSide: 100, c2stEpochs: 2, log: quiet };
  const run = async (name: string, extra: string[]) => {
    const dir = path.join(tmp, name);
    (await train({ config: resolveConfig('columbia-eyes', [...SHORT, ...extra]), runDir: dir, log: quiet })).trainer.dispose();
    return dir;
  };
  const a = await run('a', []), b = await run('b', ['lambda=2']);
  const cacheDir = path.join(tmp, 'eval-cache');
  const first = await evaluateRun(a, { ...FAST, cacheDir });
  assert.deepEqual(first.cache!.reused, []);
  const second = await evaluateRun(b, { ...FAST, cacheDir });
  const fresh = await evaluateRun(b, FAST);
  assert.equal(fresh.cache, undefined);

  const shared = [
    'gaze estimator on synthetic, seed 1001', 'gaze estimator on synthetic4x, seed 1001', 'gaze estimator on real, seed 1001',
    'gaze estimator on real (feature network), seed 1001',
    'c2st raw synthetic vs held-out real, seed 1001', 'c2st real training vs held-out real, seed 1001',
  ];
  assert.deepEqual([...second.cache!.reused].sort(), [...shared].sort());
  assert.deepEqual(second.cache!.computed, [], 'nothing refined was stored');
  assert.ok(first.cache!.computed.every((w) => !/refined/.test(w)), `stored: ${first.cache!.computed.join('; ')}`);
  // Everything, including what depends on the refiner (refined estimators, the prediction shift measured
  // with the reused synthetic-trained estimator, KID of refined images on the reused feature network).
  for (const part of ['downstream', 'c2st', 'labelPreservation', 'kid', 'frechet', 'refinerCheck'] as const) {
    assert.deepEqual(second[part], fresh[part], part);
  }
  const stored = JSON.parse(readFileSync(path.join(b, 'eval.json'), 'utf8'));
  assert.equal(stored.cache, undefined, 'the fresh evaluation, written last, records no cache');
  assert.ok(existsSync(cacheDir));
});
