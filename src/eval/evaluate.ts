/**
 * `simgan eval`: everything a run's data allows, over several seeds, with 95% intervals.
 *
 *  - downstream (the paper's Tables 2–3): a task network trained on (a) raw synthetic, (b) refined synthetic
 *    (the run's refiner applied to the synthetic set, labels kept), (c) real, where the real domain is
 *    labelled — tested on held-out real data. Digits: accuracy on the MNIST test split (never trained on).
 *    Eyes (`gaze-downstream.ts`): the Table-2 analogue — raw synthetic 1× and 4×, refined 1× and 4×, real,
 *    the constant predictor — in mean angular error and % within 7° / 5°, on `data.test`'s people (or
 *    official MPIIGaze when present and the run has no labelled test set).
 *  - c2st (realism): held-out accuracy of a fresh CNN telling refined from held-out real images, beside the
 *    same for raw synthetic; 50% = indistinguishable.
 *  - labelPreservation (the other side of λ): how far refinement moved what the label describes, seen by a
 *    task network trained on raw synthetic and applied to held-out synthetic images and their refined
 *    versions (digits: accuracy on refined; eyes: angle between its predictions on the two).
 * A part that the data does not allow is `{ unavailable: "<why and how to fix>" }`.
 */
import * as path from 'node:path';
import { tf } from '../backend';
import type { SimGANConfig } from '../config';
import { datasetCatalog } from '../data/catalog';
import { ArrayImageDataset, ImageDataset, splitDataset, toArrayDataset } from '../data/dataset';
import { loadDataset, loadRealSplit, loadSource } from '../data/registry';
import { buildRefiner } from '../nets/refiner';
import type { ClassifierTraining } from '../nets/task';
import { buildDigitClassifier, buildGazeEstimator, classifierAccuracy, predictClasses, predictGaze, trainDigitClassifier, trainGazeEstimator } from '../nets/task';
import { latestCheckpoint, loadModelWeights } from '../runs/checkpoint';
import { writeJsonAtomic } from '../runs/atomic';
import { readRunConfig, runPaths } from '../runs/run-dir';
import { assertDisjointPeople, peopleOf } from '../data/people';
import { c2st } from './c2st';
import { gazeDownstream, gazeTrainingSets } from './gaze-downstream';
import { accuracy, angleDeg, gazeErrors } from './metrics';
import { summarize as summarizeAny, Summary } from './stats';
import { UserError } from '../util/user-error';
import { assertEvalOptions } from './options';
import { RefinerCheck, refinerCheck } from './refiner-check';
import { RealismDistances, realismDistances } from './realism';
import { EvalCache } from './eval-cache';
export { assertEvalOptions, EVAL_OPTION_MIN } from './options';

const UNIT: [number, number] = [0, 1];
const DEGREES: [number, number] = [0, 180];
/** Accuracies and C2ST scores live in [0, 1]. */
const summarize = (v: number[]) => summarizeAny(v, UNIT);

export interface EvalOptions {
  /** Seeds per metric (default 3). */
  seeds?: number;
  /** Task-network epochs (default 3). */
  epochs?: number;
  /** Synthetic images used (default: all). */
  syntheticCount?: number;
  /** C2ST images per side (default 1,000). */
  c2stPerSide?: number;
  /** C2ST epochs (default 8). */
  c2stEpochs?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
  /**
   * A folder in which to keep, and from which to reuse, the parts that do not depend on the refiner
   * (eval-cache.ts): a sweep passes one shared by its runs. Default: none, everything is computed.
   */
  cacheDir?: string;
}

export type Unavailable = { unavailable: string };

type RealismInfo = Pick<RealismDistances, 'features' | 'subsetSize' | 'subsets' | 'frechetSubsets'>;

