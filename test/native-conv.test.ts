/**
 * The native (oneDNN) convolution kernels against the pure-JS cpu backend, an independent implementation:
 * forward, fused bias+relu, both gradients and the bias-gradient sum, on every path of the addon: oneDNN's
 * primitives (Winograd and direct) and its own sgemm paths (shifted GEMM and im2col).
 * The addon is built by `npm run build:native` (scripts/setup.sh runs it); without it these tests fail and
 * say so, rather than pass on the wasm kernels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableCores, selectBackend, tf } from '../src/backend';
import {
  disableNativeConv, enableNativeConv, loadNativeConv, NATIVE_CONV_ALGORITHMS, nativeConvCapabilities, nativeConvCounts, nativeConvState, primitiveChoice,
  resetNativeConvCounts, type NativeConvAlgorithm,
} from '../src/kernels/native-conv';
import { cpuInfo, formatCpu } from '../src/util/cpu';
import { Rng } from '../src/util/random';
import { maxRelError, randomArray } from './helpers';

interface Case {
  name: string;
  n: number; h: number; w: number; ci: number; co: number; kh: number; kw: number;
  strides: [number, number];
  dilations?: [number, number];
  pad: 'same' | 'valid' | number;
  /** Which sgemm path the case must take with algorithm 'sgemm'. */
  path: 'shifted' | 'general';
  /** With algorithm 'auto': how many of the five convolution calls run as primitives, and how many of those
   *  as Winograd on an AVX-512 CPU (oneDNN's: forward and input gradient). Elsewhere the addon's own Winograd
   *  also takes the filter gradient: one more (`winogradCalls`). The rest of the calls take `path`. */
  auto: { primitive: number; winograd: number };
  /** tfjs has no gradient for dilated convolutions: check the forward kernels only. */
  forwardOnly?: boolean;
}

