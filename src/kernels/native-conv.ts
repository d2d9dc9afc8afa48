/**
 * Optional native convolution kernels for the wasm backend: a small Node-API addon (`native/conv.c`) that runs
 * convolutions and both of their gradients through oneDNN on tensors that stay in the wasm heap, plus the
 * other kernels a training step spends time in on wasm: the bias-gradient sum, MaxPoolGrad, the ReLU
 * gradient (one pass instead of tfjs's step, cast and multiply), and Add and Relu (native-elementwise.ts).
 *
 * Why: the wasm backend's convolutions (XNNPACK) are limited to 128-bit wasm SIMD; on a CPU with AVX2/AVX-512
 * they reach about a third of what the same core does natively (see docs/BENCHMARKS.md). Training time is
 * almost all stride-1 3×3 convolutions in the refiner, so those are what the addon takes over.
 *
 * The addon is built by `npm run build:native` (scripts/build-native.sh: gcc, Node's headers, libdnnl-dev;
 * `scripts/setup.sh` installs them). When it is missing or `SIMGAN_NATIVE_CONV=off`, everything runs on the
 * wasm kernels as before. Each NHWC convolution goes, in order of preference, to
 *   1. a oneDNN convolution primitive (`primitive`): Winograd F(4×4, 3×3) for 3×3 stride-1 convolutions with
 *      ≥ 16 channels on both sides (forward and input gradient), oneDNN's direct kernels otherwise;
 *   2. the addon's own sgemm paths when oneDNN has no fast kernel for the shape: stride-1 convolutions with at
 *      least `minChannels` channels on both sides as a shifted GEMM (`shifted`), everything else as im2col +
 *      GEMM (`general`).
 * `algorithm` narrows that choice (see NativeConvAlgorithm). What the addon does not take (NCHW, activations
 * other than linear/relu, sums over other axes) falls through to the kernels registered before.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { projectRoot } from '../paths';
import { ELEMENTWISE_KERNELS, elementwiseKernelFuncs, type ElementwiseKernelName, type NativeElementwiseAddon } from './native-elementwise';

type TensorInfo = tf.TensorInfo;

/** The functions `native/conv.c` and `native/elementwise.c` export (argument order as there). */
export interface NativeConvAddon extends NativeElementwiseAddon {
  /**
   * A cached oneDNN convolution primitive: kind 0 forward (a = x, b = w, out = y, with bias and relu), 1 filter
   * gradient (a = x, b = dy, out = dw), 2 input gradient (a = dy, b = w, out = dx). `winograd` 1 asks for the
   * Winograd kernels (3×3 stride 1 only): oneDNN's where it has them, else (forward and input gradient) the
   * addon's own F(4×4, 3×3), named "simgan_wino_4x3:<isa>". Returns the kernel's name, or null (nothing
   * written) when oneDNN has no fast kernel for the shape.
   */
  convPrimitive(kind: number, a: Float32Array, b: Float32Array, out: Float32Array, bias: Float32Array | null, relu: number, winograd: number, n: number, h: number, wd: number, ci: number, kh: number, kw: number, co: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, oh: number, ow: number): string | null;
  /** Stride-1 convolution; `bias` (Co values) and `relu` (0/1) are applied as the output is written. */
  conv(x: Float32Array, w: Float32Array, y: Float32Array, n: number, h: number, wd: number, ci: number, kh: number, kw: number, co: number, pt: number, pl: number, oh: number, ow: number, bias: Float32Array | null, relu: number): void;
  filterGrad(x: Float32Array, dy: Float32Array, dw: Float32Array, n: number, h: number, wd: number, ci: number, oh: number, ow: number, co: number, kh: number, kw: number, pt: number, pl: number): void;
  inputGrad(dy: Float32Array, w: Float32Array, dx: Float32Array, n: number, oh: number, ow: number, co: number, kh: number, kw: number, ci: number, pt: number, pl: number, h: number, wd: number): void;
  convGeneral(mode: number, a: Float32Array, b: Float32Array, out: Float32Array, n: number, h: number, wd: number, ci: number, kh: number, kw: number, co: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, oh: number, ow: number): void;
  biasAct(y: Float32Array, bias: Float32Array | null, co: number, relu: number): void;
  sumRows(x: Float32Array, cols: number, out: Float32Array): void;
  /** dx = dy · (x > 0 ? 1 : x is NaN ? NaN : 0), all three the same length. */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, n: number, h: number, w: number, c: number, oh: number, ow: number, fh: number, fw: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number): void;
  setThreads(n: number): void;
  /** `cachedPrimitives`: shapes in this thread's primitive cache (hits and misses); `primitivesBuilt`: lookups
   *  that had to build one since the addon loaded (flat over a training loop unless the cache thrashes). */
  info(): { library: string; threads: number; cachedPrimitives: number; primitivesBuilt: number };
  /** What oneDNN offers on this CPU: its ISA cap ("ALL" when uncapped) and the kernel it builds for a small 3×3
   *  16→16 convolution with each algorithm ("" when it has no fast one: Winograd needs an AVX-512 core). */
  capabilities(): { maxIsa: string; direct: string; winograd: string; ownWinograd: string };
  /** Free the addon's scratch buffers and cached primitives. */
  release(): void;
}

