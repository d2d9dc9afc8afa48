/** KID and the Fréchet distance against hand-computed values and cases with known answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frechetDistance, kidMmd2, overSubsets, Rows, symmetricEigen } from '../src/eval/feature-distance';
import { Rng } from '../src/util/random';

function gaussianRows(n: number, d: number, seed: number, mean: number[] = [], scale: number[] = []): Rows {
  const rng = new Rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Array.from({ length: n }, () => Float64Array.from({ length: d }, (_, i) => (mean[i] ?? 0) + (scale[i] ?? 1) * normal()));
}

test('kidMmd2 equals the unbiased MMD² written out by hand for two tiny sets', () => {
  const x: Rows = [Float64Array.of(1, 0), Float64Array.of(0, 1)];
  const y: Rows = [Float64Array.of(1, 1), Float64Array.of(-1, 0)];
  const k = (a: Float64Array, b: Float64Array) => ((a[0] * b[0] + a[1] * b[1]) / 2 + 1) ** 3;
  const want = k(x[0], x[1]) + k(y[0], y[1]) - (k(x[0], y[0]) + k(x[0], y[1]) + k(x[1], y[0]) + k(x[1], y[1])) / 2;
  assert.ok(Math.abs(kidMmd2(x, y) - want) < 1e-12, `${kidMmd2(x, y)} vs ${want}`);
});

test('KID: two samples of one distribution ≈ 0 within the subset spread; a shifted set is far larger', () => {
  const a = gaussianRows(600, 16, 1), b = gaussianRows(600, 16, 2), shifted = gaussianRows(600, 16, 3, Array(16).fill(0.5));
  const same = overSubsets(kidMmd2, a, b, { subsets: 10, size: 200 });
  assert.ok(same.low <= 0 && 0 <= same.high, `identical distributions: ${JSON.stringify([same.low, same.mean, same.high])}`);
  const far = overSubsets(kidMmd2, a, shifted, { subsets: 10, size: 200 });
  assert.ok(far.low > same.high * 5 && far.mean > 0.1, `shifted: ${far.mean} vs ${same.mean}`);
});

test('symmetricEigen reconstructs the matrix and gives orthonormal vectors', () => {
  const n = 6, rng = new Rng(5);
  const b = Float64Array.from({ length: n * n }, () => rng.next() - 0.5);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = b[i * n + j] + b[j * n + i];
  const { values, vectors } = symmetricEigen(a, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let r = 0, o = 0;
    for (let k = 0; k < n; k++) {
      r += vectors[i * n + k] * values[k] * vectors[j * n + k];
      o += vectors[k * n + i] * vectors[k * n + j];
    }
    assert.ok(Math.abs(r - a[i * n + j]) < 1e-10, `A[${i}][${j}]`);
    assert.ok(Math.abs(o - (i === j ? 1 : 0)) < 1e-10, `VᵀV[${i}][${j}]`);
  }
});

test('Fréchet distance: the closed form for diagonal Gaussians (‖Δμ‖² + Σ(σ₁ − σ₂)²), and 0 for a set with itself', () => {
  const d = 4, n = 20000;
  const x = gaussianRows(n, d, 7, [0, 0, 0, 0], [1, 1, 1, 1]);
  const y = gaussianRows(n, d, 8, [1, 0, 0, 0], [2, 1, 1, 0.5]);
  const want = 1 + (1 - 2) ** 2 + (1 - 0.5) ** 2; // 2.25
  const got = frechetDistance(x, y);
  assert.ok(Math.abs(got - want) < 0.1, `Fréchet ${got}, closed form ${want}`);
  assert.ok(Math.abs(frechetDistance(x, x)) < 1e-8, 'a set against itself');
  // With correlated covariances the formula still matches a 2-D case computed by hand: Σ₁ = I, Σ₂ = [[2,1],[1,2]]
  // → Tr(Σ₁ + Σ₂ − 2Σ₂^½) = 2 + 4 − 2(√3 + 1).
  const c = gaussianRows(n, 2, 9).map((r) => Float64Array.of((r[0] * (Math.sqrt(3) + 1)) / 2 + (r[1] * (Math.sqrt(3) - 1)) / 2, (r[0] * (Math.sqrt(3) - 1)) / 2 + (r[1] * (Math.sqrt(3) + 1)) / 2));
  const id = gaussianRows(n, 2, 10);
  const want2 = 6 - 2 * (Math.sqrt(3) + 1);
  assert.ok(Math.abs(frechetDistance(id, c) - want2) < 0.05, `${frechetDistance(id, c)} vs ${want2}`);
});
