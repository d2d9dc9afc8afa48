/**
 * A 'same'-padded convolution with bias and ReLU that stays one fused kernel while gradients are recorded.
 *
 * tfjs's `fused.conv2d` (what `tf.layers.conv2d` calls) falls back to conv → bias add → ReLU, three passes
 * over the output, whenever a gradient tape is on: its fused gradient supports only a linear activation.
 * Every training step records one, so every ReLU convolution of the refiner and D paid two extra passes
 * over its output (on the paper-eyes refiner, 16 MiB each). `conv2dBiasRelu` runs the backend's
 * `FusedConv2D` kernel directly, and this module registers that kernel's gradient (tfjs has none: its op
 * wraps the kernel in a custom gradient, which the tape never sees): the ReLU mask read from the output
 * (y > 0 exactly where the pre-activation is > 0; a NaN stays NaN), then the backend's two convolution
 * gradients and the bias sum, each computed only if the tape needs it (the network's input needs no
 * gradient in a discriminator step).
 */
import { tf } from '../backend';
import { reluBackward } from '../kernels/native-conv';

type Kwargs = Record<string, unknown>;

let gradientRegistered = false;

/** FusedConv2D's gradient, for bias-or-not and linear-or-ReLU: what `conv2dBiasRelu` records. */
function registerFusedConvGradient(): void {
  if (gradientRegistered) return;
  tf.registerGradient({
    kernelName: tf.FusedConv2D,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved;
      const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = attrs as unknown as tf.FusedConv2DAttrs;
      if (activation !== 'linear' && activation !== 'relu') throw new Error(`FusedConv2D gradient: activation ${activation} is not supported (linear or relu)`);
      if (dataFormat !== 'NHWC' || !tf.backend_util.tupleValuesAreOne(dilations)) throw new Error('FusedConv2D gradient: NHWC without dilation only');
      const dz = activation === 'relu' ? reluBackward(dy as tf.Tensor, y) : (dy as tf.Tensor);
      const conv = { strides, pad, dataFormat, dimRoundingMode } as unknown as tf.NamedAttrMap;
      return {
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter }, { ...conv, inputShape: x.shape }) as tf.Tensor,
        filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, { ...conv, filterShape: filter.shape }) as tf.Tensor,
        bias: () => tf.sum(dz, [0, 1, 2]),
      };
    },
  });
  gradientRegistered = true;
}

/**
 * relu(conv2d(x, filter, stride, 'same') + bias) for NHWC `x` [n, h, w, cin], `filter` [k, k, cin, cout] and
 * `bias` [cout], differentiable in all three.
 */
export function conv2dBiasRelu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, stride: number): tf.Tensor4D {
  registerFusedConvGradient();
  const attrs = { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu' };
  return tf.engine().runKernel(tf.FusedConv2D, { x, filter, bias }, attrs) as tf.Tensor4D;
}

export interface ConvReluArgs {
  name: string;
  filters: number;
  kernelSize: number;
  /** Default 1. */
  strides?: number;
  kernelInitializer: ReturnType<typeof tf.initializers.glorotUniform>;
}

/**
 * The layer form: what `tf.layers.conv2d({ padding: 'same', activation: 'relu', … })` is, with the same
 * weights (`<name>/kernel` [k, k, cin, filters] from `kernelInitializer`, then `<name>/bias` zeros, in that
 * order, so checkpoints and seeded initial weights are unchanged), the same config in `simgan describe`
 * and the same class name, but its ReLU fused under a gradient tape too (`conv2dBiasRelu`).
 */
export class ConvRelu extends tf.layers.Layer {
  /** What `describe` and `getClassName()` show: the layer is a Conv2D with a ReLU activation. */
  static className = 'Conv2D';
  private readonly filters: number;
  private readonly kernelSize: number;
  private readonly stride: number;
  private readonly kernelInitializer: ConvReluArgs['kernelInitializer'];
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: ConvReluArgs) {
    super({ name: args.name });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.stride = args.strides ?? 1;
    this.kernelInitializer = args.kernelInitializer;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const cin = shape[shape.length - 1];
    if (cin == null) throw new Error(`${this.name}: the input's channel count must be known`);
    this.kernel = this.addWeight('kernel', [this.kernelSize, this.kernelSize, cin, this.filters], 'float32', this.kernelInitializer);
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const out = (d: number | null) => (d == null ? null : Math.ceil(d / this.stride));
    return [n, out(h), out(w), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return conv2dBiasRelu(x, this.kernel!.read() as tf.Tensor4D, this.bias!.read() as tf.Tensor1D, this.stride);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      filters: this.filters,
      kernelSize: [this.kernelSize, this.kernelSize],
      strides: [this.stride, this.stride],
      padding: 'same',
      activation: 'relu',
      ...super.getConfig(),
    };
  }
}
