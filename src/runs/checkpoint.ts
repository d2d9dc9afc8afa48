/**
 * Checkpoints: everything needed to continue a run exactly — both networks (tfjs layers format:
 * model.json + weights.bin), both optimizers' state, the history buffer, the RNG states and the step.
 *
 * A checkpoint is written into a temporary folder and renamed into place, then `latest.json` is replaced
 * atomically; a crash at any point leaves the previous checkpoint intact and `latest.json` pointing at it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend';
import type { HistorySnapshot } from '../history';
import { UserError } from '../util/user-error';
import { writeJsonAtomic } from './atomic';
import { runPaths } from './run-dir';

export interface CheckpointState {
  /** Global step completed (pretraining steps included). */
  step: number;
  /** The trainer's data RNG state. */
  rngState: number;
  /** Metric lines written up to and including `step`. */
  metricLines: number;
  /** Anything else the training loop needs to continue identically (collapse monitor, …). */
  extra: Record<string, unknown>;
}

export interface CheckpointContents {
  state: CheckpointState;
  refiner: tf.LayersModel;
  discriminator: tf.LayersModel;
  refinerOptimizer: tf.Optimizer;
  discriminatorOptimizer: tf.Optimizer;
  history: HistorySnapshot;
}

const LATEST = 'latest.json';