const CASES: Case[] = [
  { name: 'refiner 3×3 same', n: 2, h: 9, w: 13, ci: 16, co: 12, kh: 3, kw: 3, strides: [1, 1], pad: 'same', path: 'shifted', auto: { primitive: 5, winograd: 0 } },
  { name: '1×1', n: 3, h: 5, w: 7, ci: 8, co: 9, kh: 1, kw: 1, strides: [1, 1], pad: 'same', path: 'shifted', auto: { primitive: 5, winograd: 0 } },
  { name: '5×3 valid', n: 2, h: 11, w: 8, ci: 10, co: 8, kh: 5, kw: 3, strides: [1, 1], pad: 'valid', path: 'shifted', auto: { primitive: 5, winograd: 0 } },
  { name: '7×7 same, even sizes', n: 1, h: 12, w: 10, ci: 8, co: 16, kh: 7, kw: 7, strides: [1, 1], pad: 'same', path: 'shifted', auto: { primitive: 5, winograd: 0 } },
  { name: 'numeric pad 2', n: 2, h: 6, w: 9, ci: 8, co: 8, kh: 3, kw: 3, strides: [1, 1], pad: 2, path: 'shifted', auto: { primitive: 5, winograd: 0 } },
  // More rows than one tile of the addon (2,048 padded-grid rows per image; 1,024 im2col rows): tiles must
  // accumulate, and the output copied out of a tile that ends mid-row must land in the right place.
  { name: 'several row tiles (a tile ends mid-row)', n: 2, h: 40, w: 60, ci: 8, co: 8, kh: 3, kw: 3, strides: [1, 1], pad: 'same', path: 'shifted', auto: { primitive: 5, winograd: 0 } },
  { name: 'several im2col tiles, stride 2', n: 4, h: 40, w: 60, ci: 3, co: 8, kh: 3, kw: 3, strides: [2, 2], pad: 'same', path: 'general', auto: { primitive: 4, winograd: 0 } },
  { name: 'one input channel', n: 2, h: 10, w: 12, ci: 1, co: 16, kh: 3, kw: 3, strides: [1, 1], pad: 'same', path: 'general', auto: { primitive: 4, winograd: 0 } },
  { name: 'one output channel 1×1', n: 2, h: 7, w: 6, ci: 16, co: 1, kh: 1, kw: 1, strides: [1, 1], pad: 'same', path: 'general', auto: { primitive: 5, winograd: 0 } },
  { name: 'stride 2 same (eye D)', n: 3, h: 35, w: 55, ci: 1, co: 12, kh: 3, kw: 3, strides: [2, 2], pad: 'same', path: 'general', auto: { primitive: 4, winograd: 0 } },
  { name: 'stride 2 same, many channels', n: 2, h: 18, w: 28, ci: 24, co: 16, kh: 3, kw: 3, strides: [2, 2], pad: 'same', path: 'general', auto: { primitive: 5, winograd: 0 } },
  { name: 'stride 4 valid 7×7 (hand D)', n: 2, h: 30, w: 27, ci: 1, co: 8, kh: 7, kw: 7, strides: [4, 4], pad: 'valid', path: 'general', auto: { primitive: 4, winograd: 0 } },
  { name: 'asymmetric stride 2×1, 3×5', n: 2, h: 13, w: 9, ci: 3, co: 5, kh: 3, kw: 5, strides: [2, 1], pad: 'same', path: 'general', auto: { primitive: 4, winograd: 0 } },
  // Winograd F(4×4, 3×3): maps that are not multiples of the 4×4 output tile, and an eye-sized map. Its
  // filter gradient runs on oneDNN's direct kernel (4 Winograd calls: 3 forward + the input gradient).
  { name: 'Winograd 3×3 16→16, partial tiles', n: 2, h: 9, w: 13, ci: 16, co: 16, kh: 3, kw: 3, strides: [1, 1], pad: 'same', path: 'shifted', auto: { primitive: 5, winograd: 4 } },
  { name: 'Winograd 3×3 32→16 on a 35×55 map', n: 2, h: 35, w: 55, ci: 32, co: 16, kh: 3, kw: 3, strides: [1, 1], pad: 'same', path: 'shifted', auto: { primitive: 5, winograd: 4 } },
  { name: 'dilation 2', n: 2, h: 12, w: 11, ci: 8, co: 8, kh: 3, kw: 3, strides: [1, 1], dilations: [2, 2], pad: 'same', path: 'general', forwardOnly: true, auto: { primitive: 2, winograd: 0 } },
];

const TOL = 1e-5;

/** Whether the addon's own Winograd runs here (oneDNN has none on this CPU or under this ISA cap). */
const ownWinogradHere = () => !nativeConvCapabilities()!.winograd;
/** Winograd calls expected for a case under 'auto': its forward and input-gradient ones, plus its filter
 *  gradient where the addon's own Winograd runs. */
const winogradCalls = (c: Case) => c.auto.winograd + (ownWinogradHere() && c.auto.winograd > 0 ? 1 : 0);

/** oneDNN's kernels for AVX2 and up cover every shape here; below (SSE4.1) some shapes have only its gemm/ref
 *  kernels, which the addon declines in favour of its sgemm paths. The per-case primitive counts hold from AVX2 up. */
const fullPrimitiveSet = () => !['sse41', 'avx', ''].includes(nativeConvCapabilities()!.isa);
/** Shown in every case's name, so a log says which kernels each run checked. */
const where = () => {
  const c = nativeConvCapabilities();
  return c ? `oneDNN ${c.isa}${c.winograd ? ' + Winograd' : `, the addon's Winograd ${c.ownWinogradKernel}`}${process.env.ONEDNN_MAX_CPU_ISA ? `, ONEDNN_MAX_CPU_ISA=${process.env.ONEDNN_MAX_CPU_ISA}` : ''}` : 'addon missing';
};

interface Outputs { y: Float32Array; fused: Float32Array; dx?: Float32Array; dw?: Float32Array; db?: Float32Array }

