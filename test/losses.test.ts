/** Losses against hand-computed values, finite differences and the local/global reshape relation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../src/backend';
import {
  adversarialLoss, crossEntropyPerDecision, discriminatorAccuracy, discriminatorLoss, LABEL, logitMargin, psi, refinerAdversarialLoss, selfRegularizationLoss,
} from '../src/losses';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);
const val = (t: tf.Tensor) => t.dataSync()[0];

test('cross-entropy per decision: hand-computed values', async () => {
  await selectBackend('wasm', { log: false });
  // logits (l_refined, l_real): (0,0) → log 2 either way; (2,0): −log softmax = log(1+e^{∓2}).
  const logits = tf.tensor2d([[0, 0], [2, 0], [0, 3]]);
  const real = Array.from(crossEntropyPerDecision(logits, LABEL.real).dataSync());
  const refined = Array.from(crossEntropyPerDecision(logits, LABEL.refined).dataSync());
  [Math.LN2, Math.log(1 + Math.exp(2)), Math.log(1 + Math.exp(-3))].forEach((v, i) => close(real[i], v));
  [Math.LN2, Math.log(1 + Math.exp(-2)), Math.log(1 + Math.exp(3))].forEach((v, i) => close(refined[i], v));
  // Large logits stay finite (no exp overflow).
  close(val(crossEntropyPerDecision(tf.tensor2d([[200, 0]]), LABEL.real)), 200);
});

test('logit margin: the same bits as splitting and subtracting, values and gradients', async () => {
  await selectBackend('wasm', { log: false });
  const logits = tf.randomNormal([4, 3, 5, 2], 0, 30, 'float32', 11);
  const bySplit = (t: tf.Tensor, label: typeof LABEL.real | typeof LABEL.refined) => {
    const [l0, l1] = tf.split(t, 2, -1);
    return (label === LABEL.real ? tf.sub(l0, l1) : tf.sub(l1, l0)).squeeze([-1]);
  };
  const weights = tf.randomNormal([4, 3, 5], 0, 1, 'float32', 12);
  for (const label of [LABEL.real, LABEL.refined]) {
    const got = logitMargin(logits, label);
    assert.deepEqual(got.shape, [4, 3, 5]);
    assert.deepEqual(Array.from(got.dataSync()), Array.from(bySplit(logits, label).dataSync()));
    const g = tf.grad((t) => logitMargin(t, label).mul(weights).sum())(logits);
    const want = tf.grad((t) => bySplit(t, label).mul(weights).sum())(logits);
    assert.deepEqual(Array.from(g.dataSync()), Array.from(want.dataSync()));
  }
});

test('local loss: sum or mean over patches, mean over the batch (independent of b)', () => {
  // Two images, 2×3 patches each; image 0 all (0,0) → 6·log2 summed; image 1 all (2,0).
  const img0 = Array(6).fill([0, 0]);
  const img1 = Array(6).fill([2, 0]);
  const logits = tf.tensor4d([img0, img1].flat(2), [2, 2, 3, 2]);
  const perReal1 = Math.log(1 + Math.exp(2));
  close(val(adversarialLoss(logits, LABEL.real, 'sum')), (6 * Math.LN2 + 6 * perReal1) / 2);
  close(val(adversarialLoss(logits, LABEL.real, 'mean')), (Math.LN2 + perReal1) / 2);
  const doubled = tf.concat([logits, logits], 0);
  close(val(adversarialLoss(doubled, LABEL.real, 'sum')), val(adversarialLoss(logits, LABEL.real, 'sum')));
  close(val(refinerAdversarialLoss(logits, 'sum')), val(adversarialLoss(logits, LABEL.real, 'sum')));
});

test('patch logits reshaped to per-image logits: global loss = local mean = local sum / P', () => {
  const logits = tf.randomNormal([3, 4, 5, 2], 0, 2, 'float32', 3);
  const asGlobal = logits.reshape([3 * 4 * 5, 2]);
  const P = 20;
  close(val(adversarialLoss(asGlobal, LABEL.refined)), val(adversarialLoss(logits, LABEL.refined, 'mean')));
  close(val(adversarialLoss(logits, LABEL.refined, 'sum')) / P, val(adversarialLoss(logits, LABEL.refined, 'mean')));
});

test('discriminator loss and accuracy: hand-computed', () => {
  const onRefined = tf.tensor2d([[3, 0], [0, 1]]); // first called refined, second called real
  const onReal = tf.tensor2d([[0, 2], [0, 0]]); // first called real, the tie counts as "refined"
  const expected = (Math.log(1 + Math.exp(-3)) + Math.log(1 + Math.exp(1))) / 2 + (Math.log(1 + Math.exp(-2)) + Math.LN2) / 2;
  close(val(discriminatorLoss(onRefined, onReal)), expected);
  close(val(discriminatorAccuracy(onRefined, LABEL.refined)), 0.5);
  close(val(discriminatorAccuracy(onReal, LABEL.real)), 0.5);
});

test('adversarial loss gradient matches central finite differences', () => {
  const x = tf.tensor4d([0.3, -1.2, 2.0, 0.5, -0.7, 0.1, 1.5, -2.5], [1, 2, 2, 2]);
  const f = (t: tf.Tensor) => adversarialLoss(t, LABEL.real, 'sum');
  const g = tf.grad(f)(x).dataSync();
  const base = Array.from(x.dataSync());
  const h = 1e-2;
  base.forEach((_, i) => {
    const plus = base.slice(), minus = base.slice();
    plus[i] += h;
    minus[i] -= h;
    const fd = (val(f(tf.tensor4d(plus, [1, 2, 2, 2]))) - val(f(tf.tensor4d(minus, [1, 2, 2, 2])))) / (2 * h);
    assert.ok(Math.abs(fd - g[i]) < 2e-3, `d/dx${i}: analytic ${g[i]}, numeric ${fd}`);
  });
});

test('self-regularisation: L1 summed per image, averaged over the batch, in ψ space', () => {
  const syn = tf.zeros([2, 2, 2, 2]) as tf.Tensor4D;
  // image 0: every value +1 (8 values); image 1: channel 0 = +1, channel 1 = −1.
  const ref = tf.tensor4d([...Array(8).fill(1), ...Array(4).fill([1, -1]).flat()], [2, 2, 2, 2]);
  close(val(selfRegularizationLoss(ref, syn, 'identity')), (8 + 8) / 2);
  // channel mean: image 0 → four 1s; image 1 → four 0s.
  close(val(selfRegularizationLoss(ref, syn, 'channel-mean')), (4 + 0) / 2);
  // downsample (2×2 mean pool): image 0 → one pixel of 2 channels at 1; image 1 → (1, −1).
  close(val(selfRegularizationLoss(ref, syn, 'downsample')), (2 + 2) / 2);
  assert.deepEqual(psi(tf.zeros([1, 5, 7, 3]) as tf.Tensor4D, 'downsample').shape, [1, 2, 3, 3]);
  assert.deepEqual(psi(tf.zeros([1, 5, 7, 3]) as tf.Tensor4D, 'channel-mean').shape, [1, 5, 7, 1]);
});

test('logits not ending in 2 are rejected with their shape', () => {
  assert.throws(() => adversarialLoss(tf.zeros([2, 3]), LABEL.real), /must end in 2.*\[2, 3\]/);
});
