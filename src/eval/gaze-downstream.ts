/**
 * The eye analogue of the paper's Table 2: gaze estimators trained on raw synthetic, raw synthetic 4×,
 * refined, refined 4× and real eyes, beside the constant predictor (always the mean gaze direction of the
 * real training people), all tested on real eyes of people no network saw.
 *
 * "4×" follows the paper: the 1× sets are a quarter of the synthetic training images, the 4× sets all of
 * them; the refined sets are the same images after refinement, so refined vs synthetic differs only in what
 * the refiner did. The fraction of the synthetic→real gap closed, (synthetic − refined) / (synthetic − real)
 * in mean angular error, is computed per seed (each seed trains all three on the same seed), then summarised.
 */
import type { ImageDataset } from '../data/dataset';
import { ArrayImageDataset, toArrayDataset } from '../data/dataset';
import type { ClassifierTraining } from '../nets/task';
import { predictGaze, trainGazeEstimator } from '../nets/task';
import { assertDisjointPeople, peopleOf } from '../data/people';
import { angleDeg, gazeErrors } from './metrics';
import { summarize, Summary } from './stats';

const DEGREES: [number, number] = [0, 180];
const UNIT: [number, number] = [0, 1];

export type GazeCondition = 'synthetic' | 'synthetic4x' | 'refined' | 'refined4x' | 'real';
export const GAZE_CONDITIONS: readonly GazeCondition[] = ['synthetic', 'synthetic4x', 'refined', 'refined4x', 'real'];

/** What each estimator trains on. `real` is absent when the real domain has no gaze labels. */
export type GazeTrainingSets = Partial<Record<GazeCondition, ImageDataset>>;

/**
 * The training sets of every condition: `synthetic4x`/`refined4x` are the whole synthetic training split and
 * its refined version, `synthetic`/`refined` their first quarter (the same images in both).
 */
export function gazeTrainingSets(syntheticTrain: ImageDataset, refinedTrain: ImageDataset, realTrain?: ImageDataset): GazeTrainingSets {
  if (syntheticTrain.size !== refinedTrain.size) throw new Error(`gazeTrainingSets: ${syntheticTrain.size} synthetic but ${refinedTrain.size} refined images`);
  const quarter = Math.max(1, Math.floor(syntheticTrain.size / 4));
  const first = Array.from({ length: quarter }, (_, i) => i);
  const syn = toArrayDataset(syntheticTrain), ref = toArrayDataset(refinedTrain);
  const sets: GazeTrainingSets = {
    synthetic: syn.subset(first, `${syn.name} (1×)`),
    synthetic4x: syn,
    refined: ref.subset(first, `${ref.name} (1×)`),
    refined4x: ref,
  };
  if (realTrain && hasGaze(realTrain)) sets.real = realTrain;
  return sets;
}

export function hasGaze(ds: ImageDataset): boolean {
  return ['x', 'y', 'z'].every((k, i) => ds.labelNames?.[i] === k);
}

/** The unit mean gaze direction of a labelled set. */
export function meanDirection(ds: ImageDataset): Float32Array {
  if (!ds.labels?.length) throw new Error(`${ds.name} has no gaze labels`);
  const m = [0, 0, 0];
  for (const l of ds.labels) {
    const n = Math.hypot(l[0], l[1], l[2]) || 1;
    for (let k = 0; k < 3; k++) m[k] += l[k] / n;
  }
  const n = Math.hypot(m[0], m[1], m[2]) || 1;
  return Float32Array.from(m.map((v) => v / n));
}

export interface GazeScore {
  meanDeg: Summary;
  within7: Summary;
  within5: Summary;
}

export interface GazeDownstream {
  metric: string;
  testSet: string;
  trainedOnSynthetic?: GazeScore;
  trainedOnSynthetic4x?: GazeScore;
  trainedOnRefined?: GazeScore;
  trainedOnRefined4x?: GazeScore;
  trainedOnReal?: GazeScore | { unavailable: string };
  /** Always the mean gaze direction of the real training set (or of the synthetic one without real labels). */
  constantPredictor: GazeScore & { direction: number[]; from: string };
  /** (synthetic − refined) / (synthetic − real) in mean error, per seed; 1× and 4× sets. */
  gapClosed?: Summary;
  gapClosed4x?: Summary;
  /** The people (person labels) the estimators trained on and were tested on: disjoint, or it throws. */
  people: { train: number[]; test: number[] };
  /** Training set sizes. */
  trainSizes: Partial<Record<GazeCondition, number>>;
}

/** Trains one condition's estimator (the evaluation passes one that reuses what other runs trained). */
export type GazeTrainer = (condition: GazeCondition, train: ImageDataset, training: ClassifierTraining) => Promise<import('@tensorflow/tfjs').LayersModel>;

