/**
 * `conv2dBiasRelu` and the `ConvRelu` layer (src/nets/conv-relu.ts): values and gradients against tfjs's own
 * un-fused chain relu(conv2d(x, f) + b) — an independent implementation of the same function and its
 * gradient — on the cpu backend and on wasm with the native kernels; only the gradients the tape needs are
 * computed; the layer has tf.layers.conv2d's weights, shapes and description.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../src/backend';
import { loadNativeConv, nativeConvCounts } from '../src/kernels/native-conv';
import { conv2dBiasRelu, ConvRelu } from '../src/nets/conv-relu';
import { seededInit } from '../src/nets/refiner';
import { Rng } from '../src/util/random';
import { maxRelError, randomArray } from './helpers';

interface Case { n: number; h: number; w: number; cin: number; cout: number; k: number; stride: number }

const CASES: Case[] = [
  { n: 2, h: 7, w: 9, cin: 3, cout: 5, k: 3, stride: 1 },
  { n: 1, h: 9, w: 14, cin: 1, cout: 8, k: 3, stride: 2 },
  { n: 2, h: 11, w: 13, cin: 16, cout: 16, k: 3, stride: 1 }, // wide enough for the Winograd paths
  { n: 3, h: 5, w: 6, cin: 4, cout: 2, k: 1, stride: 1 },
];

/** Values and the gradients of sum(out · g) for x, filter and bias, by `f`. */
function valueAndGrads(f: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D, c: Case, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const x = tf.tensor4d(randomArray(rng, c.n * c.h * c.w * c.cin), [c.n, c.h, c.w, c.cin]);
  const w = tf.tensor4d(randomArray(rng, c.k * c.k * c.cin * c.cout), [c.k, c.k, c.cin, c.cout]);
  const b = tf.tensor1d(randomArray(rng, c.cout));
  const outShape = [c.n, Math.ceil(c.h / c.stride), Math.ceil(c.w / c.stride), c.cout];
  const g = tf.tensor(randomArray(rng, outShape.reduce((p, d) => p * d, 1)), outShape);
  const out = f(x, w, b);
  const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D), g)))([x, w, b]);
  const result = [out, ...grads].map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, w, b, g, out, ...grads]);
  return result;
}

const unfused = (stride: number) => (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.relu(tf.add(tf.conv2d(x, w, stride, 'same'), b)) as tf.Tensor4D;
const fused = (stride: number) => (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => conv2dBiasRelu(x, w, b, stride);
const LABELS = ['value', 'dx', 'dfilter', 'dbias'];

test('conv2dBiasRelu on the cpu backend: the un-fused chain\'s values and gradients', async () => {
  await selectBackend('cpu', { log: false });
  for (const [i, c] of CASES.entries()) {
    const want = valueAndGrads(unfused(c.stride), c, 10 + i);
    const got = valueAndGrads(fused(c.stride), c, 10 + i);
    for (let j = 0; j < 4; j++) assert.ok(maxRelError(got[j], want[j]) < 1e-5, `${JSON.stringify(c)} ${LABELS[j]}: ${maxRelError(got[j], want[j])}`);
  }
});

test('conv2dBiasRelu on wasm with the native kernels: the cpu backend\'s un-fused values and gradients', async () => {
  await selectBackend('cpu', { log: false });
  const want = CASES.map((c, i) => valueAndGrads(unfused(c.stride), c, 20 + i));
  await selectBackend('wasm', { log: false });
  assert.ok(loadNativeConv().addon, 'the native addon is built (npm run build:native)');
  const before = nativeConvCounts.primitive + nativeConvCounts.shifted + nativeConvCounts.general;
  for (const [i, c] of CASES.entries()) {
    const got = valueAndGrads(fused(c.stride), c, 20 + i);
    for (let j = 0; j < 4; j++) assert.ok(maxRelError(got[j], want[i][j]) < 1e-5, `${JSON.stringify(c)} ${LABELS[j]}: ${maxRelError(got[j], want[i][j])}`);
  }
  assert.ok(nativeConvCounts.primitive + nativeConvCounts.shifted + nativeConvCounts.general > before, 'the convolutions ran natively');
});

test('only the gradients the tape needs: a filter gradient computes no input gradient, and nothing leaks', async () => {
  await selectBackend('wasm', { log: false });
  const rng = new Rng(3);
  const x = tf.tensor4d(randomArray(rng, 2 * 6 * 6 * 4), [2, 6, 6, 4]);
  const w = tf.tensor4d(randomArray(rng, 3 * 3 * 4 * 4), [3, 3, 4, 4]);
  const b = tf.tensor1d(randomArray(rng, 4));
  const start = tf.memory().numTensors;
  const profile = await tf.profile(() => {
    const gw = tf.grad((wi: tf.Tensor) => tf.sum(conv2dBiasRelu(x, wi as tf.Tensor4D, b, 1)))(w);
    gw.dispose();
    return [];
  });
  const kernels = profile.kernels.map((k) => k.name);
  assert.ok(kernels.includes('Conv2DBackpropFilter'), kernels.join(', '));
  assert.ok(!kernels.includes('Conv2DBackpropInput'), `no input gradient: ${kernels.join(', ')}`);
  assert.ok(!kernels.includes('Add') && !kernels.includes('Relu'), `bias and ReLU stay in FusedConv2D: ${kernels.join(', ')}`);
  for (let i = 0; i < 5; i++) tf.dispose(tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(conv2dBiasRelu(xi as tf.Tensor4D, wi as tf.Tensor4D, b, 1)))([x, w]));
  assert.equal(tf.memory().numTensors, start);
  tf.dispose([x, w, b]);
});

test('FusedConv2D\'s gradient refuses what it does not compute, naming it', async () => {
  await selectBackend('cpu', { log: false });
  conv2dBiasRelu(tf.zeros([1, 3, 3, 1]), tf.zeros([1, 1, 1, 1]), tf.zeros([1]), 1).dispose(); // registers the gradient
  const x = tf.ones([1, 3, 3, 1]);
  const w = tf.ones([1, 1, 1, 1]);
  const f = (xi: tf.Tensor) => tf.engine().runKernel(tf.FusedConv2D, { x: xi, filter: w }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'elu' }) as tf.Tensor;
  assert.throws(() => tf.grad(f)(x), /FusedConv2D gradient: activation elu is not supported/);
  tf.dispose([x, w]);
});