/** Forward, fused conv+bias+relu, and the gradients of Σ relu(conv(x, w) + b) ⊙ r, on one backend. */
async function run(c: Case, seed: number): Promise<Outputs> {
  const rng = new Rng(seed);
  const x = tf.tensor4d(randomArray(rng, c.n * c.h * c.w * c.ci), [c.n, c.h, c.w, c.ci]);
  const w = tf.tensor4d(randomArray(rng, c.kh * c.kw * c.ci * c.co), [c.kh, c.kw, c.ci, c.co]);
  const b = tf.tensor1d(randomArray(rng, c.co));
  const y = tf.conv2d(x, w, c.strides, c.pad, 'NHWC', c.dilations ?? 1);
  const r = tf.tensor(randomArray(rng, y.size), y.shape);
  const fused = tf.fused.conv2d({ x, filter: w, strides: c.strides, pad: c.pad, dilations: c.dilations ?? 1, bias: b, activation: 'relu' });
  if (c.forwardOnly) {
    const out = { y: (await y.data()) as Float32Array, fused: (await fused.data()) as Float32Array };
    tf.dispose([x, w, b, y, r, fused]);
    return out;
  }
  // Under a gradient tape tfjs un-fuses relu, so this exercises Conv2D, both backprops and the bias Sum.
  const g = tf.grads((xa, wa, ba) =>
    tf.fused.conv2d({ x: xa as tf.Tensor4D, filter: wa as tf.Tensor4D, strides: c.strides, pad: c.pad, dilations: c.dilations ?? 1, bias: ba, activation: 'relu' }).mul(r).sum());
  const [dx, dw, db] = g([x, w, b]);
  const out = {
    y: (await y.data()) as Float32Array, fused: (await fused.data()) as Float32Array,
    dx: (await dx.data()) as Float32Array, dw: (await dw.data()) as Float32Array, db: (await db.data()) as Float32Array,
  };
  tf.dispose([x, w, b, y, r, fused, dx, dw, db]);
  return out;
}

/** `run` on the cpu backend, then on wasm with the native kernels on and their counts reset. */
async function cpuThenNative<T>(run: () => Promise<T>): Promise<{ want: T; got: T }> {
  await selectBackend('cpu', { log: false });
  const want = await run();
  await selectBackend('wasm', { log: false });
  enableNativeConv();
  resetNativeConvCounts();
  return { want, got: await run() };
}

test('the native addon is built and loads (npm run build:native)', () => {
  const { addon, reason } = loadNativeConv();
  assert.ok(addon, `native convolution addon unavailable: ${reason}`);
  assert.match(addon.info().library, /^oneDNN \d+\.\d+/);
});

test('the addon rejects wrong arguments with an error naming the function and the argument', () => {
  const addon = loadNativeConv().addon!;
  const f = new Float32Array(4);
  const conv = addon.conv as unknown as (...a: unknown[]) => void;
  assert.throws(() => conv([1, 2], f, f, 1, 2, 2, 1, 1, 1, 1, 0, 0, 2, 2, null, 0), /conv: argument 1 must be a Float32Array/);
  assert.throws(() => conv(f, f, f, 1, 2, 2, 1, 1, 1, 1, 0, 0, 2, 'x', null, 0), /conv: sizes must be integers/);
  assert.throws(() => conv(f, f, f, 1, 3, 2, 1, 1, 1, 1, 0, 0, 2, 2, null, 0), /conv: array lengths do not match the sizes/);
  assert.throws(() => (addon.filterGrad as unknown as (...a: unknown[]) => void)(f, f), /wrong number of arguments/);
  // convPrimitive: a 1×2×2×1 input, 1×1 filter, 1 output channel (4, 1 and 4 values).
  const one = new Float32Array(1);
  const geo = [1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 2, 2];
  const prim = addon.convPrimitive as unknown as (...a: unknown[]) => string | null;
  assert.throws(() => prim(0, f, f, f, null, 0, 0, ...geo), /convPrimitive: array lengths do not match the sizes/);
  assert.throws(() => prim(0, f, one, f, null, 0, 0, ...geo.slice(0, 7), 0, 1, 1, 1, 0, 0, 2, 2), /convPrimitive: strides and dilations must be ≥ 1/);
  assert.throws(() => prim(1, f, f, one, one, 0, 0, ...geo), /convPrimitive: bias must be Co values, and only in the forward pass/);
  assert.throws(() => prim(3, f, one, f, null, 0, 0, ...geo), /convPrimitive: kind must be 0, 1 or 2/);
  assert.throws(() => prim(0, f, one, f, null, 0, 0, ...geo.slice(0, 14), 'x'), /convPrimitive: sizes must be integers/);
  const impl = prim(0, f, one, new Float32Array(4), null, 0, 0, ...geo);
  if (fullPrimitiveSet()) assert.equal(typeof impl, 'string');
  else assert.ok(impl === null || typeof impl === 'string');
});

