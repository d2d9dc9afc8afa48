import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../src/backend';
import { splitDataset } from '../src/data/dataset';
import { renderDigits } from '../src/data/digits-sim';
import { loadMnist } from '../src/data/mnist';
import { c2st } from '../src/eval/c2st';

test('C2ST: ≈50% on two samples of one distribution, ≫50% on clearly different ones', async () => {
  await selectBackend('wasm', { log: false });
  const real = await loadMnist('train');
  const halves = splitDataset(real, 0.5, 3);
  const before = tf.memory().numTensors;
  const same = await c2st(halves.train, halves.validation, { seed: 1, maxPerSide: 400, epochs: 10 });
  const different = await c2st(renderDigits({ count: 400, seed: 5 }), halves.validation, { seed: 1, maxPerSide: 400, epochs: 10 });
  assert.equal(same.nTest, 400);
  // 400 test images: a chance-level classifier lands within ±0.1 of 0.5 with overwhelming probability.
  assert.ok(same.accuracy > 0.4 && same.accuracy < 0.6, `same distribution: ${same.accuracy}`);
  assert.ok(different.accuracy > 0.8, `synthetic vs real digits: ${different.accuracy}`);
  assert.equal(tf.memory().numTensors, before, 'c2st frees its network');
  await assert.rejects(c2st(renderDigits({ count: 10, seed: 1 }), renderDigits({ count: 2, seed: 2 }), { seed: 1 }), /at least 4 images per side/);
});