/** Where `npm run build:native` puts the addon. */
export const NATIVE_CONV_PATH = path.join(projectRoot, 'native', 'build', 'simgan_conv.node');

export interface NativeConvLoad {
  addon?: NativeConvAddon;
  /** Why it is not available (absent when it is). */
  reason?: string;
}

let loaded: NativeConvLoad | undefined;

/** Load the addon once; never throws (a missing or broken build is a reason, not an error). */
export function loadNativeConv(): NativeConvLoad {
  if (loaded) return loaded;
  if (!existsSync(NATIVE_CONV_PATH)) {
    loaded = { reason: `not built (${path.relative(projectRoot, NATIVE_CONV_PATH)} missing): run npm run build:native` };
  } else {
    try {
      loaded = { addon: require(NATIVE_CONV_PATH) as NativeConvAddon };
    } catch (e) {
      loaded = { reason: `failed to load ${NATIVE_CONV_PATH}: ${(e as Error).message.split('\n')[0]}; rebuild with npm run build:native` };
    }
  }
  return loaded;
}

/**
 * Which convolution kernels the addon uses: `auto` (default) oneDNN's primitives with Winograd where it pays,
 * `direct` oneDNN's primitives without Winograd (every convolution computed term by term, as the sgemm paths
 * and the wasm kernels do), `sgemm` only the addon's own sgemm paths.
 */
export type NativeConvAlgorithm = 'auto' | 'direct' | 'sgemm';
export const NATIVE_CONV_ALGORITHMS: readonly NativeConvAlgorithm[] = ['auto', 'direct', 'sgemm'];

export interface NativeConvOptions {
  /** Default 'auto'. */
  algorithm?: NativeConvAlgorithm;
  /** Stride-1 convolutions with fewer input or output channels take the im2col path (a shifted GEMM with
   *  K or N that small wastes the GEMM). Default 8. */
  minChannels?: number;
  /** oneDNN (OpenMP) threads, also the addon's Winograd blocks'. Default 1 here; `selectBackend` passes
   *  SIMGAN_NATIVE_THREADS, whose default is every available core (sweeps set cores ÷ jobs for each job). */
  threads?: number;
}

/** What is active, for the backend line and the benchmark. */
export interface NativeConvState {
  /** e.g. "oneDNN 2.6.3". */
  library: string;
  threads: number;
  minChannels: number;
  algorithm: NativeConvAlgorithm;
  /** What oneDNN can do on this CPU (see `nativeConvCapabilities`). */
  capabilities: NativeConvCapabilities;
  /** Whether Winograd kernels run (algorithm 'auto'), and whose: oneDNN's where it has them, else the addon's. */
  winograd: boolean;
  winogradKernel?: string;
}