export interface EvalReport {
  run: string;
  preset: string;
  step: number;
  task: 'digits' | 'gaze' | 'none';
  seeds: number;
  options: Required<Omit<EvalOptions, 'log' | 'cacheDir'>>;
  /** With a cache: which parts were reused from other evaluations and which were computed here. */
  cache?: { dir: string; reused: string[]; computed: string[] };
  seconds: number;
  downstream: Record<string, unknown> | Unavailable;
  /** `realVsReal` (with `data.test`): the real training people against the test people — the floor a perfect
   *  refiner could reach, since the test is other people (identity, glasses, skin), not 50%. */
  c2st: { refined: Summary; synthetic: Summary; realVsReal?: Summary; nPerSide: number } | Unavailable;
  labelPreservation: Record<string, unknown> | Unavailable;
  /** KID (unbiased MMD², cubic kernel) on real-trained task-network features: raw synthetic, refined and the
   *  real floor against the held-out real set, each over random subsets (interval: 2.5–97.5 percentile). */
  kid: (RealismDistances['kid'] & RealismInfo) | Unavailable;
  /** The Fréchet distance on the same features and subsets. */
  frechet: (RealismDistances['frechet'] & RealismInfo) | Unavailable;
  /** Did the refiner change its input (relative to the domain gap) and keep it (not saturated)? With a warning if not. */
  refinerCheck: RefinerCheck;
}

/** Apply a refiner to a whole dataset (batched, labels kept). */
export async function refineDataset(refiner: tf.LayersModel, ds: ImageDataset, batchSize = 128): Promise<ArrayImageDataset> {
  const [h, w, c] = ds.imageShape;
  const per = h * w * c;
  const pixels = new Float32Array(ds.size * per);
  for (let s = 0; s < ds.size; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, ds.size - s) }, (_, k) => s + k);
    const x = ds.batch(idx);
    const y = tf.tidy(() => refiner.predict(x) as tf.Tensor);
    pixels.set((await y.data()) as Float32Array, s * per);
    tf.dispose([x, y]);
    await new Promise((r) => setImmediate(r));
  }
  return new ArrayImageDataset(`${ds.name}/refined`, ds.imageShape, pixels, ds.labels, ds.labelNames);
}

/** The run's refiner at its latest checkpoint. */
export function loadRunRefiner(runDir: string, config: SimGANConfig): { refiner: tf.LayersModel; step: number } {
  const ckpt = latestCheckpoint(runPaths(runDir).checkpoints);
  if (!ckpt) throw new UserError(`${runDir} has no checkpoint yet: train it first (simgan train … --out ${runDir})`);
  const refiner = buildRefiner(config, config.seed);
  loadModelWeights(refiner, path.join(ckpt, 'refiner'));
  return { refiner, step: Number(/step-(\d+)/.exec(ckpt)?.[1] ?? 0) };
}

