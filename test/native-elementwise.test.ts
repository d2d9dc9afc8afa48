/**
 * The addon's element-wise kernels (native/elementwise.c via src/kernels/native-elementwise.ts) against wasm's
 * own kernels, an independent implementation: Add and Relu must give the same bits, on one thread and on two,
 * below and above the size where the addon starts its threads; what they do not take must reach wasm's
 * kernel. Also the zero-copy Cast (src/kernels/wasm-identity.ts). The addon is built by `npm run
 * build:native`; without it these tests fail and say so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../src/backend';
import { disableNativeConv, enableNativeConv, loadNativeConv } from '../src/kernels/native-conv';
import { isTrailingBlock, nativeElementwiseCounts } from '../src/kernels/native-elementwise';
import { Rng } from '../src/util/random';
import { randomArray } from './helpers';

/** The addon starts its threads from 32,768 elements (PARALLEL_MIN in native/elementwise.c). */
const BIG = 32768 * 3 + 5;

/** Random values with the awkward ones mixed in: NaN, ±0, ±∞, subnormal-sized and huge values. */
function values(rng: Rng, n: number): Float32Array {
  const out = Float32Array.from(randomArray(rng, n));
  const special = [NaN, -0, 0, Infinity, -Infinity, 1e-40, -1e-40, 3e38, -3e38];
  for (let i = 0; i < n; i += 97) out[i] = special[(i / 97) % special.length];
  return out;
}

/** What `f` gives with wasm's own kernels, then with the addon on 1 and on 2 threads. */
async function wasmThenNative(f: () => Promise<Float32Array>): Promise<{ want: Float32Array; got: Float32Array[] }> {
  await selectBackend('wasm', { log: false });
  const loaded = loadNativeConv();
  assert.ok(loaded.addon, `native addon unavailable: ${loaded.reason}`);
  disableNativeConv();
  const want = await f();
  const got: Float32Array[] = [];
  for (const threads of [1, 2]) {
    enableNativeConv({ threads });
    got.push(await f());
  }
  enableNativeConv();
  return { want, got };
}

/** Bit-for-bit equality, NaN payloads aside (tfjs does not promise those). */
function assertSameBits(got: Float32Array, want: Float32Array, label: string): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]) && Number.isNaN(got[i])) continue;
    assert.ok(Object.is(got[i], want[i]), `${label}: element ${i} is ${got[i]}, wasm gives ${want[i]}`);
  }
}

test('isTrailingBlock accepts exactly the broadcasts that repeat one operand along the leading axes', () => {
  assert.ok(isTrailingBlock([2, 3, 4, 5], [5]));
  assert.ok(isTrailingBlock([2, 3, 4, 5], [1, 1, 1, 5]));
  assert.ok(isTrailingBlock([2, 3, 4, 5], [4, 5]));
  assert.ok(isTrailingBlock([2, 3, 4, 5], [2, 3, 4, 5]));
  assert.ok(isTrailingBlock([4, 5], [1, 1, 4, 5]), 'leading 1s beyond the other rank');
  assert.ok(!isTrailingBlock([2, 3, 4, 5], [3, 1, 5]), 'a 1 inside is a broadcast the addon does not do');
  assert.ok(!isTrailingBlock([2, 3, 4, 5], [4]));
  assert.ok(!isTrailingBlock([2, 1], [1, 3]));
  assert.ok(!isTrailingBlock([4, 5], [2, 4, 5]));
});

const ADD_CASES: Array<{ name: string; a: number[]; b: number[]; native: boolean }> = [
  { name: 'same shape, small', a: [3, 7, 5], b: [3, 7, 5], native: true },
  { name: 'same shape, threaded (residual add)', a: [2, 35, 55, 32], b: [2, 35, 55, 32], native: true },
  { name: 'bias [C] over an NHWC map', a: [2, 35, 55, 32], b: [32], native: true },
  { name: 'bias [1, 1, 1, C], first operand', a: [1, 1, 1, 32], b: [2, 35, 55, 32], native: true },
  { name: 'a [W, C] block over a map', a: [3, 17, 29, 7], b: [29, 7], native: true },
  { name: 'higher-rank ones on the small side', a: [29, 7], b: [1, 1, 29, 7], native: true },
  { name: 'a scalar', a: [3, 4], b: [], native: true },
  { name: 'broadcast both ways (wasm)', a: [5, 1], b: [1, 6], native: false },
  { name: 'a 1 inside the small shape (wasm)', a: [4, 3, 5], b: [3, 1], native: false },
];

