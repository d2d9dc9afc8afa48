/** Layer tables for `simgan describe`: names, types, output shapes and parameter counts. */
import { tf } from '../backend';
import type { SimGANConfig } from '../config';
import { buildDiscriminator, discriminatorOutputShape } from './discriminator';
import { buildRefiner } from './refiner';

export interface LayerRow {
  name: string;
  type: string;
  /** Output shape without the batch dimension. */
  outputShape: number[];
  params: number;
  /** Kernel size / strides / filters where the layer has them. */
  config?: Record<string, unknown>;
}

export interface NetworkDescription {
  name: string;
  input: number[];
  output: number[];
  params: number;
  layers: LayerRow[];
}

function describeModel(model: tf.LayersModel): NetworkDescription {
  const layers = model.layers.map((l) => {
    const c = l.getConfig();
    const pick: Record<string, unknown> = {};
    for (const k of ['filters', 'kernelSize', 'strides', 'poolSize', 'padding', 'activation', 'units']) if (k in c) pick[k] = c[k];
    const shape = (Array.isArray(l.outputShape[0]) ? l.outputShape[0] : l.outputShape) as number[];
    return { name: l.name, type: l.getClassName(), outputShape: shape.slice(1), params: l.countParams(), config: Object.keys(pick).length ? pick : undefined };
  });
  return {
    name: model.name,
    input: (model.inputs[0].shape as number[]).slice(1),
    output: (model.outputs[0].shape as number[]).slice(1),
    params: model.countParams(),
    layers,
  };
}

export interface ConfigDescription {
  preset: string;
  refiner: NetworkDescription;
  discriminator: NetworkDescription & { head: 'local' | 'global'; patchesPerImage: number };
}

/** Build both networks of a config (no training) and describe them; the models are disposed. */
export function describeConfig(config: SimGANConfig): ConfigDescription {
  const r = buildRefiner(config, config.seed);
  const d = buildDiscriminator(config, config.seed);
  try {
    const out = discriminatorOutputShape(d);
    return {
      preset: config.preset,
      refiner: describeModel(r),
      discriminator: { ...describeModel(d), head: config.adversarial, patchesPerImage: out.length === 3 ? out[0] * out[1] : 1 },
    };
  } finally {
    r.dispose();
    d.dispose();
  }
}

export function formatDescription(desc: ConfigDescription): string {
  const table = (n: NetworkDescription) =>
    [
      `${n.name}: input [${n.input.join('×')}] → output [${n.output.join('×')}], ${n.params.toLocaleString('en-US')} parameters`,
      ...n.layers.map((l) => `  ${l.name.padEnd(28)} ${l.type.padEnd(14)} [${l.outputShape.join('×')}]`.padEnd(64) + `${l.params.toLocaleString('en-US').padStart(10)}`),
    ].join('\n');
  return [
    `preset ${desc.preset}`,
    table(desc.refiner),
    table(desc.discriminator),
    `discriminator head: ${desc.discriminator.head} (${desc.discriminator.patchesPerImage} patch decision${desc.discriminator.patchesPerImage === 1 ? '' : 's'} per image)`,
  ].join('\n\n');
}
