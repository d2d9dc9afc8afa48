/**
 * The addon's element-wise kernels for the wasm backend: Add (same shapes, or one operand a trailing-axes
 * block such as a bias [C] or [1, 1, 1, C] broadcast over an NHWC map) and Relu, on the addon's threads.
 *
 * Why: the refiner's residual blocks add two maps and apply ReLU, gradients are summed where a map feeds
 * two layers, and any convolution outside `ConvRelu` (src/nets/conv-relu.ts) has its bias and ReLU un-fused
 * by tfjs under the gradient tape; wasm runs each such pass on one thread at ≈ 5 ms per 16 MiB map, which
 * does not shrink when the convolutions get a second core (docs/BENCHMARKS.md, "Two cores").
 * Results are bit-identical to wasm's (one IEEE addition or comparison per element). Anything else (other
 * dtypes, general broadcasting) goes to the kernel registered before.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;

/** What these kernels need of the addon (native/elementwise.c). */
export interface NativeElementwiseAddon {
  /** out[i] = a[i] + b[i mod b.length]; b.length divides a.length, out has a's length. */
  add(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out = max(0, x), NaN kept. */
  relu(x: Float32Array, out: Float32Array): void;
}

interface Args {
  inputs: Record<string, TensorInfo | undefined>;
  backend: tf.KernelBackend & { makeOutput(shape: number[], dtype: 'float32'): TensorInfo; typedArrayFromHeap(t: TensorInfo): Float32Array };
  attrs: Record<string, unknown>;
}

export const ELEMENTWISE_KERNELS = [tf.Add, tf.Relu] as const;
export type ElementwiseKernelName = (typeof ELEMENTWISE_KERNELS)[number];

/**
 * Whether `small` repeated along `big`'s leading axes is the broadcast of the two shapes: `small` without its
 * leading 1s is a suffix of `big` (same shapes included). Then element i of the result is big[i] + small[i mod
 * size(small)], which is all the addon's add does.
 */
export function isTrailingBlock(big: readonly number[], small: readonly number[]): boolean {
  let start = 0;
  while (start < small.length && small[start] === 1) start++;
  const core = small.slice(start);
  const offset = big.length - core.length;
  return offset >= 0 && core.every((d, i) => d === big[offset + i]);
}

/** How many calls each kernel took (tests check the addon really ran); `fallback` counts the calls passed on. */
export const nativeElementwiseCounts = { add: 0, relu: 0, fallback: 0 };

export function elementwiseKernelFuncs(
  addon: NativeElementwiseAddon,
  fallback: (name: ElementwiseKernelName, args: Args) => TensorInfo,
): Record<ElementwiseKernelName, (args: Args) => TensorInfo> {
  const add = (args: Args): TensorInfo => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return (nativeElementwiseCounts.fallback++, fallback(tf.Add, args));
    // Addition is commutative bit for bit, so the larger operand can go first.
    const [big, small] = tf.util.sizeFromShape(a.shape) >= tf.util.sizeFromShape(b.shape) ? [a, b] : [b, a];
    if (tf.util.sizeFromShape(small.shape) === 0 || !isTrailingBlock(big.shape, small.shape)) return (nativeElementwiseCounts.fallback++, fallback(tf.Add, args));
    // The broadcast shape keeps the higher rank: [C] + [N, H, W, C] is [N, H, W, C]; [1, 1, C] + [W, C] is [1, W, C].
    const rank = Math.max(big.shape.length, small.shape.length);
    const shape = [...Array(rank - big.shape.length).fill(1), ...big.shape];
    const out = args.backend.makeOutput(shape, 'float32');
    // Views after makeOutput: an allocation may replace the wasm memory buffer.
    addon.add(args.backend.typedArrayFromHeap(big), args.backend.typedArrayFromHeap(small), args.backend.typedArrayFromHeap(out));
    nativeElementwiseCounts.add++;
    return out;
  };

  const relu = (args: Args): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32') return (nativeElementwiseCounts.fallback++, fallback(tf.Relu, args));
    const out = args.backend.makeOutput(x.shape, 'float32');
    addon.relu(args.backend.typedArrayFromHeap(x), args.backend.typedArrayFromHeap(out));
    nativeElementwiseCounts.relu++;
    return out;
  };

  return { [tf.Add]: add, [tf.Relu]: relu } as Record<ElementwiseKernelName, (args: Args) => TensorInfo>;
}