/** oneDNN's kernels on this CPU, as the addon's probe convolution found them. */
export interface NativeConvCapabilities {
  /** ONEDNN_MAX_CPU_ISA as oneDNN took it ("ALL" when not set). */
  maxIsa: string;
  /** The ISA of oneDNN's direct kernel here (e.g. "avx512_core", "avx2"; "" when it has none). */
  isa: string;
  /** oneDNN's names of the probe's kernels; `winograd` "" when oneDNN has no Winograd kernel on this CPU. */
  directKernel: string;
  winogradKernel: string;
  /** Whether oneDNN has a Winograd convolution here (Debian's oneDNN 2.6: AVX-512 cores only). */
  winograd: boolean;
  /** The addon's own Winograd F(4×4, 3×3) for forward and input-gradient calls where oneDNN has none:
   *  "simgan_wino_4x3:avx2" (AVX2 + FMA transforms) or "simgan_wino_4x3:baseline". */
  ownWinogradKernel: string;
}

let capabilities: NativeConvCapabilities | undefined;

/**
 * Ask oneDNN (once per process: it reads ONEDNN_MAX_CPU_ISA once) which kernels it has on this CPU, by
 * building a probe convolution with each algorithm. Undefined when the addon is unavailable.
 */
export function nativeConvCapabilities(): NativeConvCapabilities | undefined {
  if (capabilities) return capabilities;
  const addon = loadNativeConv().addon;
  if (!addon) return undefined;
  const c = addon.capabilities();
  capabilities = { maxIsa: c.maxIsa, isa: c.direct.split(':').pop() ?? '', directKernel: c.direct, winogradKernel: c.winograd, winograd: c.winograd !== '', ownWinogradKernel: c.ownWinograd };
  return capabilities;
}

type WasmBackend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
};

interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

const CONV_KERNELS = [tf.Conv2D, tf.FusedConv2D, tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.Sum, tf.MaxPoolGrad] as const;
type ConvKernelName = (typeof CONV_KERNELS)[number];
/** Every wasm kernel `enableNativeConv` replaces (the element-wise ones are in native-elementwise.ts). */
const KERNELS = [...CONV_KERNELS, ...ELEMENTWISE_KERNELS] as const;
type KernelName = ConvKernelName | ElementwiseKernelName;

/**
 * How many kernel calls took each path since the last reset (tests check that the addon really ran).
 * `winograd` counts the primitive calls that ran a Winograd kernel (they are in `primitive` too).
 */
export const nativeConvCounts = { primitive: 0, winograd: 0, shifted: 0, general: 0, sum: 0, pool: 0, reluGrad: 0, fallback: 0 };

export function resetNativeConvCounts(): void {
  for (const key of Object.keys(nativeConvCounts) as Array<keyof typeof nativeConvCounts>) nativeConvCounts[key] = 0;
}

/** The one-pass ReLU gradient kernel the addon registers on wasm (tfjs has no such kernel). */
export const RELU_GRAD_KERNEL = 'SimganReluGrad';

let reluGradientRegistered = false;

/**
 * dy · (x > 0), ReLU's gradient: RELU_GRAD_KERNEL in one pass where the active backend has it (wasm with
 * the addon), tfjs's own mul(dy, cast(step(x))) otherwise; same bits either way (NaN stays NaN). `x` may
 * also be ReLU's output, which is > 0 exactly where its input is.
 */
export function reluBackward(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const fused = x.dtype === 'float32' && dy.dtype === 'float32' && tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) !== undefined;
  return fused ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }, {}) as tf.Tensor) : tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

/**
 * Replace tfjs's ReLU gradient, mul(dy, cast(step(x))), by one that runs RELU_GRAD_KERNEL when the active
 * backend has it (wasm with the addon) and tfjs's own composite otherwise, so every backend keeps its
 * numbers. Registered once: the gradient registry is global, the kernel is what enable/disable switch.
 */
