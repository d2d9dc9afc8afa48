/**
 * Training-step speed on the active backend: a `SimGANTrainer` for a preset (batch size overridden) on
 * random in-memory images, timed step by step, plus a micro-benchmark of the refiner's main convolution.
 *
 * No dataset is loaded: step time does not depend on pixel values, and a benchmark that needs MPIIGaze or
 * a rendered cache would not run everywhere. `simgan bench` runs these in one child process per
 * configuration (see `commands/bench.ts`), so peak RSS and backend state belong to one configuration.
 */
import { tf } from '../backend';
import { resolveConfig, SimGANConfig } from '../config';
import { ArrayImageDataset } from '../data/dataset';
import { SimGANTrainer } from '../train/trainer';
import { Rng } from '../util/random';

export interface BenchStepsOptions {
  /** Preset name (`config.ts`). */
  preset: string;
  /** Mini-batch size (default: the preset's `batchSize`). */
  batch?: number;
  /** Timed steps of each kind (default 5). */
  steps?: number;
  /**
   * Untimed refiner + discriminator steps first (default 2, at least 1): the first step creates the
   * optimizers' slot variables and the backend's kernels warm up, neither of which training pays per step.
   */
  warmup?: number;
  /** Seeds the random images (default 1). */
  seed?: number;
}

export interface BenchStepsResult {
  preset: string;
  batch: number;
  steps: number;
  warmup: number;
  /** Median wall time of one adversarial refiner step (`refinerStep(true)`), ms. */
  refinerStepMs: number;
  /** Median wall time of one discriminator step, ms. */
  discStepMs: number;
  /** Every timed sample, ms, in the order run. */
  refinerSamplesMs: number[];
  discSamplesMs: number[];
  /** batch / median step time. */
  refinerImagesPerSec: number;
  discImagesPerSec: number;
  /** `tf.memory().numTensors` after the warm-up and after the timed steps: equal unless a step leaks. */
  numTensorsBefore: number;
  numTensorsAfter: number;
  /** The process's peak resident set so far (everything this process did, not only these steps), MiB. */
  peakRssMiB: number;
}

export interface ConvBenchOptions {
  preset: string;
  /** Default: the preset's `batchSize`. */
  batch?: number;
  /** Timed repetitions (default 5); one untimed run precedes them. */
  reps?: number;
}

export interface ConvBenchResult {
  /** NHWC input and [k, k, in, out] filter of the refiner's ResNet-block convolution, stride 1. */
  shape: { input: [number, number, number, number]; filter: [number, number, number, number]; padding: 'same' };
  /** Median ms of one forward convolution. */
  ms: number;
  /** 2·N·H·W·Cin·Cout·k·k / median time (multiply-adds count 2; 'same' padding's zeros counted too). For a
   *  Winograd kernel (wasm+native's default) this is an effective rate: it does fewer multiplications. */
  gflops: number;
  samplesMs: number[];
}

