/**
 * Zero-copy Identity and same-dtype Cast for the wasm backend. tfjs 4.22's wasm Identity copies the whole
 * tensor; autodiff and tfjs-layers call it on every activation of a training step (≈ 40 ms per paper-eyes
 * refiner step at batch 32). Sharing the buffer and counting the reference is what the cpu backend does, and
 * the wasm backend's own Reshape already shares buffers the same way: no wasm kernel writes into its inputs.
 */
import * as tf from '@tensorflow/tfjs';

type WasmBackend = tf.KernelBackend & { incRef(dataId: object): void };

function identity(args: { inputs: { x: tf.TensorInfo }; backend: WasmBackend }): tf.TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function registerZeroCopyIdentity(): void {
  if (tf.getKernel(tf.Identity, 'wasm')) tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({ kernelName: tf.Identity, backendName: 'wasm', kernelFunc: identity as unknown as tf.KernelFunc });
}

/** wasm's own Cast, kept for the casts that change the dtype (and so registering twice does not wrap twice). */
let wasmCast: tf.KernelConfig | undefined;

/**
 * Cast to the tensor's own dtype shares the buffer the same way. Autodiff's gradient of Identity is
 * cast(dy, 'float32'); tfjs-layers' Add merge clones its first input, so every residual block's backward pass
 * copied a whole map (≈ 3 ms each at paper-eyes size). Casts that change the dtype run wasm's kernel.
 */
export function registerZeroCopyCast(): void {
  wasmCast ??= tf.getKernel(tf.Cast, 'wasm');
  if (!wasmCast) return;
  const original = wasmCast;
  const cast = (args: { inputs: { x: tf.TensorInfo }; backend: WasmBackend; attrs: { dtype: tf.DataType } }): tf.TensorInfo =>
    args.inputs.x.dtype === args.attrs.dtype ? identity(args) : (original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo);
  tf.unregisterKernel(tf.Cast, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: cast as unknown as tf.KernelFunc });
}
