import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { digitPolylines, rasterize, renderDigits, sampleDigitStyle } from '../src/data/digits-sim';
import { isMnistTest, loadMnist } from '../src/data/mnist';
import { Rng } from '../src/util/random';

const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'simgan-mnist-'));

test('MNIST: fixed split, disjoint, every class in proportion, ink bright on dark', async () => {
  const train = await loadMnist('train', cacheDir);
  const testSet = await loadMnist('test', cacheDir);
  const all = await loadMnist('all', cacheDir);
  assert.equal(all.size, 10000);
  assert.equal(train.size + testSet.size, 10000);
  assert.equal(testSet.size, 1996);
  const perClass = (ds: typeof train) => Array.from({ length: 10 }, (_, d) => ds.labels!.filter((l) => l[0] === d).length);
  perClass(testSet).forEach((n, d) => {
    const total = perClass(all)[d];
    assert.ok(Math.abs(n - total / 5) <= 1, `class ${d}: ${n} of ${total} in test`);
  });
  assert.ok(isMnistTest(4) && isMnistTest(9) && !isMnistTest(0) && !isMnistTest(5));
  // The first test image is sample 4 of class 0 in the package, i.e. the fifth class-0 image of `all`.
  assert.deepEqual(Array.from(testSet.image(0)), Array.from(all.image(4)));
  const px = train.image(0);
  assert.ok(Math.min(...px) === -1 && Math.max(...px) > 0.9, 'background −1, ink near +1');
  // A second load comes from the cache and is identical.
  const again = await loadMnist('train', cacheDir);
  assert.deepEqual(Array.from(again.image(123)), Array.from(train.image(123)));
});

test('digits-sim: deterministic per seed, labelled, balanced, placed like MNIST', () => {
  const a = renderDigits({ count: 500, seed: 3 });
  const b = renderDigits({ count: 500, seed: 3 });
  const c = renderDigits({ count: 500, seed: 4 });
  assert.deepEqual(Array.from(a.pixels), Array.from(b.pixels));
  assert.notDeepEqual(Array.from(a.pixels.subarray(0, 784)), Array.from(c.pixels.subarray(0, 784)));
  const counts = Array(10).fill(0);
  a.labels!.forEach((l) => counts[l[0]]++);
  counts.forEach((n, d) => assert.ok(n > 25 && n < 80, `class ${d}: ${n} of 500`));
  // Ink centroid near the image centre (MNIST centres by centre of mass).
  for (let i = 0; i < 50; i++) {
    const img = a.image(i);
    let m = 0, cx = 0, cy = 0;
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
      const w = (img[y * 28 + x] + 1) / 2;
      m += w; cx += w * (x + 0.5); cy += w * (y + 0.5);
    }
    assert.ok(m > 20, `image ${i} has ink`);
    assert.ok(Math.abs(cx / m - 14) < 1.5 && Math.abs(cy / m - 14) < 1.5, `image ${i} centroid (${(cx / m).toFixed(1)}, ${(cy / m).toFixed(1)})`);
  }
});

test('digits-sim: a 1 is tall and thin, a 0 is wide; the pen width sets the ink', () => {
  const rng = new Rng(1);
  const box = (d: number) => {
    const style = { ...sampleDigitStyle(d, rng), slant: 0, rotation: 0, aspect: 0.9, variant: 0, jitter: 0, warp: { amp: 0, fx: 1, fy: 1, px: 0, py: 0 } };
    const pts = digitPolylines(d, style, rng).flat();
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    return { w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
  };
  const one = box(1), zero = box(0);
  assert.ok(one.h > 15 && one.w < 5, `1: ${one.w.toFixed(1)}×${one.h.toFixed(1)}`);
  assert.ok(zero.w > 10, `0: ${zero.w.toFixed(1)} wide`);
  const line: [number, number][][] = [[[4, 14], [24, 14]]];
  const ink = (pen: number) => rasterize(line, pen).reduce((s, v) => s + (v + 1) / 2, 0);
  // A 20 px segment drawn with a round pen of width w covers ≈ 20·w + π(w/2)² pixels.
  assert.ok(Math.abs(ink(2) - (40 + Math.PI)) < 3, `pen 2: ${ink(2)}`);
  assert.ok(ink(3) > ink(2) * 1.3);
});
