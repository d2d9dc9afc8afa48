/**
 * Convolution gradients for the wasm backend, built on its fast Conv2D (XNNPACK).
 *
 * tfjs 4.22's wasm backend registers no Conv2DBackpropFilter (so no convolution can be trained on it) and
 * its Conv2DBackpropInput is a scalar loop. Both gradients are themselves convolutions:
 *
 *  - filter gradient: dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s+a−pt, j·s+b−pl, ci] · dy[n,i,j,co]. Read x with
 *    channels as the batch, [Ci,H,W,N], and dy as a filter, [Ho,Wo,N,Co]; a stride-1 convolution *dilated
 *    by the stride* then yields [Ci,kh,kw,Co], which transposes to [kh,kw,Ci,Co].
 *  - input gradient: the "full" convolution of dy, with (s−1) zeros inserted between its rows and columns,
 *    with the spatially flipped filter whose in/out channels are swapped, [kh,kw,Co,Ci].
 *
 * Only NHWC and unit dilation are handled, which is all tfjs's conv2d gradient ever requests.
 * Intermediate tensors are created and freed at the backend level: a kernel must not create engine tensors.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
type Backend = tf.KernelBackend & { disposeData(dataId: object, force?: boolean): boolean };
type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The wasm kernels these gradients are built from, as registered when `registerWasmConvGradients` ran. A later
 * override (the native convolutions in `native-conv.ts` wrap Conv2D) must not be picked up here: it would send
 * the filter gradient's image-sized "filter" convolution through a path made for 3×3 kernels.
 */
const buildingBlocks = new Map<string, tf.KernelConfig>();
const BUILDING_BLOCKS = ['Conv2D', 'Transpose', 'Reshape', 'Slice', 'PadV2', 'Reverse'];

/** Runs other wasm kernels inside a kernel, and frees every intermediate it made. */
class KernelScope {
  private readonly temps: TensorInfo[] = [];
  constructor(private readonly backend: Backend) {}

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown> = {}): TensorInfo {
    const config = buildingBlocks.get(kernelName) ?? tf.getKernel(kernelName, 'wasm');
    if (!config) throw new Error(`wasm kernel ${kernelName} is not registered`);
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  /** Free all intermediates except `keep` (the kernel's output, which the engine takes over). */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== keep) this.backend.disposeData(t.dataId);
    return keep;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  /** Stride-1 convolution with explicit non-negative padding and the given dilation. */
  conv(x: TensorInfo, filter: TensorInfo, pad: Pad4, dilations: [number, number]): TensorInfo {
    return this.run('Conv2D', { x, filter }, { strides: [1, 1], pad, dilations, dataFormat: 'NHWC', dimRoundingMode: undefined });
  }

  /**
   * Pad (positive) or crop (negative) the two spatial dimensions of an NHWC tensor: negative amounts are
   * cropped here with a Slice, positive ones are returned for the convolution to pad implicitly.
   */
  cropSpatial(x: TensorInfo, top: number, bottom: number, left: number, right: number): { x: TensorInfo; pad: Pad4 } {
    const [n, h, w, c] = x.shape;
    const ct = Math.max(0, -top), cb = Math.max(0, -bottom), cl = Math.max(0, -left), cr = Math.max(0, -right);
    const cropped = ct || cb || cl || cr ? this.slice(x, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]) : x;
    return { x: cropped, pad: [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]] };
  }

  /** Insert (s−1) zeros after each row/column: [N,H,W,C] → [N,H·sh,W·sw,C] (trailing zeros included). */
  zeroDilate(x: TensorInfo, sh: number, sw: number): TensorInfo {
    const [n, h, w, c] = x.shape;
    let y = x;
    if (sh > 1) {
      const r = this.reshape(y, [n, h, 1, w * c]);
      const p = this.run('PadV2', { x: r }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0]], constantValue: 0 });
      y = this.reshape(p, [n, h * sh, w, c]);
    }
    if (sw > 1) {
      const r = this.reshape(y, [n * h * sh, w, 1, c]);
      const p = this.run('PadV2', { x: r }, { paddings: [[0, 0], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
      y = this.reshape(p, [n, h * sh, w * sw, c]);
    }
    return y;
  }
}

interface ConvGeometry {
  sh: number;
  sw: number;
  kh: number;
  kw: number;
  pt: number;
  pl: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
}

function geometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: { strides: [number, number] | number; pad: unknown; dimRoundingMode?: 'floor' | 'round' | 'ceil'; dataFormat?: string },
  kernelName: string,
): ConvGeometry {
  if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} on wasm supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    sh: info.strideHeight,
    sw: info.strideWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
    inH: info.inHeight,
    inW: info.inWidth,
    outH: info.outHeight,
    outW: info.outWidth,
  };
}

