/**
 * The one interface the trainer and the evaluation consume: an in-memory set of images, NHWC, pixel values
 * in [-1, 1] (0…255 maps linearly to −1…1), with optional per-image label vectors.
 *
 * Also here: seeded shuffling and train/validation splits, and a binary cache (packed uint8 pixels +
 * float32 labels behind a JSON header) so that reloading 10k images takes milliseconds.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend';
import { writeFileAtomic } from '../runs/atomic';
import { Rng } from '../util/random';
import { unitToU8, u8ToUnit } from './images';

export interface ImageDataset {
  readonly name: string;
  /** [height, width, channels] */
  readonly imageShape: [number, number, number];
  readonly size: number;
  /** Images by index, as a new [n, h, w, c] tensor in [-1, 1] (the caller disposes it). */
  batch(indices: number[]): tf.Tensor4D;
  /** Image i's pixels (h·w·c values in [-1, 1]); a view, do not modify. */
  image(i: number): Float32Array;
  /** Per-image label vectors (a gaze vector, a class index, …), when the domain has them. */
  readonly labels?: Float32Array[];
  /** What each label component is, e.g. ['x', 'y', 'z', 'yaw', 'pitch'] or ['class']. */
  readonly labelNames?: string[];
}

/** `n` random indices (with replacement) drawn with `rng`. */
export function sampleIndices(size: number, n: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => Math.floor(rng.next() * size));
}

/** 0…n−1 in a seeded random order (Fisher–Yates). */
export function shuffledIndices(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

/** An `ImageDataset` over one Float32Array holding `size` images back to back. */
export class ArrayImageDataset implements ImageDataset {
  readonly size: number;
  private readonly per: number;

  constructor(
    readonly name: string,
    readonly imageShape: [number, number, number],
    readonly pixels: Float32Array,
    readonly labels?: Float32Array[],
    readonly labelNames?: string[],
  ) {
    this.per = imageShape[0] * imageShape[1] * imageShape[2];
    if (this.per === 0 || pixels.length % this.per !== 0) {
      throw new Error(`${name}: ${pixels.length} values are not a whole number of ${imageShape.join('×')} images`);
    }
    this.size = pixels.length / this.per;
    if (labels && labels.length !== this.size) throw new Error(`${name}: ${labels.length} labels for ${this.size} images`);
  }

  image(i: number): Float32Array {
    if (!(i >= 0 && i < this.size)) throw new Error(`${this.name}: index ${i} outside 0…${this.size - 1}`);
    return this.pixels.subarray(i * this.per, (i + 1) * this.per);
  }

  batch(indices: number[]): tf.Tensor4D {
    const out = new Float32Array(indices.length * this.per);
    indices.forEach((idx, i) => out.set(this.image(idx), i * this.per));
    return tf.tensor4d(out, [indices.length, ...this.imageShape]);
  }

  /** A new dataset of the given images (copied), in that order. */
  subset(indices: number[], name = this.name): ArrayImageDataset {
    const pixels = new Float32Array(indices.length * this.per);
    indices.forEach((idx, i) => pixels.set(this.image(idx), i * this.per));
    return new ArrayImageDataset(name, this.imageShape, pixels, this.labels && indices.map((i) => this.labels![i]), this.labelNames);
  }

  /** Build from uint8 pixels (0…255). */
  static fromU8(name: string, imageShape: [number, number, number], u8: Uint8Array, labels?: Float32Array[], labelNames?: string[]): ArrayImageDataset {
    return new ArrayImageDataset(name, imageShape, u8ToUnit(u8), labels, labelNames);
  }
}

/** Any dataset as an `ArrayImageDataset` (copying its images). */
export function toArrayDataset(ds: ImageDataset): ArrayImageDataset {
  if (ds instanceof ArrayImageDataset) return ds;
  const per = ds.imageShape[0] * ds.imageShape[1] * ds.imageShape[2];
  const pixels = new Float32Array(ds.size * per);
  for (let i = 0; i < ds.size; i++) pixels.set(ds.image(i), i * per);
  return new ArrayImageDataset(ds.name, ds.imageShape, pixels, ds.labels, ds.labelNames);
}

/** A seeded split: `validationFraction` of the images (rounded) go to `validation`, the rest to `train`. */
export function splitDataset(ds: ImageDataset, validationFraction: number, seed: number): { train: ArrayImageDataset; validation: ArrayImageDataset } {
  if (!(validationFraction >= 0 && validationFraction < 1)) throw new Error(`validationFraction ${validationFraction} must be in [0, 1)`);
  const order = shuffledIndices(ds.size, seed);
  const nVal = Math.round(ds.size * validationFraction);
  const a = toArrayDataset(ds);
  return { validation: a.subset(order.slice(0, nVal), `${ds.name}/validation`), train: a.subset(order.slice(nVal), `${ds.name}/train`) };
}

/** The two domains SimGAN maps between. */
export interface DomainPair {
  synthetic: ImageDataset;
  real: ImageDataset;
}

// ---- binary cache -------------------------------------------------------------------------------------

const CACHE_FORMAT = 'simgan-dataset-v1';

interface CacheHeader {
  format: string;
  name: string;
  imageShape: [number, number, number];
  size: number;
  labelDim: number;
  labelNames?: string[];
  /** Free-form description of what was built (source, options), compared by `cachedDataset`. */
  key: string;
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/**
 * File layout: uint32 LE header length, JSON header, zero padding to 4 bytes, uint8 pixels (0…255), zero
 * padding to 4 bytes, float32 LE labels (size × labelDim). Pixels are quantised to 8 bits (the sources are
 * 8-bit images); `cachedDataset` always returns what was read back, so a first and a later run agree.
 */
export function writeDatasetCache(file: string, ds: ImageDataset, key: string): void {
  const a = toArrayDataset(ds);
  const labelDim = a.labels?.[0]?.length ?? 0;
  const header: CacheHeader = { format: CACHE_FORMAT, name: a.name, imageShape: a.imageShape, size: a.size, labelDim, labelNames: a.labelNames, key };
  const h = Buffer.from(JSON.stringify(header));
  const px = unitToU8(a.pixels);
  const labels = new Float32Array(a.size * labelDim);
  a.labels?.forEach((l, i) => labels.set(l, i * labelDim));
  const parts = [Buffer.alloc(4), h, Buffer.alloc(pad4(4 + h.length)), Buffer.from(px.buffer, px.byteOffset, px.byteLength)];
  const sofar = parts.reduce((n, b) => n + b.length, 0);
  parts.push(Buffer.alloc(pad4(sofar)), Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength));
  parts[0].writeUInt32LE(h.length, 0);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, Buffer.concat(parts));
}