export function median(values: number[]): number {
  if (!values.length) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function uniformPixels(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

/**
 * The preset as benchmarked: batch size `batch` and a history buffer of 4 batches. The preset's buffer
 * (up to 100 batches) only changes which images D sees, not the work per step; a small one keeps the
 * prefill (below) cheap.
 */
export function benchConfig(presetName: string, batch?: number): SimGANConfig {
  const b = batch ?? resolveConfig(presetName).batchSize;
  return resolveConfig(presetName, [`batchSize=${b}`, `history.size=${4 * b}`]);
}

export function checkCount(name: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) throw new Error(`${name} ${value}: give a whole number ≥ ${min}`);
}

/**
 * A trainer for `preset` (batch `batch`) on random in-memory images, its history buffer already full and
 * `warmup` (≥ 1) refiner + discriminator steps run: what `benchmarkSteps` times and `simgan profile`
 * profiles. The caller disposes it.
 */
export async function warmedBenchTrainer(preset: string, batch: number | undefined, seed: number, warmup: number): Promise<SimGANTrainer> {
  // warmup 0 would count the optimizers' slot variables (created by the first step) as a leak.
  checkCount('warmup', warmup, 1);
  const config = benchConfig(preset, batch);
  const b = config.batchSize;
  const { height, width, channels } = config.image;
  const per = height * width * channels;
  const rng = new Rng(seed);
  const shape: [number, number, number] = [height, width, channels];
  const data = {
    synthetic: new ArrayImageDataset('bench-synthetic', shape, uniformPixels(4 * b * per, rng)),
    real: new ArrayImageDataset('bench-real', shape, uniformPixels(4 * b * per, rng)),
  };
  const trainer = new SimGANTrainer(config, data);
  // Fill the history buffer first: a filling buffer keeps b/2 more tensors after every D step (which
  // would read as a leak), and a full one makes D pay its steady-state mix-and-replace cost.
  const cap = trainer.history.capacity;
  if (cap > 0) trainer.history.restore({ capacity: cap, imageShape: shape, data: uniformPixels(cap * per, rng), count: cap, rngState: 1 });
  try {
    for (let i = 0; i < warmup; i++) {
      await trainer.refinerStep(true);
      await trainer.discriminatorStep();
    }
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  return trainer;
}

/** Time `steps` adversarial refiner steps and `steps` discriminator steps of `preset` on the active backend. */
export async function benchmarkSteps(o: BenchStepsOptions): Promise<BenchStepsResult> {
  const steps = o.steps ?? 5;
  const warmup = o.warmup ?? 2;
  checkCount('steps', steps, 1);
  const trainer = await warmedBenchTrainer(o.preset, o.batch, o.seed ?? 1, warmup);
  const batch = trainer.config.batchSize;
  try {
    const numTensorsBefore = tf.memory().numTensors;
    // Each step awaits its loss values, so the work is finished when its promise resolves, on any backend.
    const refinerSamplesMs: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await trainer.refinerStep(true);
      refinerSamplesMs.push(round1(performance.now() - t0));
    }
    const discSamplesMs: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await trainer.discriminatorStep();
      discSamplesMs.push(round1(performance.now() - t0));
    }
    const numTensorsAfter = tf.memory().numTensors;
    const refinerStepMs = round1(median(refinerSamplesMs));
    const discStepMs = round1(median(discSamplesMs));
    return {
      preset: o.preset,
      batch,
      steps,
      warmup,
      refinerStepMs,
      discStepMs,
      refinerSamplesMs,
      discSamplesMs,
      refinerImagesPerSec: round1(batch / (refinerStepMs / 1000)),
      discImagesPerSec: round1(batch / (discStepMs / 1000)),
      numTensorsBefore,
      numTensorsAfter,
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    trainer.dispose();
  }
}

/** `process.resourceUsage().maxRSS` (KiB) in MiB. */
export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * `tf.conv2d` alone on the refiner's block convolution (batch × H × W × filters → filters, k×k, 'same'):
 * what the backend's convolution kernel reaches, to tell kernel speed from per-step overhead.
 */
export async function convForward(o: ConvBenchOptions): Promise<ConvBenchResult> {
  const reps = o.reps ?? 5;
  checkCount('reps', reps, 1);
  const config = benchConfig(o.preset, o.batch);
  const n = config.batchSize;
  const { height: h, width: w } = config.image;
  const { filters: c, kernel: k } = config.refiner;
  const x = tf.randomUniform([n, h, w, c], -1, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomUniform([k, k, c, c], -0.1, 0.1, 'float32', 2) as tf.Tensor4D;
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const y = tf.conv2d(x, f, 1, 'same');
    // Read one value, not the whole output: it waits for the convolution on lazy backends without timing
    // a copy of N·H·W·C floats to JavaScript.
    const probe = y.slice([0, 0, 0, 0], [1, 1, 1, 1]);
    await probe.data();
    const ms = performance.now() - t0;
    tf.dispose([y, probe]);
    return ms;
  };
  try {
    await once();
    const samplesMs: number[] = [];
    for (let i = 0; i < reps; i++) samplesMs.push(round1(await once()));
    const ms = median(samplesMs);
    const flops = 2 * n * h * w * c * c * k * k;
    return {
      shape: { input: [n, h, w, c], filter: [k, k, c, c], padding: 'same' },
      ms: round1(ms),
      gflops: round1(flops / (ms * 1e6)),
      samplesMs,
    };
  } finally {
    tf.dispose([x, f]);
  }
}
