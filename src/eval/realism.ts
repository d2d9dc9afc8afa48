/**
 * KID and Fréchet distances for a run (feature-distance.ts has the math): features are the penultimate
 * layer (`fc1`) of a task network trained on real images — the digit classifier on real digits, the gaze
 * estimator on the real training people — so the distances measure what a network of the domain sees.
 *
 * Three comparisons against the same real reference set (held-out real images; for eyes, the test people):
 * raw synthetic, refined (the same synthetic images through the refiner), and `realFloor` — real training
 * images the feature network did not train on: what a perfect refiner (one whose output looks like the
 * real training domain) would reach. For eyes that floor is not 0: the test people are other people.
 */
import { tf } from '../backend';
import { ArrayImageDataset, ImageDataset, shuffledIndices, toArrayDataset } from '../data/dataset';
import type { ClassifierTraining } from '../nets/task';
import { trainDigitClassifier, trainGazeEstimator } from '../nets/task';
import { frechetDistance, kidMmd2, overSubsets, Rows } from './feature-distance';
import type { Summary } from './stats';

export interface RealismDistances {
  /** Which network's features, and how many dimensions. */
  features: { network: string; layer: 'fc1'; dims: number; trainedOn: number };
  /** Images per side in each subset, and the number of subsets (KID; the Fréchet distance, whose
   *  eigendecompositions cost more than KID per subset — docs/EVALUATION.md has the timing — uses `frechetSubsets`). */
  subsetSize: number;
  subsets: number;
  frechetSubsets: number;
  kid: { synthetic: Summary; refined: Summary; realFloor: Summary };
  frechet: { synthetic: Summary; refined: Summary; realFloor: Summary };
}

/** `fc1` activations of `model` for up to `max` images of `ds` (evenly spaced), as Float64 rows. */
export async function featureRows(model: tf.LayersModel, ds: ImageDataset, max = 2000, batchSize = 256): Promise<Rows> {
  const head = tf.model({ inputs: model.inputs, outputs: model.getLayer('fc1').output as tf.SymbolicTensor });
  const n = Math.min(max, ds.size);
  const idx = Array.from({ length: n }, (_, i) => Math.floor((i * ds.size) / n));
  const rows: Rows = [];
  for (let s = 0; s < n; s += batchSize) {
    const x = ds.batch(idx.slice(s, s + batchSize));
    const f = tf.tidy(() => head.predict(x) as tf.Tensor2D);
    const [b, d] = f.shape;
    const v = await f.data();
    tf.dispose([x, f]);
    for (let i = 0; i < b; i++) rows.push(Float64Array.from(v.subarray(i * d, (i + 1) * d)));
  }
  return rows;
}

export async function realismDistances(
  task: 'digits' | 'gaze',
  sets: { synthetic: ImageDataset; refined: ImageDataset; realTrain: ImageDataset; reference: ImageDataset },
  o: {
    epochs: number;
    seed: number;
    subsets?: number;
    log?: (line: string) => void;
    /** Trains the feature network (default: a fresh task network); the evaluation passes one that reuses. */
    train?: (fitSet: ImageDataset, training: ClassifierTraining) => Promise<tf.LayersModel>;
  },
): Promise<RealismDistances> {
  // The feature network trains on one half of the real training images; the other half is the floor's set.
  const real = toArrayDataset(sets.realTrain);
  const order = shuffledIndices(real.size, o.seed);
  const half = Math.floor(real.size / 2);
  const fitSet = real.subset(order.slice(0, Math.min(half, 5000)));
  const floorSet: ArrayImageDataset = real.subset(order.slice(half));
  o.log?.(`[eval] KID/Fréchet: ${task === 'digits' ? 'digit classifier' : 'gaze estimator'} on ${fitSet.size.toLocaleString('en-US')} real images for features`);
  const training = { epochs: o.epochs, batchSize: 64, lr: 1e-3, seed: o.seed };
  const model = o.train ? await o.train(fitSet, training) : task === 'digits' ? await trainDigitClassifier(fitSet, training) : await trainGazeEstimator(fitSet, training);
  try {
    const [syn, ref, floor, reference] = [
      await featureRows(model, sets.synthetic),
      await featureRows(model, sets.refined),
      await featureRows(model, floorSet),
      await featureRows(model, sets.reference),
    ];
    const subsets = o.subsets ?? 10;
    const frechetSubsets = Math.max(2, Math.ceil(subsets / 2));
    const size = Math.min(500, syn.length, ref.length, floor.length, reference.length);
    const both = (metric: (x: Rows, y: Rows) => number, subsets: number) => ({
      synthetic: overSubsets(metric, syn, reference, { subsets, size, seed: o.seed }),
      refined: overSubsets(metric, ref, reference, { subsets, size, seed: o.seed }),
      realFloor: overSubsets(metric, floor, reference, { subsets, size, seed: o.seed }),
    });
    return {
      features: { network: model.name, layer: 'fc1', dims: syn[0].length, trainedOn: fitSet.size },
      subsetSize: size,
      subsets,
      frechetSubsets,
      kid: both(kidMmd2, subsets),
      frechet: both(frechetDistance, frechetSubsets),
    };
  } finally {
    model.dispose();
  }
}