test(`oneDNN reports the kernels this CPU (and ONEDNN_MAX_CPU_ISA) allows [${where()}]`, () => {
  const caps = nativeConvCapabilities()!;
  const cpu = cpuInfo();
  // The probe's direct kernel runs at the ISA oneDNN may use here, and Winograd exists exactly on AVX-512.
  const want = { 'AVX-512': /^avx512/, AVX2: /^avx2/, AVX: /^avx$/, 'SSE4.1': /^sse41$/, baseline: /^$/ }[cpu.effectiveIsa];
  assert.match(caps.isa, want, `${formatCpu(cpu)}: oneDNN's direct kernel ${caps.directKernel}`);
  assert.equal(caps.winograd, cpu.effectiveIsa === 'AVX-512', `${formatCpu(cpu)}: Winograd kernel "${caps.winogradKernel}"`);
  if (caps.winograd) assert.match(caps.winogradKernel, /wino/);
  // The addon's own Winograd (used where oneDNN has none) runs AVX2 transforms exactly where the CPU has AVX2.
  assert.equal(caps.ownWinogradKernel, `simgan_wino_4x3:${cpu.isa === 'AVX-512' || cpu.isa === 'AVX2' ? 'avx2' : 'baseline'}`);
  assert.equal(caps.maxIsa === 'ALL' || caps.maxIsa.length > 0, true);
  if (process.env.ONEDNN_MAX_CPU_ISA) assert.equal(caps.maxIsa, process.env.ONEDNN_MAX_CPU_ISA.toUpperCase());
});

test('selecting wasm turns the native kernels on, reported in the backend info', async () => {
  const info = await selectBackend('wasm', { log: false });
  assert.ok(info.nativeConv && !('off' in info.nativeConv), `native conv not active: ${JSON.stringify(info.nativeConv)}`);
  // SIMGAN_NATIVE_THREADS unset: one run gets every available core.
  assert.equal(nativeConvState()?.threads, Number(process.env.SIMGAN_NATIVE_THREADS ?? availableCores()));
});

