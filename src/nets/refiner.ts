/**
 * The refiner R: a fully convolutional ResNet with no striding or pooling, so the refined image has the
 * input's size. conv k×k (filters) → `blocks` × [conv k×k → ReLU → conv k×k, + skip, ReLU] → conv 1×1 to
 * the image's channels → tanh, which keeps the output in the images' [-1, 1] range.
 */
import { tf } from '../backend';
import type { SimGANConfig } from '../config';
import { ConvRelu } from './conv-relu';

/** Seeded Glorot-uniform initializer: layer i of a network built with `seed` gets `seed·1000 + i`. */
export function seededInit(seed: number, index: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: (seed * 1000 + index) % 2 ** 31 });
}

export function buildRefiner(config: Pick<SimGANConfig, 'image' | 'refiner'>, seed: number): tf.LayersModel {
  const { height, width, channels } = config.image;
  const { filters, blocks, kernel } = config.refiner;
  let layerIndex = 0;
  // Layer names are fixed (tfjs suffixes variable names when a second model reuses them), so checkpoints
  // and `simgan describe` read the same in every process.
  // ReLU convolutions are `ConvRelu`: a Conv2D whose ReLU stays fused while gradients are recorded.
  const conv = (name: string, f: number, k: number, activation: 'relu' | 'linear' | 'tanh') =>
    activation === 'relu'
      ? new ConvRelu({ name, filters: f, kernelSize: k, kernelInitializer: seededInit(seed, layerIndex++) })
      : tf.layers.conv2d({ name, filters: f, kernelSize: k, padding: 'same', activation, kernelInitializer: seededInit(seed, layerIndex++) });

  const input = tf.input({ shape: [height, width, channels], name: 'synthetic' });
  let x = conv('conv_in', filters, kernel, 'relu').apply(input) as tf.SymbolicTensor;
  for (let b = 1; b <= blocks; b++) {
    const y1 = conv(`block${b}_conv1`, filters, kernel, 'relu').apply(x) as tf.SymbolicTensor;
    const y2 = conv(`block${b}_conv2`, filters, kernel, 'linear').apply(y1) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: `block${b}_add` }).apply([x, y2]);
    x = tf.layers.activation({ name: `block${b}_relu`, activation: 'relu' }).apply(sum) as tf.SymbolicTensor;
  }
  const out = conv('conv_out', channels, 1, 'tanh').apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'refiner' });
}
