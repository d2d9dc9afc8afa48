/**
 * Task networks, trained on (raw or refined) synthetic data and tested on real data — the downstream
 * measure of whether refinement helped. Digits: a small CNN classifier (10 logits).
 */
import { tf } from '../backend';
import type { ImageDataset } from '../data/dataset';
import { shuffledIndices } from '../data/dataset';
import { seededInit } from './refiner';

/** conv3×3 32 → maxpool 2 → conv3×3 64 → maxpool 2 → dense 128 → dense 10 (logits), for 28×28×1. */
export function buildDigitClassifier(seed: number, imageShape: [number, number, number] = [28, 28, 1]): tf.LayersModel {
  let i = 0;
  const init = () => seededInit(seed, i++);
  return tf.sequential({
    name: 'digit_classifier',
    layers: [
      tf.layers.conv2d({ inputShape: imageShape, filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), name: 'conv1' }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), name: 'conv2' }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool2' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(), name: 'fc1' }),
      tf.layers.dense({ units: 10, kernelInitializer: init(), name: 'logits' }),
    ],
  });
}

export interface ClassifierTraining {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Called after each epoch with its mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

export const DEFAULT_CLASSIFIER_TRAINING: Omit<ClassifierTraining, 'seed'> = { epochs: 3, batchSize: 64, lr: 1e-3 };

function classesOf(ds: ImageDataset, indices: number[]): tf.Tensor1D {
  if (!ds.labels) throw new Error(`${ds.name} has no labels: a classifier cannot be trained or tested on it`);
  return tf.tensor1d(indices.map((i) => ds.labels![i][0]), 'int32');
}

/**
 * The supervised loop both task networks share: seeded epoch order, Adam, mean loss per epoch reported,
 * yielding to the event loop now and then so a notebook stays responsive.
 */
async function fit(
  model: tf.LayersModel,
  ds: ImageDataset,
  o: ClassifierTraining,
  targets: (indices: number[]) => tf.Tensor,
  loss: (target: tf.Tensor, prediction: tf.Tensor) => tf.Scalar,
): Promise<tf.LayersModel> {
  const opt = tf.train.adam(o.lr);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = shuffledIndices(ds.size, o.seed * 1000 + epoch);
    let sum = 0, batches = 0;
    for (let s = 0; s + o.batchSize <= order.length; s += o.batchSize) {
      const idx = order.slice(s, s + o.batchSize);
      const x = ds.batch(idx);
      const y = targets(idx);
      const l = opt.minimize(() => loss(y, model.apply(x) as tf.Tensor), true, vars);
      sum += (await l!.data())[0];
      batches++;
      tf.dispose([x, y, l!]);
      if (batches % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    o.onEpoch?.(epoch + 1, sum / Math.max(1, batches));
  }
  opt.dispose();
  return model;
}

/** Train a fresh digit classifier on a labelled dataset (seeded order and initialisation); returns it. */
export async function trainDigitClassifier(ds: ImageDataset, o: ClassifierTraining): Promise<tf.LayersModel> {
  return fit(buildDigitClassifier(o.seed, ds.imageShape), ds, o, (idx) => classesOf(ds, idx), (y, logits) =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(y as tf.Tensor1D, 10), logits) as tf.Scalar);
}

/** Predicted classes for every image of a dataset (batched). */
export async function predictClasses(model: tf.LayersModel, ds: ImageDataset, batchSize = 256): Promise<Int32Array> {
  const out = new Int32Array(ds.size);
  for (let s = 0; s < ds.size; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, ds.size - s) }, (_, k) => s + k);
    const x = ds.batch(idx);
    const pred = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1));
    out.set((await pred.data()) as Int32Array, s);
    tf.dispose([x, pred]);
  }
  return out;
}

/** Fraction of a labelled dataset the model classifies correctly. */
export async function classifierAccuracy(model: tf.LayersModel, ds: ImageDataset): Promise<number> {
  if (!ds.labels) throw new Error(`${ds.name} has no labels`);
  const pred = await predictClasses(model, ds);
  let right = 0;
  pred.forEach((p, i) => { if (p === ds.labels![i][0]) right++; });
  return right / ds.size;
}

// ---- gaze ------------------------------------------------------------------------------------------------

export type GazeEstimatorSize = 'paper' | 'cpu';

/**
 * The paper's gaze estimator (Sec. 4.1): conv3×3 32 → conv3×3 32 → conv3×3 64 → maxpool3×3 s2 →
 * conv3×3 80 → conv3×3 192 → maxpool2×2 s2 → FC 9600 → FC 1000 → FC 3, with 'valid' convolutions, so a
 * 35×55 eye flattens to 5×10×192 = 9,600 values. `cpu` keeps the layout with a quarter of the filters and
 * FC 256 (≈ 1/16 of the compute), so a downstream run fits minutes on 2 cores.
 */
export function buildGazeEstimator(seed: number, imageShape: [number, number, number], size: GazeEstimatorSize = 'cpu'): tf.LayersModel {
  const f = size === 'paper' ? [32, 32, 64, 80, 192] : [8, 8, 16, 20, 48];
  const fc = size === 'paper' ? 1000 : 256;
  let i = 0;
  const conv = (filters: number, name: string, first = false) =>
    tf.layers.conv2d({ ...(first ? { inputShape: imageShape } : {}), name, filters, kernelSize: 3, padding: 'valid', activation: 'relu', kernelInitializer: seededInit(seed, i++) });
  return tf.sequential({
    name: `gaze_estimator_${size}`,
    layers: [
      conv(f[0], 'conv1', true),
      conv(f[1], 'conv2'),
      conv(f[2], 'conv3'),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 3, strides: 2 }),
      conv(f[3], 'conv4'),
      conv(f[4], 'conv5'),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: fc, activation: 'relu', kernelInitializer: seededInit(seed, i++) }),
      tf.layers.dense({ name: 'gaze', units: 3, kernelInitializer: seededInit(seed, i++) }),
    ],
  });
}

function gazeOf(ds: ImageDataset, indices: number[]): tf.Tensor2D {
  if (!ds.labels || ds.labels[0].length < 3) throw new Error(`${ds.name} has no gaze labels`);
  return tf.tensor2d(indices.map((i) => Array.from(ds.labels![i].subarray(0, 3))));
}

/** Train a gaze estimator with the paper's L2 loss on the 3-D gaze vector. */
export async function trainGazeEstimator(ds: ImageDataset, o: ClassifierTraining & { size?: GazeEstimatorSize }): Promise<tf.LayersModel> {
  return fit(buildGazeEstimator(o.seed, ds.imageShape, o.size ?? 'cpu'), ds, o, (idx) => gazeOf(ds, idx), (y, pred) =>
    pred.sub(y).square().sum(-1).mean() as tf.Scalar);
}

/** Predicted gaze vectors (unnormalised; angles do not depend on length). */
export async function predictGaze(model: tf.LayersModel, ds: ImageDataset, batchSize = 256): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let s = 0; s < ds.size; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, ds.size - s) }, (_, k) => s + k);
    const x = ds.batch(idx);
    const pred = model.predict(x) as tf.Tensor;
    const v = (await pred.data()) as Float32Array;
    for (let k = 0; k < idx.length; k++) out.push(v.slice(k * 3, k * 3 + 3));
    tf.dispose([x, pred]);
  }
  return out;
}