for (const [k, c] of CASES.entries()) {
  test(`native kernels match the cpu backend (oneDNN primitives, Winograd, sgemm ${c.path}) [${where()}]: ${c.name}`, async () => {
    await selectBackend('cpu', { log: false });
    const want = await run(c, 100 + k);
    await selectBackend('wasm', { log: false });
    // conv2d, fused conv2d, the taped conv2d, its filter and input gradients: five convolution calls.
    const calls = c.forwardOnly ? 2 : 5;
    const expected: Record<NativeConvAlgorithm, { primitive: number; winograd: number }> = {
      sgemm: { primitive: 0, winograd: 0 },
      direct: { primitive: c.auto.primitive, winograd: 0 },
      auto: { primitive: c.auto.primitive, winograd: winogradCalls(c) },
    };
    for (const algorithm of NATIVE_CONV_ALGORITHMS) {
      enableNativeConv({ algorithm });
      resetNativeConvCounts();
      const got = await run(c, 100 + k);
      const counts = `${algorithm}: ${JSON.stringify(nativeConvCounts)}`;
      if (fullPrimitiveSet() || algorithm === 'sgemm') assert.equal(nativeConvCounts.primitive, expected[algorithm].primitive, counts);
      else assert.ok(nativeConvCounts.primitive <= expected[algorithm].primitive, counts);
      assert.equal(nativeConvCounts.winograd, expected[algorithm].winograd, counts);
      // Every call ran natively: as a primitive or on the sgemm path the case names (none fell back to wasm).
      assert.equal(nativeConvCounts[c.path], calls - nativeConvCounts.primitive, counts);
      if (!c.forwardOnly) assert.ok(nativeConvCounts.sum >= 1, `bias gradient did not use the native sum: ${counts}`);
      for (const key of c.forwardOnly ? (['y', 'fused'] as const) : (['y', 'fused', 'dx', 'dw', 'db'] as const)) {
        const err = maxRelError(got[key]!, want[key]!);
        assert.ok(err < TOL, `${c.name}, ${algorithm}: ${key} relative error ${err.toExponential(2)} ≥ ${TOL}`);
      }
    }
    enableNativeConv();
  });
}

test('a hand-computed 2×2 valid convolution with 8 channels (every weight 1), on both kinds of path', async () => {
  await selectBackend('wasm', { log: false });
  for (const algorithm of ['sgemm', 'auto'] as const) {
    enableNativeConv({ minChannels: 1, algorithm });
    resetNativeConvCounts();
    // x[i, j, c] = i·3 + j (same in every channel): each output sums a 2×2 window × 8 input channels.
    const xs = new Float32Array(9 * 8).map((_, k) => Math.floor(k / 8));
    const x = tf.tensor4d(xs, [1, 3, 3, 8]);
    const w = tf.ones([2, 2, 8, 1]) as tf.Tensor4D;
    const y = await tf.conv2d(x, w, 1, 'valid').data();
    assert.deepEqual(Array.from(y), [8 * (0 + 1 + 3 + 4), 8 * (1 + 2 + 4 + 5), 8 * (3 + 4 + 6 + 7), 8 * (4 + 5 + 7 + 8)]);
    const path = algorithm === 'sgemm' || !fullPrimitiveSet() ? nativeConvCounts.shifted + nativeConvCounts.primitive : nativeConvCounts.primitive;
    assert.equal(path, 1, `${algorithm}: ${JSON.stringify(nativeConvCounts)}`);
    if (algorithm === 'sgemm') assert.equal(nativeConvCounts.primitive, 0);
    tf.dispose([x, w]);
  }
  enableNativeConv();
});

test('Winograd is chosen only for 3×3 stride-1 calls with ≥ 16 channels (the filter gradient only with the addon\'s own)', () => {
  const g = { n: 2, h: 35, w: 55, ci: 64, co: 64, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, oh: 35, ow: 55 };
  assert.equal(primitiveChoice(0, g, 'auto', 8), 'winograd');
  assert.equal(primitiveChoice(2, g, 'auto', 8), 'winograd');
  assert.equal(primitiveChoice(1, g, 'auto', 8), 'direct');
  // … unless the addon's own Winograd runs (no oneDNN Winograd here): it takes the filter gradient too.
  assert.equal(primitiveChoice(1, g, 'auto', 8, true), 'winograd');
  assert.equal(primitiveChoice(1, g, 'direct', 8, true), 'direct');
  assert.equal(primitiveChoice(0, g, 'direct', 8), 'direct');
  assert.equal(primitiveChoice(0, g, 'sgemm', 8), undefined);
  assert.equal(primitiveChoice(0, { ...g, sh: 2, sw: 2, oh: 18, ow: 28 }, 'auto', 8), 'direct');
  assert.equal(primitiveChoice(0, { ...g, kh: 1, kw: 1, pt: 0, pl: 0 }, 'auto', 8), 'direct');
  assert.equal(primitiveChoice(0, { ...g, ci: 8 }, 'auto', 8), 'direct');
  assert.equal(primitiveChoice(0, { ...g, dh: 2, dw: 2 }, 'auto', 8), 'direct');
  // A one-channel image's input gradient stays on im2col (oneDNN's was 2× slower there).
  assert.equal(primitiveChoice(2, { ...g, ci: 1 }, 'auto', 8), undefined);
  assert.equal(primitiveChoice(0, { ...g, ci: 1 }, 'auto', 8), 'direct');
});

