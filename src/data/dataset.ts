/**
 * The one interface the trainer consumes: an in-memory set of images in [-1, 1], NHWC, with optional labels.
 */
import { tf } from '../backend';
import { Rng } from '../util/random';

export interface ImageDataset {
  readonly name: string;
  /** [height, width, channels] */
  readonly imageShape: [number, number, number];
  readonly size: number;
  /** Images by index, as a new [n, h, w, c] tensor (the caller disposes it). */
  batch(indices: number[]): tf.Tensor4D;
  /** Per-image label vectors (e.g. a gaze vector, a class), when the domain has them. */
  readonly labels?: Float32Array[];
}

/** `n` random indices (with replacement) drawn with `rng`. */
export function sampleIndices(size: number, n: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => Math.floor(rng.next() * size));
}

/** An `ImageDataset` over one Float32Array holding `size` images back to back. */
export class ArrayImageDataset implements ImageDataset {
  readonly size: number;
  private readonly per: number;

  constructor(
    readonly name: string,
    readonly imageShape: [number, number, number],
    private readonly pixels: Float32Array,
    readonly labels?: Float32Array[],
  ) {
    this.per = imageShape[0] * imageShape[1] * imageShape[2];
    if (pixels.length % this.per !== 0) throw new Error(`${name}: ${pixels.length} values are not a whole number of ${imageShape.join('×')} images`);
    this.size = pixels.length / this.per;
    if (labels && labels.length !== this.size) throw new Error(`${name}: ${labels.length} labels for ${this.size} images`);
  }

  batch(indices: number[]): tf.Tensor4D {
    const out = new Float32Array(indices.length * this.per);
    indices.forEach((idx, i) => {
      if (!(idx >= 0 && idx < this.size)) throw new Error(`${this.name}: index ${idx} outside 0…${this.size - 1}`);
      out.set(this.pixels.subarray(idx * this.per, (idx + 1) * this.per), i * this.per);
    });
    return tf.tensor4d(out, [indices.length, ...this.imageShape]);
  }
}

/** The two domains SimGAN maps between. */
export interface DomainPair {
  synthetic: ImageDataset;
  real: ImageDataset;
}