function toArrayBuffer(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

function bufferOf(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** Save a layers model as model.json + weights.bin in `dir` (the standard tfjs file layout). */
async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = toArrayBuffer(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
      writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(weights));
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Load weights saved by `saveModel` into an already built model of the same architecture. */
export function loadModelWeights(model: tf.LayersModel, dir: string): void {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const specs = manifest.weightsManifest[0].weights as tf.io.WeightsManifestEntry[];
  const named = tf.io.decodeWeights(bufferOf(readFileSync(path.join(dir, 'weights.bin'))), specs);
  const values = model.weights.map((w) => {
    const t = named[w.originalName];
    if (!t) throw new Error(`checkpoint ${dir} has no weight '${w.originalName}' (architecture changed?)`);
    return t;
  });
  model.setWeights(values);
  tf.dispose(Object.values(named));
}

/**
 * tfjs's Adam keeps β1^t and β2^t in variables updated by repeated multiplication, but its setWeights
 * recomputes them with pow(): the last bits differ and a resumed run drifts from an uninterrupted one.
 * They are saved and restored as they are (fields of tfjs 4.22's AdamOptimizer).
 */
type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

async function saveOptimizer(opt: tf.Optimizer, file: string): Promise<void> {
  const internals = opt as unknown as AdamInternals;
  const extra = [internals.accBeta1, internals.accBeta2].every((v) => v instanceof tf.Variable)
    ? [{ name: '__accBeta1', tensor: internals.accBeta1 as tf.Tensor }, { name: '__accBeta2', tensor: internals.accBeta2 as tf.Tensor }]
    : [];
  const own = await opt.getWeights();
  const weights = [...own, ...extra];
  const { data, specs } = await tf.io.encodeWeights(weights);
  // getWeights() makes a fresh tensor for the iteration count; the rest are the optimizer's own variables.
  tf.dispose(own.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  writeFileSync(file, Buffer.from(toArrayBuffer(data as ArrayBuffer | ArrayBuffer[])));
  writeFileSync(`${file}.json`, JSON.stringify(specs));
}

async function loadOptimizer(opt: tf.Optimizer, file: string): Promise<void> {
  const specs = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as tf.io.WeightsManifestEntry[];
  const named = tf.io.decodeWeights(bufferOf(readFileSync(file)), specs);
  // Order matters (tfjs optimizers match state to variables by position): keep the saved order.
  const own = specs.filter((s) => !s.name.startsWith('__'));
  await opt.setWeights(own.map((s) => ({ name: s.name, tensor: named[s.name] })));
  const internals = opt as unknown as AdamInternals;
  if (named.__accBeta1 && internals.accBeta1 && internals.accBeta2) {
    internals.accBeta1.assign(named.__accBeta1);
    internals.accBeta2.assign(named.__accBeta2);
  }
  tf.dispose(Object.values(named));
}

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(7, '0')}`;
}

/** Write a checkpoint for `state.step` into `checkpointsDir`, keep the newest `keep`, return its folder. */
export async function writeCheckpoint(checkpointsDir: string, c: CheckpointContents, keep: number): Promise<string> {
  mkdirSync(checkpointsDir, { recursive: true });
  const name = checkpointName(c.state.step);
  const tmp = path.join(checkpointsDir, `.tmp-${name}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await saveModel(c.refiner, path.join(tmp, 'refiner'));
  await saveModel(c.discriminator, path.join(tmp, 'discriminator'));
  await saveOptimizer(c.refinerOptimizer, path.join(tmp, 'optimizer-refiner.bin'));
  await saveOptimizer(c.discriminatorOptimizer, path.join(tmp, 'optimizer-discriminator.bin'));
  writeFileSync(path.join(tmp, 'history.bin'), Buffer.from(c.history.data.buffer, c.history.data.byteOffset, c.history.data.byteLength));
  const { data: _data, ...historyMeta } = c.history;
  writeFileSync(path.join(tmp, 'history.json'), JSON.stringify(historyMeta));
  writeFileSync(path.join(tmp, 'state.json'), JSON.stringify(c.state, null, 2));
  const final = path.join(checkpointsDir, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeJsonAtomic(path.join(checkpointsDir, LATEST), { step: c.state.step, dir: name });
  // Prune: keep the newest `keep` checkpoints (never the one just written).
  const all = readdirSync(checkpointsDir).filter((f) => /^step-\d+$/.test(f)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    if (old !== name) rmSync(path.join(checkpointsDir, old), { recursive: true, force: true });
  }
  return final;
}

/** The newest complete checkpoint's folder, or undefined if there is none. */
export function latestCheckpoint(checkpointsDir: string): string | undefined {
  const file = path.join(checkpointsDir, LATEST);
  if (!existsSync(file)) return undefined;
  const { dir } = JSON.parse(readFileSync(file, 'utf8')) as { dir: string };
  const full = path.join(checkpointsDir, dir);
  return existsSync(path.join(full, 'state.json')) ? full : undefined;
}

/** Restore a checkpoint into live objects (models and optimizers already built from the same config). */
export async function readCheckpoint(
  dir: string,
  into: Omit<CheckpointContents, 'state' | 'history'>,
): Promise<{ state: CheckpointState; history: HistorySnapshot }> {
  loadModelWeights(into.refiner, path.join(dir, 'refiner'));
  loadModelWeights(into.discriminator, path.join(dir, 'discriminator'));
  await loadOptimizer(into.refinerOptimizer, path.join(dir, 'optimizer-refiner.bin'));
  await loadOptimizer(into.discriminatorOptimizer, path.join(dir, 'optimizer-discriminator.bin'));
  const meta = JSON.parse(readFileSync(path.join(dir, 'history.json'), 'utf8')) as Omit<HistorySnapshot, 'data'>;
  const raw = readFileSync(path.join(dir, 'history.bin'));
  const data = new Float32Array(bufferOf(raw));
  const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as CheckpointState;
  return { state, history: { ...meta, data } };
}

/** A user error unless `runDir` is a run with at least one checkpoint (what eval, turing and refine need). */
export function assertTrainedRun(runDir: string): void {
  const p = runPaths(runDir);
  if (!existsSync(p.config)) throw new UserError(`${p.root} is not a run directory (no config.json): give the --out folder of a simgan train run`);
  if (!latestCheckpoint(p.checkpoints)) throw new UserError(`${p.root} has no checkpoint yet: train it first (simgan train … --out ${runDir})`);
}