test('enableNativeConv rejects an unknown algorithm by name', () => {
  assert.throws(() => enableNativeConv({ algorithm: 'fast' as NativeConvAlgorithm }), /algorithm must be one of auto, direct, sgemm, got "fast"/);
});

test('oneDNN primitives are built once per shape and reused', async () => {
  await selectBackend('wasm', { log: false });
  enableNativeConv();
  const addon = loadNativeConv().addon!;
  // A case whose five calls all run as oneDNN primitives on every CPU (the addon's own Winograd builds none).
  const c = CASES.find((k) => k.auto.primitive === 5 && k.auto.winograd === 0)!;
  const before = addon.info().primitivesBuilt;
  await run(c, 11);
  const built = addon.info().primitivesBuilt;
  assert.ok(built > before, 'the first run must build primitives');
  await run(c, 12);
  await run(c, 13);
  assert.equal(addon.info().primitivesBuilt, built, 'the same shapes again must hit the cache');
  assert.ok(addon.info().cachedPrimitives >= built - before);
});

test(`two oneDNN threads give the one-thread numbers (primitives are rebuilt for the new thread count) [${where()}]`, async () => {
  // Compared with one native thread, not with the cpu backend: Winograd's rounding (~1e-6) can flip a ReLU
  // mask where a pre-activation is within rounding of zero, which moves that element's gradient by |r|.
  // One versus two threads runs the same kernels with the work split differently.
  const c = CASES.find((k) => k.auto.winograd > 0 && k.h > 20)!;
  await selectBackend('wasm', { log: false });
  const addon = loadNativeConv().addon!;
  enableNativeConv();
  const want = await run(c, 21);
  const built = addon.info().primitivesBuilt;
  enableNativeConv({ threads: 2 });
  assert.equal(nativeConvState()?.threads, 2);
  resetNativeConvCounts();
  const got = await run(c, 21);
  assert.equal(nativeConvCounts.winograd, winogradCalls(c));
  // oneDNN's primitives are per thread count; the addon's own Winograd (every call of this case where it
  // runs) builds none.
  if (!ownWinogradHere()) assert.ok(addon.info().primitivesBuilt > built, 'a new thread count must not reuse primitives built for one thread');
  for (const key of ['y', 'fused', 'dx', 'dw', 'db'] as const) {
    const err = maxRelError(got[key]!, want[key]!);
    assert.ok(err < TOL, `2 threads: ${key} relative error ${err.toExponential(2)}`);
  }
  enableNativeConv();
});

test('native kernels free what they allocate (tensors and wasm buffers stay flat)', async () => {
  await selectBackend('wasm', { log: false });
  enableNativeConv();
  const c = CASES[0];
  const once = () => run(c, 7);
  await once();
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const tensors = tf.memory().numTensors, ids = backend.numDataIds();
  for (let i = 0; i < 5; i++) await once();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(backend.numDataIds(), ids);
});

test('disableNativeConv restores the wasm kernels, and they give the same numbers', async () => {
  await selectBackend('wasm', { log: false });
  enableNativeConv();
  const c = CASES[8];
  const native = await run(c, 3);
  disableNativeConv();
  assert.equal(nativeConvState(), undefined);
  resetNativeConvCounts();
  const wasmOnly = await run(c, 3);
  assert.deepEqual(nativeConvCounts, { primitive: 0, winograd: 0, shifted: 0, general: 0, sum: 0, pool: 0, reluGrad: 0, fallback: 0 });
  for (const key of ['y', 'dx', 'dw'] as const) assert.ok(maxRelError(native[key]!, wasmOnly[key]!) < TOL, key);
  enableNativeConv();
});

