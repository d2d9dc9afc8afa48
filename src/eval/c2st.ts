/**
 * Realism as a classifier two-sample test (C2ST): train a fresh small CNN to tell sample A (e.g. refined
 * images) from sample B (held-out real images) and report its accuracy on images it did not train on.
 * 50% means the two samples are indistinguishable to it; 100% means trivially different. It is the
 * automated counterpart of the paper's visual Turing test.
 */
import { tf } from '../backend';
import { ImageDataset, shuffledIndices } from '../data/dataset';
import { seededInit } from '../nets/refiner';

export interface C2stOptions {
  seed: number;
  /** Images used per side (balanced: the smaller of this and both sizes). Default 1,000. */
  maxPerSide?: number;
  /** Fraction of each side used for training; the rest is the test (default 0.5). */
  trainFraction?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
}

export interface C2stResult {
  /** Held-out accuracy. */
  accuracy: number;
  /** Held-out images (both sides together). */
  nTest: number;
  nTrain: number;
}

/**
 * conv3×3 32 → conv3×3 32 s2 → conv3×3 64 s2 → flatten → dense 64 → 2 logits. Small enough to train in
 * seconds, strong enough to see both texture (the first full-resolution layer) and layout (the dense head):
 * a weaker version (no full-resolution layer, global average pooling) scored only 70% on synthetic vs real
 * digits that people tell apart at a glance.
 */
export function buildC2stNet(seed: number, shape: [number, number, number]): tf.LayersModel {
  let i = 0;
  const conv = (filters: number, strides: number, name: string, first = false) =>
    tf.layers.conv2d({ ...(first ? { inputShape: shape } : {}), name, filters, kernelSize: 3, strides, padding: 'same', activation: 'relu', kernelInitializer: seededInit(seed, i++) });
  return tf.sequential({
    name: 'c2st',
    layers: [
      conv(32, 1, 'conv1', true),
      conv(32, 2, 'conv2'),
      conv(64, 2, 'conv3'),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 64, activation: 'relu', name: 'fc', kernelInitializer: seededInit(seed, i++) }),
      tf.layers.dense({ units: 2, name: 'logits', kernelInitializer: seededInit(seed, i++) }),
    ],
  });
}

type Item = { ds: ImageDataset; index: number; label: 0 | 1 };

function batchOf(items: Item[]): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const xs = items.map((it) => it.ds.image(it.index));
    const [h, w, c] = items[0].ds.imageShape;
    const flat = new Float32Array(xs.length * h * w * c);
    xs.forEach((v, k) => flat.set(v, k * h * w * c));
    return { x: tf.tensor4d(flat, [xs.length, h, w, c]), y: tf.oneHot(tf.tensor1d(items.map((it) => it.label), 'int32'), 2) as tf.Tensor2D };
  });
}

/** Held-out accuracy of a fresh classifier separating `a` (label 0) from `b` (label 1). */
export async function c2st(a: ImageDataset, b: ImageDataset, o: C2stOptions): Promise<C2stResult> {
  if (a.imageShape.join() !== b.imageShape.join()) {
    throw new Error(`c2st: ${a.name} is ${a.imageShape.join('×')} but ${b.name} is ${b.imageShape.join('×')}`);
  }
  const n = Math.min(o.maxPerSide ?? 1000, a.size, b.size);
  if (n < 4) throw new Error(`c2st: need at least 4 images per side, have ${a.size} and ${b.size}`);
  const nTrain = Math.max(2, Math.floor(n * (o.trainFraction ?? 0.5)));
  const pick = (ds: ImageDataset, label: 0 | 1, seed: number) => shuffledIndices(ds.size, seed).slice(0, n).map((index): Item => ({ ds, index, label }));
  const A = pick(a, 0, o.seed * 7 + 1), B = pick(b, 1, o.seed * 7 + 2);
  const train = [...A.slice(0, nTrain), ...B.slice(0, nTrain)];
  const test = [...A.slice(nTrain), ...B.slice(nTrain)];
  const model = buildC2stNet(o.seed, a.imageShape);
  const opt = tf.train.adam(o.lr ?? 2e-3);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const bs = o.batchSize ?? 32;
  try {
    for (let epoch = 0; epoch < (o.epochs ?? 8); epoch++) {
      const order = shuffledIndices(train.length, o.seed * 1000 + epoch);
      for (let s = 0; s < order.length; s += bs) {
        const { x, y } = batchOf(order.slice(s, s + bs).map((k) => train[k]));
        const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, true, vars);
        tf.dispose([x, y, loss!]);
      }
      await new Promise((r) => setImmediate(r));
    }
    let right = 0;
    for (let s = 0; s < test.length; s += 256) {
      const items = test.slice(s, s + 256);
      const { x, y } = batchOf(items);
      const pred = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1));
      const p = await pred.data();
      items.forEach((it, k) => { if (p[k] === it.label) right++; });
      tf.dispose([x, y, pred]);
    }
    return { accuracy: right / test.length, nTest: test.length, nTrain: train.length };
  } finally {
    model.dispose();
    opt.dispose();
  }
}
