import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../src/backend';
import { ArrayImageDataset, cachedDataset, readDatasetCache, shuffledIndices, splitDataset, writeDatasetCache } from '../src/data/dataset';
import { u8ToUnit } from '../src/data/images';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-ds-'));

function make(n: number): ArrayImageDataset {
  const u8 = new Uint8Array(n * 2 * 3);
  for (let i = 0; i < u8.length; i++) u8[i] = (i * 37) % 256;
  return ArrayImageDataset.fromU8('t', [2, 3, 1], u8, Array.from({ length: n }, (_, i) => Float32Array.of(i, i / 2)), ['id', 'half']);
}

test('batches are NHWC tensors in [-1, 1] in the order asked', async () => {
  await selectBackend('wasm', { log: false });
  const ds = make(5);
  const b = ds.batch([3, 0, 3]);
  assert.deepEqual(b.shape, [3, 2, 3, 1]);
  const v = b.dataSync();
  assert.deepEqual(Array.from(v.subarray(0, 6)), Array.from(ds.image(3)));
  assert.deepEqual(Array.from(v.subarray(6, 12)), Array.from(ds.image(0)));
  assert.ok(v.every((x) => x >= -1 && x <= 1));
  b.dispose();
  assert.throws(() => ds.batch([5]), /index 5 outside 0…4/);
});

test('seeded shuffles and splits: reproducible, disjoint, complete', () => {
  assert.deepEqual(shuffledIndices(50, 7), shuffledIndices(50, 7));
  assert.notDeepEqual(shuffledIndices(50, 7), shuffledIndices(50, 8));
  assert.deepEqual([...shuffledIndices(50, 7)].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  const { train, validation } = splitDataset(make(40), 0.25, 1);
  assert.equal(validation.size, 10);
  assert.equal(train.size, 30);
  const ids = [...train.labels!, ...validation.labels!].map((l) => l[0]).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: 40 }, (_, i) => i));
});

test('the binary cache round-trips pixels (8-bit) and labels exactly, and loads 10k images fast', async () => {
  const ds = make(7);
  const file = path.join(tmp, 'a.bin');
  writeDatasetCache(file, ds, 'k1');
  const { dataset, key } = readDatasetCache(file);
  assert.equal(key, 'k1');
  assert.deepEqual(Array.from(dataset.pixels), Array.from(ds.pixels));
  assert.deepEqual(dataset.labels!.map((l) => Array.from(l)), ds.labels!.map((l) => Array.from(l)));
  assert.deepEqual(dataset.labelNames, ['id', 'half']);

  const big = ArrayImageDataset.fromU8('big', [35, 55, 1], new Uint8Array(10000 * 35 * 55).map((_, i) => i % 251));
  const bigFile = path.join(tmp, 'big.bin');
  writeDatasetCache(bigFile, big, 'big');
  const t0 = performance.now();
  const loaded = readDatasetCache(bigFile).dataset;
  const ms = performance.now() - t0;
  assert.equal(loaded.size, 10000);
  assert.ok(ms < 1000, `reloading 10k 55×35 images took ${ms.toFixed(0)} ms`);
  assert.deepEqual(Array.from(loaded.image(9999).subarray(0, 5)), Array.from(u8ToUnit(new Uint8Array(35 * 55).map((_, i) => (9999 * 35 * 55 + i) % 251)).subarray(0, 5)));
});

test('cachedDataset builds once per key and rebuilds a stale or corrupt cache', async () => {
  const file = path.join(tmp, 'c.bin');
  let builds = 0;
  const build = async () => { builds++; return make(3); };
  await cachedDataset(file, 'v1', build);
  await cachedDataset(file, 'v1', build);
  assert.equal(builds, 1);
  await cachedDataset(file, 'v2', build);
  assert.equal(builds, 2);
  writeFileSync(file, 'garbage');
  const ds = await cachedDataset(file, 'v2', build);
  assert.equal(builds, 3);
  assert.equal(ds.size, 3);
  assert.throws(() => readDatasetCache(file.replace('c.bin', 'nope.bin')), /ENOENT/);
  writeFileSync(path.join(tmp, 'bad.bin'), Buffer.from([1, 0, 0, 0, 123]));
  assert.throws(() => readDatasetCache(path.join(tmp, 'bad.bin')), /not a simgan dataset cache.*delete it to rebuild/);
});