test("the ReLU gradient runs as one native pass and equals tfjs's mul(dy, cast(step(x))), NaN, ±0 and ±∞ included", async () => {
  const rng = new Rng(41);
  const xs = [-2, -0, 0, 0.5, 3, NaN, -Infinity, Infinity, 1e-30, -1e-30, ...randomArray(rng, 300)];
  const dys = [1, 2, Infinity, -1, NaN, 3, Infinity, -Infinity, -2, 5, ...randomArray(rng, 300)];
  const run = async (): Promise<number[]> => {
    const x = tf.tensor1d(xs), dy = tf.tensor1d(dys);
    const dx = tf.grad((a) => tf.relu(a))(x, dy);
    const out = Array.from(await dx.data());
    tf.dispose([x, dy, dx]);
    return out;
  };
  const { want, got } = await cpuThenNative(run);
  assert.deepStrictEqual(got, want); // same bits: NaN where tfjs has NaN, -0 where it has -0
  assert.equal(nativeConvCounts.reluGrad, 1);
  disableNativeConv();
  resetNativeConvCounts();
  assert.deepStrictEqual(await run(), want); // the composite again, on wasm's own kernels
  assert.equal(nativeConvCounts.reluGrad, 0);
  enableNativeConv();
});

test('sums over other axes fall through to the wasm kernel', async () => {
  await selectBackend('wasm', { log: false });
  enableNativeConv();
  resetNativeConvCounts();
  const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
  assert.deepEqual(Array.from(await x.sum(2).data()), [3, 7, 11, 15]);
  assert.deepEqual(Array.from(await x.sum([0, 1]).data()), [16, 20]);
  assert.deepEqual(Array.from(await x.sum([0, 1], true).data()), [16, 20]);
  assert.deepEqual(x.sum([0, 1], true).shape, [1, 1, 2]);
  assert.equal(nativeConvCounts.sum, 3);
  assert.equal(nativeConvCounts.fallback, 1);
  x.dispose();
});

test('native MaxPoolGrad matches the cpu backend, ties after a ReLU included (first maximum in window order)', async () => {
  const cases: Array<{ shape: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' }> = [
    { shape: [3, 9, 14, 16], size: 3, stride: 1, pad: 'valid' }, // the eye discriminator's pool
    { shape: [2, 11, 8, 5], size: 3, stride: 2, pad: 'same' },
    { shape: [2, 10, 10, 3], size: 2, stride: 2, pad: 'valid' },
    // Large enough for the addon to split the images over its threads (every core by default).
    { shape: [8, 9, 14, 64], size: 3, stride: 1, pad: 'valid' },
  ];
  for (const [k, c] of cases.entries()) {
    const run = async () => {
      const rng = new Rng(300 + k);
      // relu(x) of rounded values: many exact ties, as in a trained network's pooled activations.
      const x = tf.tensor4d(randomArray(rng, c.shape.reduce((a, b) => a * b)).map((v) => Math.round(v * 2) / 2), c.shape).relu() as tf.Tensor4D;
      const y = tf.maxPool(x, c.size, c.stride, c.pad);
      const r = tf.tensor(randomArray(rng, y.size), y.shape);
      const dx = tf.grad((a) => tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad).mul(r).sum())(x as tf.Tensor4D);
      const out = (await dx.data()) as Float32Array;
      tf.dispose([x, y, r, dx]);
      return out;
    };
    const { want, got } = await cpuThenNative(run);
    assert.equal(nativeConvCounts.pool, 1, JSON.stringify(c));
    assert.ok(maxRelError(got, want) < TOL, `${JSON.stringify(c)}: ${maxRelError(got, want)}`);
  }
});