export function readDatasetCache(file: string): { dataset: ArrayImageDataset; key: string } {
  const buf = readFileSync(file);
  const fail = (why: string): never => {
    throw new Error(`${file}: not a simgan dataset cache (${why}); delete it to rebuild`);
  };
  if (buf.length < 4) fail('too short');
  const hlen = buf.readUInt32LE(0);
  let header: CacheHeader;
  try {
    header = JSON.parse(buf.subarray(4, 4 + hlen).toString('utf8'));
  } catch {
    return fail('bad header');
  }
  if (header.format !== CACHE_FORMAT) fail(`format ${header.format}`);
  const [h, w, c] = header.imageShape;
  const nPx = header.size * h * w * c;
  const pxStart = 4 + hlen + pad4(4 + hlen);
  const lbStart = pxStart + nPx + pad4(pxStart + nPx);
  if (buf.length !== lbStart + header.size * header.labelDim * 4) fail(`size ${buf.length} does not match its header`);
  const pixels = u8ToUnit(buf.subarray(pxStart, pxStart + nPx));
  let labels: Float32Array[] | undefined;
  if (header.labelDim > 0) {
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset + lbStart, buf.byteOffset + buf.length));
    labels = Array.from({ length: header.size }, (_, i) => all.slice(i * header.labelDim, (i + 1) * header.labelDim));
  }
  return { dataset: new ArrayImageDataset(header.name, header.imageShape, pixels, labels, header.labelNames), key: header.key };
}

/**
 * Load `file` if it holds a cache built with the same `key`, else build, write and read back the dataset.
 */
export async function cachedDataset(file: string, key: string, build: () => Promise<ImageDataset>): Promise<ArrayImageDataset> {
  if (existsSync(file)) {
    try {
      const c = readDatasetCache(file);
      if (c.key === key) return c.dataset;
    } catch {
      /* unreadable or stale: rebuilt below */
    }
  }
  writeDatasetCache(file, await build(), key);
  return readDatasetCache(file).dataset;
}