function registerReluGradient(): void {
  if (reluGradientRegistered) return;
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => reluBackward(dy as tf.Tensor, saved[0]) }),
  });
  reluGradientRegistered = true;
}

/** The configs replaced by `enableNativeConv`, restored by `disableNativeConv`. */
let previous: Map<KernelName, tf.KernelConfig> | undefined;
let state: NativeConvState | undefined;

/** Kernels with more offsets (e.g. 7×7 = 49 is allowed) leave the shifted-GEMM path. */
const MAX_KERNEL_OFFSETS = 64;
/** Longest im2col row (kh·kw·Ci) the general path takes: its 1024-row tile is then at most 64 MiB. */
const MAX_COLUMN_LENGTH = 16384;

export interface Geometry {
  n: number; h: number; w: number; ci: number; co: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number; pt: number; pl: number; oh: number; ow: number;
}

/** The convolution's sizes and padding, or undefined for what the addon does not take (NCHW, negative padding). */
function geometry(xShape: number[], filterShape: number[], attrs: Record<string, unknown>): Geometry | undefined {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC' && attrs.dataFormat !== 'channelsLast') return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    (attrs.dilations as [number, number] | number | undefined) ?? 1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  if (info.padInfo.top < 0 || info.padInfo.left < 0) return undefined;
  const g: Geometry = {
    n: info.batchSize, h: info.inHeight, w: info.inWidth, ci: info.inChannels, co: info.outChannels,
    kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    dh: info.dilationHeight, dw: info.dilationWidth, pt: info.padInfo.top, pl: info.padInfo.left, oh: info.outHeight, ow: info.outWidth,
  };
  return g;
}

/** The addon's convolution kinds (native/conv.c: PRIM_FORWARD, PRIM_FILTER_GRAD, PRIM_INPUT_GRAD, and conv_general's modes). */
const FORWARD = 0, FILTER_GRAD = 1, INPUT_GRAD = 2;
type Kind = typeof FORWARD | typeof FILTER_GRAD | typeof INPUT_GRAD;

/**
 * Whether to ask oneDNN for a primitive, and with which algorithm (undefined: use the sgemm paths). Chosen from
 * per-layer timings of the eye networks at batch 32–64 (DESIGN.md, "Performance decisions"): with ≥ 16 channels
 * on both sides Winograd took 25–40% less time than oneDNN's direct kernel for the 3×3 forward and input
 * gradient (half the shifted GEMM's), but its filter gradient was no faster than the direct one; oneDNN's input
 * gradient of a one-channel image was 2× slower than im2col's.
 */
export function primitiveChoice(kind: Kind, g: Geometry, algorithm: NativeConvAlgorithm, minChannels: number, ownWinograd = false): 'winograd' | 'direct' | undefined {
  if (algorithm === 'sgemm') return undefined;
  if (kind === INPUT_GRAD && g.ci < minChannels) return undefined;
  const winogradShape = g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.ci >= 16 && g.co >= 16;
  // The filter gradient: oneDNN's Winograd did not beat its direct kernel (AVX-512); the addon's own, where
  // oneDNN has none, beat oneDNN's AVX2 direct kernel (DESIGN.md, "CPU kinds").
  return algorithm === 'auto' && winogradShape && (kind !== FILTER_GRAD || ownWinograd) ? 'winograd' : 'direct';
}

/**
 * How the sgemm paths run a convolution: `shifted` (stride 1, dilation 1, enough channels: one GEMM per kernel
 * offset, no copies of the input), `general` (anything else: im2col in row tiles, one GEMM per tile), or
 * undefined (an im2col row too long) for the previously registered kernel.
 */
