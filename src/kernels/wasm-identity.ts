/**
 * A zero-copy Identity for the wasm backend. tfjs 4.22's wasm Identity copies the whole tensor; autodiff and
 * tfjs-layers call it on every activation of a training step (≈ 40 ms per paper-eyes refiner step at batch
 * 32). Sharing the buffer and counting the reference is what the cpu backend does, and the wasm backend's
 * own Reshape already shares buffers the same way: no wasm kernel writes into its inputs.
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
