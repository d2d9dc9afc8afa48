/** refinerCheck (simgan eval's "the refiner does nothing / wipes out its input"), on hand-made image sets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrayImageDataset } from '../src/data/dataset';
import { refinerCheck } from '../src/eval/refiner-check';

const shape: [number, number, number] = [2, 2, 1];
const set = (name: string, images: number[][]) => new ArrayImageDataset(name, shape, Float32Array.from(images.flat()));
// Synthetic images are bright (mean image 0.5 everywhere), real ones darker: the mean images differ by 0.5 per pixel.
const synthetic = set('syn', [[0.6, 0.4, 0.5, 0.5], [0.4, 0.6, 0.5, 0.5]]);
const real = set('real', [[0, 0.2, -0.2, 0], [0.1, -0.1, 0, 0]]);

test('an identity refiner that a C2ST still sees through "does nothing", with the numbers and the λ to change', () => {
  const c = refinerCheck(synthetic, synthetic, real, 0.97, 0.5);
  assert.equal(c.change, 0);
  assert.ok(Math.abs(c.reference.gap - 0.5) < 1e-7);
  assert.equal(c.verdict, 'does-nothing');
  assert.match(c.warning!, /changes its input by 0\.0000 per pixel, under 10% of the 0\.500 .* C2ST tells 97% .* smaller λ \(now 0\.5\)/);
});

test('the same identity refiner is fine when the C2ST cannot tell (the domains were close), or without a C2ST', () => {
  assert.equal(refinerCheck(synthetic, synthetic, real, 0.55).verdict, 'ok');
  assert.equal(refinerCheck(synthetic, synthetic, real).verdict, 'ok');
});

test('a refiner that moves images to the real mean is ok; one that saturates them "wipes out" its input', () => {
  const moved = set('moved', [[0, 0.1, -0.1, 0], [0.05, -0.05, 0, 0]]);
  const ok = refinerCheck(synthetic, moved, real, 0.97);
  assert.equal(ok.verdict, 'ok');
  assert.ok(Math.abs(ok.change - 0.5) < 1e-6, `change ${ok.change}`);
  const wiped = set('wiped', [[-1, -1, -1, -1], [-1, -1, -1, 1]]);
  const w = refinerCheck(synthetic, wiped, real, 0.97);
  assert.equal(w.verdict, 'wipes-out');
  assert.match(w.warning!, /100% of refined pixels saturated at ±1 \(real 0%\)/);
});

test('saturation like the real domain\'s (MNIST-style background at −1) is not a collapse', () => {
  const mnistLike = set('mnist', [[-1, -1, -1, 0.3], [-1, -1, 0.2, -1]]);
  const refinedLikeIt = set('ref', [[-1, -1, -1, 0.1], [-1, -1, -1, 0.4]]);
  const synth = set('syn', [[-1, -1, -0.5, 0.5], [-1, -1, 0.5, -0.5]]);
  assert.equal(refinerCheck(synth, refinedLikeIt, mnistLike, 0.6).verdict, 'ok');
});
