/**
 * The discriminator D: a convolutional trunk (from the config) and one of two heads —
 *  - `local`: conv 1×1 → 2 logits at every position: a map of per-patch real/refined decisions (the paper);
 *  - `global`: flatten → dense → 2 logits per image (the ablation: the same trunk, one decision).
 * Logits, not probabilities, come out: the losses apply the softmax (stable), see `losses.ts`.
 * Convolutions use 'same' padding and ReLU (`ConvRelu`: fused under the gradient tape too); max-pools use
 * 'valid' padding.
 */
import { tf } from '../backend';
import type { SimGANConfig } from '../config';
import { ConvRelu } from './conv-relu';
import { seededInit } from './refiner';

export function buildDiscriminator(
  config: Pick<SimGANConfig, 'image' | 'discriminator' | 'adversarial'>,
  seed: number,
): tf.LayersModel {
  const { height, width, channels } = config.image;
  let layerIndex = 0;
  const input = tf.input({ shape: [height, width, channels], name: 'image' });
  let x: tf.SymbolicTensor = input;
  let convs = 0, pools = 0;
  for (const layer of config.discriminator.layers) {
    const next =
      layer.type === 'conv'
        ? new ConvRelu({
            name: `conv${++convs}`,
            filters: layer.filters,
            kernelSize: layer.kernel,
            strides: layer.stride,
            kernelInitializer: seededInit(seed, layerIndex++),
          })
        : tf.layers.maxPooling2d({ name: `pool${++pools}`, poolSize: layer.size, strides: layer.stride, padding: 'valid' });
    x = next.apply(x) as tf.SymbolicTensor;
    const [, h, w] = x.shape;
    if ((h ?? 0) < 1 || (w ?? 0) < 1) {
      throw new Error(`discriminator.layers shrink a ${height}×${width} image to nothing at layer ${JSON.stringify(layer)}`);
    }
  }
  const head =
    config.adversarial === 'local'
      ? tf.layers.conv2d({ name: 'head_local', filters: 2, kernelSize: 1, padding: 'same', kernelInitializer: seededInit(seed, layerIndex++) }).apply(x)
      : tf.layers.dense({ name: 'head_global', units: 2, kernelInitializer: seededInit(seed, layerIndex++) }).apply(tf.layers.flatten({ name: 'flatten' }).apply(x));
  return tf.model({ inputs: input, outputs: head as tf.SymbolicTensor, name: `discriminator_${config.adversarial}` });
}

/** Shape of D's output per image: [h, w, 2] (local) or [2] (global). */
export function discriminatorOutputShape(d: tf.LayersModel): number[] {
  return (d.outputs[0].shape as number[]).slice(1);
}