function sgemmPath(g: Geometry, minChannels: number): 'shifted' | 'general' | undefined {
  const unit = g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1;
  if (unit && g.ci >= minChannels && g.co >= minChannels && g.kh * g.kw <= MAX_KERNEL_OFFSETS) return 'shifted';
  if (g.kh * g.kw * g.ci <= MAX_COLUMN_LENGTH) return 'general';
  return undefined;
}

function general(addon: NativeConvAddon, mode: Kind, g: Geometry, a: Float32Array, b: Float32Array, out: Float32Array): void {
  addon.convGeneral(mode, a, b, out, g.n, g.h, g.w, g.ci, g.kh, g.kw, g.co, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow);
}

/** Run `kind` as a oneDNN primitive when the policy and oneDNN agree; false when the sgemm paths must do it. */
function tryPrimitive(
  addon: NativeConvAddon, kind: Kind, g: Geometry, algorithm: NativeConvAlgorithm, minChannels: number,
  a: Float32Array, b: Float32Array, out: Float32Array, bias: Float32Array | null = null, relu = false,
): boolean {
  const choice = primitiveChoice(kind, g, algorithm, minChannels, !nativeConvCapabilities()!.winograd);
  if (!choice) return false;
  const impl = addon.convPrimitive(kind, a, b, out, bias, relu ? 1 : 0, choice === 'winograd' ? 1 : 0,
    g.n, g.h, g.w, g.ci, g.kh, g.kw, g.co, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow);
  if (impl === null) return false;
  nativeConvCounts.primitive++;
  if (impl.includes('wino')) nativeConvCounts.winograd++;
  return true;
}

type Fallback = (name: KernelName, args: KernelArgs) => TensorInfo;

