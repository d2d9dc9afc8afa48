/**
 * Reuse across evaluations of what does not depend on the refiner.
 *
 * Most of an evaluation is the same for every run of a sweep that shares a seed: the estimators and
 * classifiers trained on raw synthetic and on real images, the C2ST of raw synthetic and of real-vs-real,
 * the feature network of KID and the Fréchet distance. Only what is trained on or compared with refined
 * images changes from run to run. A sweep evaluates each grid point with the same seeds, so without reuse it
 * retrains those networks once per point: in the default ablations that is five times each.
 *
 * The cache is content-addressed: a key is the SHA-256 of what was computed (its name and options), of every
 * input dataset's pixels and labels, and of the numerics (backend, tfjs version, the native convolution
 * kernels, their thread count and ISA cap), so an entry is reused only where recomputing it would do the same arithmetic on the same
 * numbers. Trained networks are stored as their float32 weights (loading them gives bit-identical
 * predictions); other results as JSON. Entries are written atomically, so a crash leaves none half written,
 * and concurrent evaluations at worst compute the same entry twice. A damaged or mismatched entry is
 * recomputed and replaced, never trusted.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend';
import type { ImageDataset } from '../data/dataset';
import { toArrayDataset } from '../data/dataset';
import { nativeConvState } from '../kernels/native-conv';
import { writeFileAtomic, writeJsonAtomic } from '../runs/atomic';

/** Bump when training or evaluation code changes what a cached entry would hold. */
export const EVAL_CACHE_VERSION = 1;

const fingerprints = new WeakMap<ImageDataset, string>();

/** SHA-256 of a dataset's shape, pixels, labels and label names (not its name: two names, same data, same key). */
export function datasetFingerprint(ds: ImageDataset): string {
  const known = fingerprints.get(ds);
  if (known) return known;
  const a = toArrayDataset(ds);
  const h = createHash('sha256');
  h.update(JSON.stringify({ shape: a.imageShape, size: a.size, labelNames: a.labelNames ?? null }));
  h.update(new Uint8Array(a.pixels.buffer, a.pixels.byteOffset, a.pixels.byteLength));
  for (const l of a.labels ?? []) h.update(new Uint8Array(l.buffer, l.byteOffset, l.byteLength));
  const digest = h.digest('hex');
  fingerprints.set(ds, digest);
  return digest;
}

/**
 * What decides the arithmetic besides the inputs: the backend, the tfjs version and the settings that pick
 * native convolution kernels (Winograd or direct, thread count, ISA cap) — each can change the last bits.
 */
export function numericsId(env: Record<string, string | undefined> = process.env): string {
  const settings = ['SIMGAN_NATIVE_CONV', 'SIMGAN_NATIVE_ALGO', 'SIMGAN_NATIVE_THREADS', 'ONEDNN_MAX_CPU_ISA'].map((k) => `${k}=${env[k] ?? ''}`);
  // What the native kernels actually run with (threads default to the cores, which differ between machines).
  const nc = tf.getBackend() === 'wasm' ? nativeConvState() : undefined;
  const native = nc ? `native=${nc.library}/${nc.algorithm}/${nc.winogradKernel ?? 'no-winograd'}/${nc.capabilities.directKernel}/threads=${nc.threads}` : 'native=off';
  return [`backend=${tf.getBackend()}`, `tfjs=${tf.version.tfjs}`, native, ...settings].join(';');
}

export class EvalCache {
  /** What this evaluation took from the cache, and what it computed and stored, by name. */
  readonly reused: string[] = [];
  readonly computed: string[] = [];

  constructor(
    readonly dir: string,
    private readonly numerics = numericsId(),
    private readonly log: (line: string) => void = () => undefined,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** The entry key of `what` computed from `inputs` with `options`. */
  key(what: string, inputs: ImageDataset[], options: unknown): string {
    const h = createHash('sha256');
    h.update(JSON.stringify({ v: EVAL_CACHE_VERSION, what, options, numerics: this.numerics }));
    for (const ds of inputs) h.update(datasetFingerprint(ds));
    return h.digest('hex').slice(0, 32);
  }

  /** A JSON-serialisable result, computed once per key. */
  async value<T>(what: string, inputs: ImageDataset[], options: unknown, compute: () => Promise<T>): Promise<T> {
    const file = path.join(this.dir, `${this.key(what, inputs, options)}.json`);
    if (existsSync(file)) {
      try {
        const entry = JSON.parse(readFileSync(file, 'utf8')) as { what: string; value: T };
        if (entry.what === what) {
          this.reused.push(what);
          return entry.value;
        }
      } catch {
        this.log(`[eval] cache entry ${file} is unreadable: recomputing it`);
      }
    }
    const value = await compute();
    writeJsonAtomic(file, { what, value });
    this.computed.push(what);
    return value;
  }

  /**
   * A trained network, computed once per key: `build` makes the untrained architecture (to load stored
   * weights into), `train` trains one from scratch.
   */
  async model(what: string, inputs: ImageDataset[], options: unknown, build: () => tf.LayersModel, train: () => Promise<tf.LayersModel>): Promise<tf.LayersModel> {
    const key = this.key(what, inputs, options);
    const weightsFile = path.join(this.dir, `${key}.weights`);
    const metaFile = path.join(this.dir, `${key}.weights.json`);
    if (existsSync(weightsFile) && existsSync(metaFile)) {
      const model = build();
      try {
        const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { what: string; shapes: number[][] };
        const expected = model.weights.map((w) => w.shape as number[]);
        if (meta.what !== what || JSON.stringify(meta.shapes) !== JSON.stringify(expected)) throw new Error('its weight shapes differ from the network');
        const buf = readFileSync(weightsFile);
        const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        const total = expected.reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
        if (all.length !== total) throw new Error(`it holds ${all.length} values, the network has ${total}`);
        let at = 0;
        const tensors = expected.map((shape) => {
          const n = shape.reduce((a, b) => a * b, 1);
          const t = tf.tensor(all.subarray(at, at + n), shape, 'float32');
          at += n;
          return t;
        });
        model.setWeights(tensors);
        tf.dispose(tensors);
        this.reused.push(what);
        return model;
      } catch (e) {
        model.dispose();
        this.log(`[eval] cache entry ${weightsFile} cannot be used (${(e as Error).message}): retraining`);
      }
    }
    const model = await train();
    const values = model.getWeights();
    const shapes = values.map((t) => t.shape);
    const parts = await Promise.all(values.map((t) => t.data() as Promise<Float32Array>));
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    writeFileAtomic(weightsFile, new Uint8Array(all.buffer));
    writeJsonAtomic(metaFile, { what, shapes });
    this.computed.push(what);
    return model;
  }
}