function taskOf(ds: ImageDataset): EvalReport['task'] {
  const names = ds.labelNames ?? [];
  if (names[0] === 'class') return 'digits';
  if (['x', 'y', 'z'].every((k, i) => names[i] === k)) return 'gaze';
  return 'none';
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * Evaluation seeds (task-network initialisation, data order, C2ST split) derive from the run's own seed:
 * runs that differ only in their training seed also differ here, so a summary across runs covers both
 * sources of variance (with fixed evaluation seeds the raw-synthetic baseline would come out identical in
 * every run, with an interval of zero width).
 */
export function evalSeeds(runSeed: number, n: number): number[] {
  return range(n).map((k) => runSeed * 1000 + k);
}

/** Labelled real eyes for a gaze test: the run's test people or held-out real images if labelled, else
 * official MPIIGaze (then no real-trained estimator: its people could overlap nothing we know of). */
async function labelledRealEyes(config: SimGANConfig, holdout: ImageDataset, realTrain: ImageDataset): Promise<{ train?: ImageDataset; test: ImageDataset } | Unavailable> {
  if (taskOf(holdout) === 'gaze') return { train: realTrain, test: holdout };
  const official = datasetCatalog().find((d) => d.name === 'mpiigaze-official');
  if (official?.present) {
    const test = await loadSource('mpiigaze-official', { size: { width: config.image.width, height: config.image.height } });
    return { test };
  }
  return {
    unavailable:
      `no labelled real eyes: the real domain '${config.data.real}' has no gaze labels and MPIIGaze's official .mat files are absent ` +
      `(put them at data/MPIIGaze/Data/Normalized, see data/README.md, or use the columbia-eyes preset: Columbia Gaze crops)`,
  };
}

/**
 * The real images evaluation uses: `train` (what the real-trained estimator learns from: the real domain
 * minus its held-out part) and `holdout` (what realism and downstream tests use). With `data.test` set,
 * `holdout` is that source: other people than any network trained on.
 */
export async function evaluationRealSets(config: SimGANConfig): Promise<{ train: ImageDataset; holdout: ImageDataset }> {
  const split = await loadRealSplit(config);
  if (!config.data.test) return split;
  const holdout = await loadDataset(config.data.test, { config });
  assertDisjointPeople(peopleOf(split.train), peopleOf(holdout), [`real '${config.data.real}'`, `test '${config.data.test}'`]);
  return { train: split.train, holdout };
}

export async function evaluateRun(runDir: string, options: EvalOptions = {}): Promise<EvalReport> {
  const t0 = performance.now();
  const log = options.log ?? console.log;
  const o: Required<Omit<EvalOptions, 'log' | 'cacheDir'>> = {
    seeds: options.seeds ?? 3,
    epochs: options.epochs ?? 3,
    syntheticCount: options.syntheticCount ?? 0,
    c2stPerSide: options.c2stPerSide ?? 1000,
    c2stEpochs: options.c2stEpochs ?? 8,
  };
  assertEvalOptions(o);
  const config = readRunConfig(runDir);
  const { refiner, step } = loadRunRefiner(runDir, config);
  try {
    const seeds = evalSeeds(config.seed, o.seeds);
    let synthetic = toArrayDataset(await loadDataset(config.data.synthetic, { config }));
    if (o.syntheticCount > 0 && o.syntheticCount < synthetic.size) synthetic = synthetic.subset(range(o.syntheticCount).map((i) => i - 1));
    const { train: realTrain, holdout } = await evaluationRealSets(config);
    // Task networks train on 80% of the synthetic set; label preservation is measured on the other 20%.
    const synSplit = splitDataset(synthetic, 0.2, 99);
    log(`[eval] refining ${synthetic.size.toLocaleString('en-US')} synthetic images with the step-${step} refiner`);
    const refinedTrain = await refineDataset(refiner, synSplit.train);
    const refinedHeld = await refineDataset(refiner, synSplit.validation);
    const task = taskOf(synthetic);
    const epochs = o.epochs;

    // What does not depend on the refiner (networks trained on raw synthetic or real images, their C2STs)
    // is taken from the cache when another run computed it on the same data, seed and numerics.
    const cache = options.cacheDir ? new EvalCache(options.cacheDir, undefined, log) : undefined;
    const trainTask = (kind: 'digits' | 'gaze', what: string, ds: ImageDataset, training: ClassifierTraining, shareable: boolean) => {
      const fresh = () => (kind === 'digits' ? trainDigitClassifier(ds, training) : trainGazeEstimator(ds, training));
      if (!cache || !shareable) return fresh();
      const build = () => (kind === 'digits' ? buildDigitClassifier(training.seed, ds.imageShape) : buildGazeEstimator(training.seed, ds.imageShape, 'cpu'));
      return cache.model(`${kind === 'digits' ? 'digit classifier' : 'gaze estimator'} on ${what}, seed ${training.seed}`, [ds], training, build, fresh);
    };
    const sharedC2st = (what: string, a: ImageDataset, b: ImageDataset, opts: { seed: number; maxPerSide: number; epochs: number }) =>
      cache ? cache.value(`c2st ${what}, seed ${opts.seed}`, [a, b], opts, () => c2st(a, b, opts)) : c2st(a, b, opts);

    // ---- realism ----
    let c2stPart: EvalReport['c2st'];
    let c2stRefinedMean: number | undefined;
    if (holdout.size < 8) {
      c2stPart = { unavailable: `too few held-out real images (${holdout.size}); set data.realHoldout > 0 or data.test` };
    } else {
      const refinedAll = await refineDataset(refiner, synthetic);
      const r: number[] = [], s: number[] = [], rr: number[] = [];
      const people = Boolean(config.data.test) && realTrain.size >= 8;
      for (const [k, seed] of seeds.entries()) {
        log(`[eval] c2st seed ${k + 1}/${o.seeds}`);
        const opts = { seed, maxPerSide: o.c2stPerSide, epochs: o.c2stEpochs };
        r.push((await c2st(refinedAll, holdout, opts)).accuracy);
        s.push((await sharedC2st('raw synthetic vs held-out real', synthetic, holdout, opts)).accuracy);
        if (people) rr.push((await sharedC2st('real training vs held-out real', realTrain, holdout, opts)).accuracy);
      }
      c2stRefinedMean = r.reduce((a, b) => a + b, 0) / r.length;
      c2stPart = {
        refined: summarize(r), synthetic: summarize(s), ...(rr.length ? { realVsReal: summarize(rr) } : {}),
        nPerSide: Math.min(o.c2stPerSide, synthetic.size, holdout.size),
      };
    }

    // ---- downstream and label preservation ----
    const gazeReal = task === 'gaze' ? await labelledRealEyes(config, holdout, realTrain) : undefined;
    let downstream: EvalReport['downstream'];
    let preservation: EvalReport['labelPreservation'];
    if (task === 'digits') {
      const testSet = config.data.real === 'mnist' ? await loadSource('mnist-test', { size: { width: 28, height: 28 } }) : holdout;
      const acc: Record<'synthetic' | 'refined' | 'real', number[]> = { synthetic: [], refined: [], real: [] };
      const keptOnRefined: number[] = [], onSynthetic: number[] = [];
      for (const [k, seed] of seeds.entries()) {
        for (const cond of ['synthetic', 'refined', 'real'] as const) {
          const trainSet = cond === 'synthetic' ? synSplit.train : cond === 'refined' ? refinedTrain : realTrain;
          if (cond === 'real' && taskOf(realTrain) !== 'digits') continue;
          log(`[eval] downstream seed ${k + 1}/${o.seeds}: classifier on ${cond} (${trainSet.size.toLocaleString('en-US')} images)`);
          const model = await trainTask('digits', cond, trainSet, { epochs, batchSize: 64, lr: 1e-3, seed }, cond !== 'refined');
          acc[cond].push(await classifierAccuracy(model, testSet));
          if (cond === 'synthetic') {
            const truth = synSplit.validation.labels!.map((l) => l[0]);
            keptOnRefined.push(accuracy(await predictClasses(model, refinedHeld), truth));
            onSynthetic.push(accuracy(await predictClasses(model, synSplit.validation), truth));
          }
          model.dispose();
        }
      }
      downstream = {
        metric: 'accuracy',
        testSet: `${testSet.name} (${testSet.size} images)`,
        trainedOnSynthetic: summarize(acc.synthetic),
        trainedOnRefined: summarize(acc.refined),
        ...(acc.real.length ? { trainedOnReal: summarize(acc.real) } : { trainedOnReal: { unavailable: 'the real domain has no class labels' } }),
      };
      preservation = {
        metric: 'accuracy of a synthetic-trained classifier on held-out synthetic digits and on their refined versions',
        onSynthetic: summarize(onSynthetic),
        onRefined: summarize(keptOnRefined),
      };
    } else if (task === 'gaze') {
      const real = gazeReal!;
      const shift: number[] = [], errSyn: number[] = [], errRef: number[] = [];
      const preserve = async (model: tf.LayersModel) => {
        const pSyn = await predictGaze(model, synSplit.validation);
        const pRef = await predictGaze(model, refinedHeld);
        shift.push(pSyn.reduce((a, p, i) => a + angleDeg(p, pRef[i]), 0) / pSyn.length);
        errSyn.push(gazeErrors(pSyn, synSplit.validation.labels!).meanDeg);
        errRef.push(gazeErrors(pRef, refinedHeld.labels!).meanDeg);
      };
      if ('test' in real) {
        const sets = gazeTrainingSets(synSplit.train, refinedTrain, real.train);
        const train = (cond: string, ds: ImageDataset, training: ClassifierTraining) => trainTask('gaze', cond, ds, training, !cond.startsWith('refined'));
        downstream = { ...(await gazeDownstream(sets, real.test, { seeds, epochs, log, train }, preserve)) };
      } else {
        downstream = real;
        for (const [k, seed] of seeds.entries()) {
          log(`[eval] seed ${k + 1}/${o.seeds}: gaze estimator on synthetic (label preservation only)`);
          const model = await trainTask('gaze', 'synthetic', synSplit.train, { epochs, batchSize: 64, lr: 1e-3, seed }, true);
          await preserve(model);
          model.dispose();
        }
      }
      preservation = {
        metric: 'a synthetic-trained gaze estimator (with a labelled test set: the 1× one) on held-out synthetic eyes and their refined versions (degrees)',
        predictionShiftDeg: summarizeAny(shift, DEGREES),
        errorOnSyntheticDeg: summarizeAny(errSyn, DEGREES),
        errorOnRefinedDeg: summarizeAny(errRef, DEGREES),
      };
    } else {
      const why = `the '${config.data.synthetic}' domain has no task labels (digit classes or gaze)`;
      downstream = { unavailable: why };
      preservation = { unavailable: why };
    }

    // ---- realism distances on real-trained features ----
    let distances: RealismDistances | Unavailable;
    if (task === 'digits' && taskOf(realTrain) === 'digits' && holdout.size >= 8) {
      distances = await realismDistances('digits', { synthetic: synSplit.validation, refined: refinedHeld, realTrain, reference: holdout }, { epochs, seed: seeds[0], log, train: (ds, training) => trainTask('digits', 'real (feature network)', ds, training, true) });
    } else if (gazeReal && 'test' in gazeReal && gazeReal.train) {
      distances = await realismDistances('gaze', { synthetic: synSplit.validation, refined: refinedHeld, realTrain: gazeReal.train, reference: gazeReal.test }, { epochs, seed: seeds[0], log, train: (ds, training) => trainTask('gaze', 'real (feature network)', ds, training, true) });
    } else {
      distances = { unavailable: task === 'none' ? `the '${config.data.synthetic}' domain has no task labels to train a feature network on` : 'no labelled real training images and held-out real set to train a feature network and compare against' };
    }
    const split = (which: 'kid' | 'frechet') =>
      'unavailable' in distances ? distances : { ...distances[which], features: distances.features, subsetSize: distances.subsetSize, subsets: distances.subsets, frechetSubsets: distances.frechetSubsets };

    const check = refinerCheck(synSplit.validation, refinedHeld, holdout.size >= 8 ? holdout : realTrain, c2stRefinedMean, config.lambda);
    if (check.warning) log(`[eval] warning: ${check.warning}`);

    const report: EvalReport = {
      run: path.resolve(runDir),
      preset: config.preset,
      step,
      task,
      seeds: o.seeds,
      options: o,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      downstream,
      c2st: c2stPart,
      labelPreservation: preservation,
      kid: split('kid'),
      frechet: split('frechet'),
      refinerCheck: check,
      ...(cache ? { cache: { dir: path.resolve(cache.dir), reused: cache.reused, computed: cache.computed } } : {}),
    };
    if (cache) log(`[eval] cache ${cache.dir}: ${cache.reused.length} part${cache.reused.length === 1 ? '' : 's'} reused, ${cache.computed.length} computed and stored`);
    writeJsonAtomic(path.join(runPaths(runDir).root, 'eval.json'), report);
    return report;
  } finally {
    refiner.dispose();
  }
}