function kernelFuncs(addon: NativeConvAddon, minChannels: number, algorithm: NativeConvAlgorithm, fallback: Fallback): Record<ConvKernelName, (a: KernelArgs) => TensorInfo> {
  /** y = conv(x, filter) (+ bias, ReLU) into a new output tensor, or undefined when this convolution is not ours. */
  const forward = (args: KernelArgs, x: TensorInfo, filter: TensorInfo, bias?: TensorInfo, relu = false): TensorInfo | undefined => {
    const g = geometry(x.shape, filter.shape, args.attrs);
    if (!g || x.dtype !== 'float32') return undefined;
    const b = args.backend;
    const out = b.makeOutput([g.n, g.oh, g.ow, g.co], 'float32');
    // Views are taken after makeOutput: an allocation may grow (and so replace) the wasm memory buffer.
    const y = b.typedArrayFromHeap(out);
    const biasValues = bias ? b.typedArrayFromHeap(bias) : null;
    if (tryPrimitive(addon, FORWARD, g, algorithm, minChannels, b.typedArrayFromHeap(x), b.typedArrayFromHeap(filter), y, biasValues, relu)) return out;
    const path = sgemmPath(g, minChannels);
    if (!path) {
      b.disposeData(out.dataId);
      return undefined;
    }
    nativeConvCounts[path]++;
    if (path === 'shifted') {
      addon.conv(b.typedArrayFromHeap(x), b.typedArrayFromHeap(filter), y, g.n, g.h, g.w, g.ci, g.kh, g.kw, g.co, g.pt, g.pl, g.oh, g.ow, biasValues, relu ? 1 : 0);
    } else {
      general(addon, FORWARD, g, b.typedArrayFromHeap(x), b.typedArrayFromHeap(filter), y);
      if (biasValues || relu) addon.biasAct(y, biasValues, g.co, relu ? 1 : 0);
    }
    return out;
  };

  const conv2D = (args: KernelArgs): TensorInfo => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    return forward(args, x, filter) ?? fallback(tf.Conv2D, args);
  };

  const fusedConv2D = (args: KernelArgs): TensorInfo => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const activation = (args.attrs.activation as string | undefined) ?? 'linear';
    const co = filter!.shape[3];
    const simpleBias = bias == null || (bias.shape.length === 1 && bias.shape[0] === co);
    if (preluActivationWeights != null || !simpleBias || (activation !== 'linear' && activation !== 'relu')) return fallback(tf.FusedConv2D, args);
    return forward(args, x!, filter!, bias ?? undefined, activation === 'relu') ?? fallback(tf.FusedConv2D, args);
  };

  /**
   * A gradient kernel: a oneDNN primitive when it takes the shape, else the sgemm paths (`shifted` runs the
   * addon's stride-1 function with this kernel's argument order), else the kernel registered before.
   */
  const gradient = (
    name: KernelName, kind: Kind, args: KernelArgs, g: Geometry | undefined, outShape: number[], inA: TensorInfo, inB: TensorInfo,
    shifted: (a: Float32Array, b: Float32Array, out: Float32Array, g: Geometry) => void,
  ): TensorInfo => {
    if (!g) return fallback(name, args);
    const b = args.backend;
    const out = b.makeOutput(outShape, 'float32');
    const [as, bs, os] = [b.typedArrayFromHeap(inA), b.typedArrayFromHeap(inB), b.typedArrayFromHeap(out)];
    if (tryPrimitive(addon, kind, g, algorithm, minChannels, as, bs, os)) return out;
    const path = sgemmPath(g, minChannels);
    if (!path) {
      b.disposeData(out.dataId);
      return fallback(name, args);
    }
    nativeConvCounts[path]++;
    if (path === 'shifted') shifted(as, bs, os, g);
    else general(addon, kind, g, as, bs, os);
    return out;
  };

  const backpropFilter = (args: KernelArgs): TensorInfo => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const filterShape = args.attrs.filterShape as number[];
    return gradient(tf.Conv2DBackpropFilter, FILTER_GRAD, args, geometry(x.shape, filterShape, args.attrs), filterShape, x, dy,
      (xs, dys, dw, g) => addon.filterGrad(xs, dys, dw, g.n, g.h, g.w, g.ci, g.oh, g.ow, g.co, g.kh, g.kw, g.pt, g.pl));
  };

  const backpropInput = (args: KernelArgs): TensorInfo => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const inputShape = args.attrs.inputShape as number[];
    return gradient(tf.Conv2DBackpropInput, INPUT_GRAD, args, geometry(inputShape, filter.shape, args.attrs), inputShape, dy, filter,
      (dys, ws, dx, g) => addon.inputGrad(dys, ws, dx, g.n, g.oh, g.ow, g.co, g.kh, g.kw, g.ci, g.pt, g.pl, g.h, g.w));
  };

  /** A bias gradient (sum over every axis but the last) is one pass in C; any other Sum stays on wasm. */
  const sum = (args: KernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(args.attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
    const allButLast = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !allButLast) return fallback(tf.Sum, args);
    const c = x.shape[rank - 1];
    const shape = args.attrs.keepDims ? [...Array(rank - 1).fill(1), c] : [c];
    const out = args.backend.makeOutput(shape, 'float32');
    addon.sumRows(args.backend.typedArrayFromHeap(x), c, args.backend.typedArrayFromHeap(out));
    nativeConvCounts.sum++;
    return out;
  };

  /** wasm's MaxPoolGrad takes ~10 ms on the eye discriminator's 32×9×14×64 map; one pass in C is ~1 ms. */
  const maxPoolGrad = (args: KernelArgs): TensorInfo => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    if (input.dtype !== 'float32' || input.shape.length !== 4) return fallback(tf.MaxPoolGrad, args);
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      args.attrs.filterSize as [number, number] | number,
      args.attrs.strides as [number, number] | number,
      1,
      args.attrs.pad as 'same' | 'valid' | number,
      args.attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    const b = args.backend;
    const out = b.makeOutput(input.shape, 'float32');
    addon.maxPoolGrad(
      b.typedArrayFromHeap(dy), b.typedArrayFromHeap(input), b.typedArrayFromHeap(out),
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth,
      info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
    );
    nativeConvCounts.pool++;
    return out;
  };

  return { [tf.Conv2D]: conv2D, [tf.FusedConv2D]: fusedConv2D, [tf.Conv2DBackpropFilter]: backpropFilter, [tf.Conv2DBackpropInput]: backpropInput, [tf.Sum]: sum, [tf.MaxPoolGrad]: maxPoolGrad } as Record<ConvKernelName, (a: KernelArgs) => TensorInfo>;
}