export interface GazeDownstreamOptions {
  seeds: number[];
  epochs: number;
  log: (line: string) => void;
  /** Default: a fresh `trainGazeEstimator` for every condition and seed. */
  train?: GazeTrainer;
}

const key = (c: GazeCondition) => `trainedOn${c[0].toUpperCase()}${c.slice(1)}` as const;

function score(mean: number[], w7: number[], w5: number[]): GazeScore {
  return { meanDeg: summarize(mean, DEGREES), within7: summarize(w7, UNIT), within5: summarize(w5, UNIT) };
}

/**
 * Train one estimator per condition and seed, test each on `test`; also the label-preservation numbers of
 * the synthetic-trained (1×) estimator, returned by `onSyntheticModel`.
 */
export async function gazeDownstream(
  sets: GazeTrainingSets,
  test: ImageDataset,
  o: GazeDownstreamOptions,
  onSyntheticModel?: (model: import('@tensorflow/tfjs').LayersModel) => Promise<void>,
): Promise<GazeDownstream> {
  if (!hasGaze(test)) throw new Error(`${test.name} has no gaze labels: it cannot be a gaze test set`);
  // No estimator may train on a person it is tested on (datasets whose labels carry the person).
  const testPeople = peopleOf(test);
  const trainPeople = [...new Set(GAZE_CONDITIONS.flatMap((c) => (sets[c] ? peopleOf(sets[c]!) : [])))].sort((a, b) => a - b);
  assertDisjointPeople(trainPeople, testPeople, ['estimators\' training', `test '${test.name}'`]);
  const truth = test.labels!;
  const results: Partial<Record<GazeCondition, { mean: number[]; w7: number[]; w5: number[] }>> = {};
  for (const [k, seed] of o.seeds.entries()) {
    for (const cond of GAZE_CONDITIONS) {
      const train = sets[cond];
      if (!train) continue;
      o.log(`[eval] seed ${k + 1}/${o.seeds.length}: gaze estimator on ${cond} (${train.size.toLocaleString('en-US')} images)`);
      const training = { epochs: o.epochs, batchSize: 64, lr: 1e-3, seed };
      const model = await (o.train ? o.train(cond, train, training) : trainGazeEstimator(train, training));
      try {
        const pred = await predictGaze(model, test);
        const e7 = gazeErrors(pred, truth, 7), e5 = gazeErrors(pred, truth, 5);
        const r = (results[cond] ??= { mean: [], w7: [], w5: [] });
        r.mean.push(e7.meanDeg);
        r.w7.push(e7.within);
        r.w5.push(e5.within);
        if (cond === 'synthetic' && onSyntheticModel) await onSyntheticModel(model);
      } finally {
        model.dispose();
      }
    }
  }
  const constFrom = sets.real ?? sets.synthetic4x!;
  const dir = meanDirection(constFrom);
  const constPred = truth.map(() => dir);
  const c7 = gazeErrors(constPred, truth, 7), c5 = gazeErrors(constPred, truth, 5);
  const out: GazeDownstream = {
    metric: 'mean angular error (degrees), fraction within 7° and within 5°',
    testSet: `${test.name} (${test.size.toLocaleString('en-US')} images)`,
    constantPredictor: { ...score([c7.meanDeg], [c7.within], [c5.within]), direction: Array.from(dir), from: constFrom.name },
    people: { train: trainPeople, test: testPeople },
    trainSizes: Object.fromEntries(GAZE_CONDITIONS.filter((c) => sets[c]).map((c) => [c, sets[c]!.size])),
  };
  for (const cond of GAZE_CONDITIONS) {
    const r = results[cond];
    if (r) (out as unknown as Record<string, unknown>)[key(cond)] = score(r.mean, r.w7, r.w5);
  }
  if (!sets.real) out.trainedOnReal = { unavailable: 'the real domain has no gaze labels' };
  const gap = (syn?: number[], ref?: number[], real?: number[]) =>
    syn && ref && real && syn.length === real.length ? summarize(syn.map((s, i) => (s - ref[i]) / (s - real[i]))) : undefined;
  out.gapClosed = gap(results.synthetic?.mean, results.refined?.mean, results.real?.mean);
  out.gapClosed4x = gap(results.synthetic4x?.mean, results.refined4x?.mean, results.real?.mean);
  return out;
}

/** Mean angle (degrees) between an estimator's predictions on images and on their refined versions. */
export async function predictionShiftDeg(model: import('@tensorflow/tfjs').LayersModel, a: ImageDataset, b: ArrayImageDataset | ImageDataset): Promise<number> {
  const pa = await predictGaze(model, a), pb = await predictGaze(model, b);
  return pa.reduce((s, p, i) => s + angleDeg(p, pb[i]), 0) / pa.length;
}