test("native Add gives wasm's bits: same shapes, bias broadcasts either way round, NaN and ±∞, 1 and 2 threads", async () => {
  for (const [k, c] of ADD_CASES.entries()) {
    const run = async () => {
      const rng = new Rng(500 + k);
      const a = tf.tensor(values(rng, tf.util.sizeFromShape(c.a)), c.a);
      const b = tf.tensor(values(rng, tf.util.sizeFromShape(c.b)), c.b);
      const y = tf.add(a, b);
      const expectedShape = tf.backend_util.assertAndGetBroadcastShape(c.a, c.b);
      assert.deepEqual(y.shape, expectedShape, `${c.name}: shape`);
      const out = (await y.data()) as Float32Array;
      tf.dispose([a, b, y]);
      return out;
    };
    const before = { ...nativeElementwiseCounts };
    const { want, got } = await wasmThenNative(run);
    got.forEach((g, t) => assertSameBits(g, want, `${c.name}, ${t + 1} thread(s)`));
    const added = nativeElementwiseCounts.add - before.add, passed = nativeElementwiseCounts.fallback - before.fallback;
    assert.deepEqual({ added, passed }, c.native ? { added: 2, passed: 0 } : { added: 0, passed: 2 }, c.name);
  }
});

test('int32 Add goes to wasm and keeps its dtype', async () => {
  await selectBackend('wasm', { log: false });
  enableNativeConv();
  const before = nativeElementwiseCounts.fallback;
  const y = tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([10, 20, 30], 'int32'));
  assert.equal(y.dtype, 'int32');
  assert.deepEqual(Array.from(await y.data()), [11, 22, 33]);
  assert.equal(nativeElementwiseCounts.fallback, before + 1);
});

test("native Relu gives wasm's bits (NaN kept, -0 → 0 as wasm does), small and threaded", async () => {
  for (const n of [1000, BIG]) {
    const run = async () => {
      const x = tf.tensor1d(values(new Rng(n), n));
      const y = tf.relu(x);
      const out = (await y.data()) as Float32Array;
      tf.dispose([x, y]);
      return out;
    };
    const before = nativeElementwiseCounts.relu;
    const { want, got } = await wasmThenNative(run);
    got.forEach((g, t) => assertSameBits(g, want, `relu of ${n}, ${t + 1} thread(s)`));
    assert.equal(nativeElementwiseCounts.relu - before, 2);
  }
});

test('the bias-gradient sum gives the same bits on 1 and 2 threads', async () => {
  await selectBackend('wasm', { log: false });
  const rng = new Rng(77);
  const rows = 2 * 35 * 55, cols = 32; // 123,200 elements: threaded, 16 blocks of 256 rows (the last partial)
  const x = tf.tensor2d(Float32Array.from(randomArray(rng, rows * cols)), [rows, cols]);
  const sums: Float32Array[] = [];
  for (const threads of [1, 2]) {
    enableNativeConv({ threads });
    sums.push((await tf.sum(x, 0).data()) as Float32Array);
  }
  enableNativeConv();
  assertSameBits(sums[1], sums[0], 'sum over rows');
  // And it is the sum: against a double-precision sum of the same floats.
  const data = x.dataSync();
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += data[r * cols + c];
    assert.ok(Math.abs(sums[0][c] - s) <= 1e-5 * Math.max(1, Math.abs(s)), `column ${c}: ${sums[0][c]} vs ${s}`);
  }
  x.dispose();
});

test('Cast to the same dtype shares the buffer without leaking; other casts convert', async () => {
  await selectBackend('wasm', { log: false });
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const ids = backend.numDataIds(), tensors = tf.memory().numTensors;
  const x = tf.tensor1d([1.5, -2.7, 3.2]);
  const y = tf.cast(x, 'float32');
  assert.equal(y.dataId, x.dataId, 'a same-dtype cast shares the data');
  assert.equal(backend.numDataIds(), ids + 1);
  x.dispose();
  assert.deepEqual(Array.from(await y.data()), Array.from(new Float32Array([1.5, -2.7, 3.2])), 'still readable after the source is gone');
  const z = tf.cast(y, 'int32');
  assert.equal(z.dtype, 'int32');
  assert.deepEqual(Array.from(await z.data()), [1, -2, 3]);
  tf.dispose([y, z]);
  assert.equal(backend.numDataIds(), ids);
  assert.equal(tf.memory().numTensors, tensors);
});
