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

/** Train a fresh digit classifier on a labelled dataset (seeded order and initialisation); returns it. */
export async function trainDigitClassifier(ds: ImageDataset, o: ClassifierTraining): Promise<tf.LayersModel> {
  const model = buildDigitClassifier(o.seed, ds.imageShape);
  const opt = tf.train.adam(o.lr);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = shuffledIndices(ds.size, o.seed * 1000 + epoch);
    let sum = 0, batches = 0;
    for (let s = 0; s + o.batchSize <= order.length; s += o.batchSize) {
      const idx = order.slice(s, s + o.batchSize);
      const x = ds.batch(idx);
      const y = classesOf(ds, idx);
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), model.apply(x) as tf.Tensor) as tf.Scalar, true, vars);
      sum += (await loss!.data())[0];
      batches++;
      tf.dispose([x, y, loss!]);
      if (batches % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    o.onEpoch?.(epoch + 1, sum / Math.max(1, batches));
  }
  opt.dispose();
  return model;
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
