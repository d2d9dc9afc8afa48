/**
 * The wasm convolution-gradient kernels against the pure-JS cpu backend (an independent implementation),
 * plus a hand-computed case and leak checks. The native convolutions (native-conv.test.ts) are switched off
 * here so that these kernels, the fallback when the addon is not built, are what runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend as select, tf } from '../src/backend';
import { disableNativeConv } from '../src/kernels/native-conv';
import { Rng } from '../src/util/random';
import { maxRelError, randomArray } from './helpers';

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  strides: [number, number];
  pad: 'same' | 'valid' | number;
}

const TOL = 1e-5;

/** selectBackend with the native convolutions off (selecting wasm the first time turns them on). */
async function selectBackend(name: 'wasm' | 'cpu', options: { log: boolean }) {
  const info = await select(name, options);
  disableNativeConv();
  return info;
}

/** Every stride × kernel × padding combination, with random batch, non-square sizes and channel counts. */
function cases(): Case[] {
  const rng = new Rng(20260101);
  const out: Case[] = [];
  for (const s of [1, 2, 4]) {
    for (const k of [1, 3, 5, 7]) {
      for (const pad of ['same', 'valid'] as const) {
        const h = rng.int(k + 1, k + 14);
        let w = rng.int(k + 1, k + 14);
        if (w === h) w += 1; // keep images non-square
        out.push({ n: rng.int(1, 3), h, w, ci: rng.pick([1, 3, 8]), co: rng.pick([1, 4, 16]), kh: k, kw: k, strides: [s, s], pad });
      }
    }
  }
  // Asymmetric strides and kernels, a numeric pad, and the paper's eye discriminator's first layer.
  out.push({ n: 2, h: 13, w: 9, ci: 3, co: 5, kh: 3, kw: 5, strides: [2, 1], pad: 'same' });
  out.push({ n: 2, h: 10, w: 17, ci: 2, co: 3, kh: 5, kw: 3, strides: [1, 4], pad: 'valid' });
  out.push({ n: 2, h: 12, w: 11, ci: 4, co: 2, kh: 3, kw: 3, strides: [2, 2], pad: 1 });
  out.push({ n: 4, h: 35, w: 55, ci: 1, co: 96, kh: 3, kw: 3, strides: [2, 2], pad: 'same' });
  return out;
}

/** dx and dW of Σ conv(x, w) ⊙ r, i.e. with upstream gradient r, on the given backend. */
async function grads(backend: 'wasm' | 'cpu', c: Case, seed: number): Promise<{ dx: Float32Array; dw: Float32Array; y: Float32Array }> {
  await selectBackend(backend, { log: false });
  const rng = new Rng(seed);
  const x = tf.tensor4d(randomArray(rng, c.n * c.h * c.w * c.ci), [c.n, c.h, c.w, c.ci]);
  const w = tf.tensor4d(randomArray(rng, c.kh * c.kw * c.ci * c.co), [c.kh, c.kw, c.ci, c.co]);
  const y = tf.conv2d(x, w, c.strides, c.pad);
  const r = tf.tensor(randomArray(rng, y.size), y.shape);
  const g = tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad).mul(r).sum());
  const [dx, dw] = g([x, w]);
  const out = { dx: (await dx.data()) as Float32Array, dw: (await dw.data()) as Float32Array, y: (await y.data()) as Float32Array };
  tf.dispose([x, w, y, r, dx, dw]);
  return out;
}

test('wasm conv2d gradients match the cpu backend (strides 1/2/4, kernels 1/3/5/7, same/valid)', async () => {
  const worst = { dx: 0, dw: 0 };
  for (const [i, c] of cases().entries()) {
    const a = await grads('wasm', c, 100 + i);
    const b = await grads('cpu', c, 100 + i);
    const ex = maxRelError(a.dx, b.dx), ew = maxRelError(a.dw, b.dw);
    const label = `case ${i} ${JSON.stringify(c)}`;
    assert.ok(maxRelError(a.y, b.y) <= TOL, `${label}: forward differs`);
    assert.ok(ex <= TOL, `${label}: dx error ${ex}`);
    assert.ok(ew <= TOL, `${label}: dW error ${ew}`);
    worst.dx = Math.max(worst.dx, ex);
    worst.dw = Math.max(worst.dw, ew);
  }
  console.log(`worst max|wasm−cpu|/max|cpu|: dx ${worst.dx.toExponential(2)}, dW ${worst.dw.toExponential(2)}`);
});

test('conv2dTranspose (Conv2DBackpropInput forward) matches the cpu backend', async () => {
  const results: Float32Array[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await selectBackend(backend, { log: false });
    const rng = new Rng(5);
    const x = tf.tensor4d(randomArray(rng, 2 * 6 * 5 * 4), [2, 6, 5, 4]);
    const f = tf.tensor4d(randomArray(rng, 3 * 3 * 3 * 4), [3, 3, 3, 4]);
    const y = tf.conv2dTranspose(x, f, [2, 12, 10, 3], 2, 'same');
    results.push((await y.data()) as Float32Array);
    tf.dispose([x, f, y]);
  }
  assert.ok(maxRelError(results[0], results[1]) <= TOL);
});

test('hand-computed gradients of a 2×2 valid convolution of a 3×3 image', async () => {
  await selectBackend('wasm', { log: false });
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const w = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
  const [dx, dw] = tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid').sum())([x, w]);
  // dW[a,b] sums the pixels each filter tap sees over the 4 windows; dx counts the windows covering a pixel.
  assert.deepEqual(Array.from(await dw.data()), [12, 16, 24, 28]);
  assert.deepEqual(Array.from(await dx.data()), [1, 2, 1, 2, 4, 2, 1, 2, 1]);
  tf.dispose([x, w, dx, dw]);
});

test('the gradient kernels free every intermediate (tensors and wasm buffers stay flat)', async () => {
  await selectBackend('wasm', { log: false });
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const c: Case = { n: 2, h: 11, w: 14, ci: 3, co: 4, kh: 3, kw: 3, strides: [2, 2], pad: 'same' };
  const step = () =>
    tf.tidy(() => {
      const x = tf.randomNormal([c.n, c.h, c.w, c.ci]);
      const w = tf.randomNormal([c.kh, c.kw, c.ci, c.co]);
      const [dx, dw] = tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad).square().sum())([x, w]);
      return dx.sum().add(dw.sum());
    });
  step().dispose(); // warm-up
  const tensors = tf.memory().numTensors, buffers = backend.numDataIds();
  for (let i = 0; i < 5; i++) step().dispose();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(backend.numDataIds(), buffers);
});

test('the package root, required from Node, trains a strided conv on wasm as on cpu', async () => {
  // As a user would: the built package by path, its selectBackend and its tf.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const lib = require('../..') as typeof import('../src/index');
  const run = async (name: 'wasm' | 'cpu') => {
    await lib.selectBackend(name, { log: false });
    const t = lib.tf;
    const x = t.tensor4d(randomArray(new Rng(9), 2 * 20 * 16 * 3), [2, 20, 16, 3]);
    const w = t.tensor4d(randomArray(new Rng(10), 5 * 5 * 3 * 8), [5, 5, 3, 8]);
    const [dx, dw] = t.grads((a, b) => t.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').square().sum())([x, w]);
    const out = [await dx.data(), await dw.data()];
    t.dispose([x, w, dx, dw]);
    return out;
  };
  const [a, b] = [await run('wasm'), await run('cpu')];
  assert.ok(maxRelError(a[0], b[0]) <= TOL);
  assert.ok(maxRelError(a[1], b[1]) <= TOL);
});