test('ConvRelu has tf.layers.conv2d\'s weights, output and description, stride 2 included', async () => {
  await selectBackend('cpu', { log: false });
  for (const stride of [1, 2]) {
    const input = tf.input({ shape: [9, 14, 3] });
    const ours = new ConvRelu({ name: `ours${stride}`, filters: 6, kernelSize: 3, strides: stride, kernelInitializer: seededInit(4, 2) });
    const theirs = tf.layers.conv2d({ name: `theirs${stride}`, filters: 6, kernelSize: 3, strides: stride, padding: 'same', activation: 'relu', kernelInitializer: seededInit(4, 2) });
    const a = tf.model({ inputs: input, outputs: ours.apply(input) as tf.SymbolicTensor });
    const bm = tf.model({ inputs: input, outputs: theirs.apply(input) as tf.SymbolicTensor });
    assert.deepEqual(a.outputs[0].shape, bm.outputs[0].shape);
    assert.deepEqual(ours.weights.map((v) => v.name), [`ours${stride}/kernel`, `ours${stride}/bias`]);
    const [wa, wb] = [ours.getWeights(), theirs.getWeights()];
    assert.deepEqual(wa.map((t) => t.shape), wb.map((t) => t.shape));
    assert.deepEqual(Array.from(wa[0].dataSync()), Array.from(wb[0].dataSync()), 'same seeded initial kernel');
    // Non-zero bias, so the bias path is exercised.
    const bias = tf.randomNormal([6], 0, 1, 'float32', 9);
    ours.setWeights([wa[0], bias]);
    theirs.setWeights([wb[0], bias]);
    const x = tf.randomNormal([2, 9, 14, 3], 0, 1, 'float32', 5);
    const [ya, yb] = [a.predict(x) as tf.Tensor, bm.predict(x) as tf.Tensor];
    assert.ok(maxRelError(ya.dataSync(), yb.dataSync()) < 1e-6);
    assert.equal(ours.getClassName(), theirs.getClassName());
    const pick = (c: tf.serialization.ConfigDict) => ({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, activation: c.activation });
    assert.deepEqual(pick(ours.getConfig()), pick(theirs.getConfig()));
    assert.equal(ours.countParams(), theirs.countParams());
    tf.dispose([bias, x, ya, yb]);
    a.dispose();
    bm.dispose();
  }
});
