/** Network shapes per preset, and the tfjs-examples GAN habits: weight isolation and flat memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../src/backend';
import { PRESETS, resolveConfig } from '../src/config';
import { renderToy } from '../src/data/toy';
import { buildDiscriminator, discriminatorOutputShape } from '../src/nets/discriminator';
import { buildRefiner } from '../src/nets/refiner';
import { describeConfig } from '../src/nets/describe';
import { SimGANTrainer } from '../src/train/trainer';

const EXPECTED_LOCAL_MAP: Record<string, number[]> = {
  'paper-eyes': [7, 12, 2], // 35×55 → s2 18×28 → s2 9×14 → maxpool3 s1 (valid) 7×12
  'cpu-eyes': [7, 12, 2],
  'cpu-digits': [7, 7, 2],
  toy: [8, 8, 2],
};

test('every preset: refiner keeps the image shape; D gives a local map or one logit pair', async () => {
  await selectBackend('wasm', { log: false });
  for (const name of Object.keys(PRESETS)) {
    const local = resolveConfig(name);
    const r = buildRefiner(local, 1);
    const d = buildDiscriminator(local, 1);
    const g = buildDiscriminator({ ...local, adversarial: 'global' }, 1);
    const img = [local.image.height, local.image.width, local.image.channels];
    assert.deepEqual((r.outputs[0].shape as number[]).slice(1), img, `${name} refiner`);
    const map = discriminatorOutputShape(d);
    assert.equal(map.length, 3, `${name} local head is a map`);
    assert.equal(map[2], 2);
    if (EXPECTED_LOCAL_MAP[name]) assert.deepEqual(map, EXPECTED_LOCAL_MAP[name], `${name} local map`); // paper-hands: next test
    assert.deepEqual(discriminatorOutputShape(g), [2], `${name} global head`);
    // A forward pass agrees with the symbolic shapes (paper-hands skipped: ~200 GFLOP per image on CPU).
    if (name !== 'paper-hands') {
      const x = tf.randomUniform([2, ...img], -1, 1, 'float32', 1);
      const y = r.predict(x) as tf.Tensor;
      assert.deepEqual(y.shape, [2, ...img]);
      const yd = y.dataSync();
      assert.ok(yd.every((v) => v >= -1 && v <= 1), 'refiner output in [-1, 1]');
      const ld = d.predict(x) as tf.Tensor;
      assert.deepEqual(ld.shape, [2, ...map]);
      const lg = g.predict(x) as tf.Tensor;
      assert.deepEqual(lg.shape, [2, 2]);
      tf.dispose([x, y, ld, lg]);
    }
    [r, d, g].forEach((m) => m.dispose());
  }
});

test('paper-hands discriminator follows the hand stack (strides 4, 2, pool 2, 2)', () => {
  const d = describeConfig(resolveConfig('paper-hands'));
  assert.deepEqual(d.discriminator.layers.slice(1).map((l) => l.outputShape), [
    [56, 56, 96],
    [28, 28, 64],
    [13, 13, 64],
    [7, 7, 32],
    [7, 7, 32],
    [7, 7, 2],
  ]);
});

test('describe paper-eyes: the refiner is conv 64 → 4 ResNet blocks → conv 1×1, D ends in a 7×12 map', () => {
  const d = describeConfig(resolveConfig('paper-eyes'));
  const convs = d.refiner.layers.filter((l) => l.type === 'Conv2D');
  assert.equal(convs.length, 1 + 4 * 2 + 1);
  assert.deepEqual(convs[0].outputShape, [35, 55, 64]);
  assert.deepEqual(convs.at(-1)!.outputShape, [35, 55, 1]);
  assert.equal(d.refiner.layers.filter((l) => l.type === 'Add').length, 4);
  assert.deepEqual(d.discriminator.output, [7, 12, 2]);
  assert.equal(d.discriminator.patchesPerImage, 84);
  assert.equal(d.refiner.params, 640 + 8 * 36928 + 65);
});

function toyTrainer(): SimGANTrainer {
  const config = resolveConfig('toy', ['batchSize=8']);
  const data = {
    synthetic: renderToy('synthetic', { height: 16, width: 16, count: 64, seed: 1 }),
    real: renderToy('real', { height: 16, width: 16, count: 64, seed: 2 }),
  };
  return new SimGANTrainer(config, data);
}

const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

test('a refiner step leaves D unchanged; a D step leaves R unchanged', async () => {
  const t = toyTrainer();
  const r0 = snapshot(t.refiner), d0 = snapshot(t.discriminator);
  await t.refinerStep(true);
  assert.deepEqual(snapshot(t.discriminator), d0, 'D changed during a refiner step');
  const r1 = snapshot(t.refiner);
  assert.notDeepEqual(r1, r0, 'R did not change during its own step');
  await t.discriminatorStep();
  assert.deepEqual(snapshot(t.refiner), r1, 'R changed during a D step');
  assert.notDeepEqual(snapshot(t.discriminator), d0, 'D did not change during its own step');
  t.dispose();
});

test('tf.memory().numTensors stays flat across training steps after warm-up', async () => {
  const t = toyTrainer();
  // Warm-up: optimizer slots are created on the first step, the history buffer fills (capacity 512).
  await t.refinerStep(false);
  await t.refinerStep(true);
  await t.discriminatorStep();
  const withBuffer = () => tf.memory().numTensors - t.history.size;
  const base = withBuffer();
  for (let i = 0; i < 10; i++) {
    await t.refinerStep(i % 2 === 0);
    await t.discriminatorStep();
    assert.equal(withBuffer(), base, `step ${i}: tensors other than buffered images grew`);
  }
  t.dispose();
});