/** dW from x [N,H,W,Ci] and dy [N,Ho,Wo,Co]. */
export function conv2DBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: Backend;
  attrs: { strides: [number, number] | number; pad: unknown; dimRoundingMode?: 'floor' | 'round' | 'ceil'; dataFormat?: string; filterShape: [number, number, number, number] };
}): TensorInfo {
  const { x, dy } = args.inputs;
  const g = geometry(x.shape as [number, number, number, number], args.attrs.filterShape, args.attrs, 'Conv2DBackpropFilter');
  const s = new KernelScope(args.backend);
  // Rows the strided windows actually read: −pt … (Ho−1)·sh + kh − 1 − pt. Pad or crop x to exactly that.
  const bottom = (g.outH - 1) * g.sh + g.kh - g.pt - g.inH;
  const right = (g.outW - 1) * g.sw + g.kw - g.pl - g.inW;
  const xc = s.cropSpatial(x, g.pt, bottom, g.pl, right);
  const xT = s.transpose(xc.x, [3, 1, 2, 0]); // [Ci, H, W, N]
  const dyT = s.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const dw = s.conv(xT, dyT, xc.pad, [g.sh, g.sw]); // [Ci, kh, kw, Co]
  return s.finish(s.transpose(dw, [1, 2, 0, 3]));
}

/** dx from dy [N,Ho,Wo,Co] and filter [kh,kw,Ci,Co]. */
export function conv2DBackpropInputWasm(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: Backend;
  attrs: { strides: [number, number] | number; pad: unknown; dimRoundingMode?: 'floor' | 'round' | 'ceil'; dataFormat?: string; inputShape: [number, number, number, number] };
}): TensorInfo {
  const { dy, filter } = args.inputs;
  const g = geometry(args.attrs.inputShape, filter.shape as [number, number, number, number], args.attrs, 'Conv2DBackpropInput');
  const s = new KernelScope(args.backend);
  const dyD = s.zeroDilate(dy, g.sh, g.sw); // [N, Ho·sh, Wo·sw, Co]
  // Full correlation: pad kh−1−pt above; below, whatever makes the output exactly H rows tall.
  const top = g.kh - 1 - g.pt;
  const bottom = g.inH + g.kh - 1 - top - g.outH * g.sh;
  const left = g.kw - 1 - g.pl;
  const right = g.inW + g.kw - 1 - left - g.outW * g.sw;
  const dc = s.cropSpatial(dyD, top, bottom, left, right);
  const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
  const fT = s.transpose(flipped, [0, 1, 3, 2]); // [kh, kw, Co, Ci]
  return s.finish(s.conv(dc.x, fT, dc.pad, [1, 1]));
}

/** Register both kernels for the wasm backend, replacing the built-in Conv2DBackpropInput. */
export function registerWasmConvGradients(): void {
  for (const name of BUILDING_BLOCKS) {
    const config = tf.getKernel(name, 'wasm');
    if (config && !buildingBlocks.has(name)) buildingBlocks.set(name, config);
  }
  const kernels: Array<[string, tf.KernelFunc]> = [
    [tf.Conv2DBackpropFilter, conv2DBackpropFilterWasm as unknown as tf.KernelFunc],
    [tf.Conv2DBackpropInput, conv2DBackpropInputWasm as unknown as tf.KernelFunc],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