/**
 * Route the wasm backend's eligible convolutions through the addon. Call after the wasm gradient kernels are
 * registered (they become the fallbacks). Returns undefined, with the reason, when the addon is unavailable.
 */
export function enableNativeConv(options: NativeConvOptions = {}): { state?: NativeConvState; reason?: string } {
  const { addon, reason } = loadNativeConv();
  if (!addon) return { reason };
  const minChannels = options.minChannels ?? 8;
  const threads = options.threads ?? 1;
  const algorithm = options.algorithm ?? 'auto';
  if (!NATIVE_CONV_ALGORITHMS.includes(algorithm)) throw new Error(`enableNativeConv: algorithm must be one of ${NATIVE_CONV_ALGORITHMS.join(', ')}, got ${JSON.stringify(algorithm)}`);
  if (!(Number.isInteger(minChannels) && minChannels >= 1)) throw new Error(`enableNativeConv: minChannels must be an integer ≥ 1, got ${minChannels}`);
  if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`enableNativeConv: threads must be an integer ≥ 1, got ${threads}`);
  if (previous) disableNativeConv();
  const saved = new Map<KernelName, tf.KernelConfig>();
  for (const name of KERNELS) {
    const config = tf.getKernel(name, 'wasm');
    if (!config) throw new Error(`enableNativeConv: wasm kernel ${name} is not registered (register the wasm gradient kernels first)`);
    saved.set(name, config);
  }
  const fallback = (name: KernelName, args: KernelArgs) => (nativeConvCounts.fallback++, saved.get(name)!.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo);
  const funcs: Record<KernelName, (a: KernelArgs) => TensorInfo> = {
    ...kernelFuncs(addon, minChannels, algorithm, fallback),
    ...elementwiseKernelFuncs(addon, (name, args) => saved.get(name)!.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo),
  };
  for (const name of KERNELS) {
    const old = saved.get(name)!;
    tf.unregisterKernel(name, 'wasm');
    // Keep the original setupFunc: the fallback needs it when the backend initialises after this call.
    tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: old.setupFunc, kernelFunc: funcs[name] as unknown as tf.KernelFunc });
  }
  registerReluGradient();
  tf.registerKernel({
    kernelName: RELU_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: ((args: KernelArgs): TensorInfo => {
      const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
      const out = args.backend.makeOutput(x.shape, 'float32');
      addon.reluGrad(args.backend.typedArrayFromHeap(dy), args.backend.typedArrayFromHeap(x), args.backend.typedArrayFromHeap(out));
      nativeConvCounts.reluGrad++;
      return out;
    }) as unknown as tf.KernelFunc,
  });
  previous = saved;
  addon.setThreads(threads);
  const info = addon.info();
  const caps = nativeConvCapabilities()!;
  const winograd = algorithm === 'auto';
  state = {
    library: info.library, threads: info.threads, minChannels, algorithm, capabilities: caps, winograd,
    ...(winograd ? { winogradKernel: caps.winograd ? caps.winogradKernel : caps.ownWinogradKernel } : {}),
  };
  return { state };
}

/** Put back the kernels `enableNativeConv` replaced (no-op when it is not enabled). */
export function disableNativeConv(): void {
  if (!previous) return;
  for (const [name, config] of previous) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
  tf.unregisterKernel(RELU_GRAD_KERNEL, 'wasm');
  previous = undefined;
  state = undefined;
  loadNativeConv().addon?.release();
}

/** The active native convolution settings, or undefined when the wasm kernels run alone. */
export function nativeConvState(): NativeConvState | undefined {
  return state;
}
