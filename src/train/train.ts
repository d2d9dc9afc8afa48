/**
 * Algorithm 1 of the paper as a resumable loop:
 *   1. pretrain R on self-regularisation alone (`schedule.refinerPretrainSteps`),
 *   2. pretrain D on (R(x) mixed with history, real) (`schedule.discriminatorPretrainSteps`),
 *   3. `schedule.steps` iterations of K_g refiner steps then K_d discriminator steps.
 * Every global step appends one metric line and calls `onStep`; checkpoints and sample grids are written
 * periodically. The loop yields between steps and stops cleanly (with a checkpoint) on `signal` abort.
 */
import * as path from 'node:path';
import { tf } from '../backend';
import type { SimGANConfig } from '../config';
import type { DomainPair } from '../data/dataset';
import { assertDataAvailable, loadDomains } from '../data/registry';
import { latestCheckpoint, readCheckpoint, writeCheckpoint } from '../runs/checkpoint';
import { appendMetric, assertNoRun, createRun, readRunConfig, RunPaths, runPaths, truncateMetrics } from '../runs/run-dir';
import { writeFileAtomic } from '../runs/atomic';
import { Rng } from '../util/random';
import { UserError } from '../util/user-error';
import { imageGridPng } from '../viz/image-grid';
import { CollapseMonitor, domainReference, MonitorState } from './monitor';
import { SimGANTrainer } from './trainer';

export type Phase = 'pretrain-refiner' | 'pretrain-discriminator' | 'adversarial';

/** One line of metrics.jsonl. Loss fields are present when the phase computes them. */
export interface StepMetrics {
  step: number;
  phase: Phase;
  /** Step within its phase, from 1. */
  iteration: number;
  refinerLoss?: number;
  refinerAdversarial?: number;
  selfReg?: number;
  discriminatorLoss?: number;
  /** D's accuracy on refined images (history-mixed batch). */
  accRefined?: number;
  /** D's accuracy on real images. */
  accReal?: number;
  refinedStd?: number;
  refinedSaturated?: number;
  /** Mean |refined − synthetic| per pixel: how much the refiner changes its input. */
  refinedChange?: number;
  stepMs: number;
  /** tfjs tensors alive after the step. The history buffer holds one per image, so a healthy run has
   *  `numTensors − historyImages` constant; a leak shows as steady growth of that difference. */
  numTensors: number;
  /** Images in the history buffer after the step (grows to its capacity, then stays). */
  historyImages: number;
  /** Resident set size of the process after the step, MiB. */
  rssMiB: number;
  /** Warnings active at this step (the refiner does nothing, wipes out its input, or D wins: monitor.ts). */
  warnings?: string[];
}

export interface TrainOptions {
  config: SimGANConfig;
  /** The domains; default: loaded by name from `config.data`. */
  data?: DomainPair;
  /** Run directory for config, metrics, checkpoints and samples; without it nothing is written. */
  runDir?: string;
  /** Continue the run in `runDir` from its latest checkpoint. */
  resume?: boolean;
  signal?: AbortSignal;
  onStep?: (m: StepMetrics) => void;
  /** Called with each sample grid written (PNG bytes) — notebooks show it live. */
  onSample?: (step: number, png: Buffer) => void;
  /** Messages: collapse warnings, checkpoints (default console.log). */
  log?: (line: string) => void;
}

export interface TrainResult {
  status: 'completed' | 'aborted';
  step: number;
  totalSteps: number;
  trainer: SimGANTrainer;
  runDir?: string;
}

/**
 * A user error unless a run can start: its data is available, and the run folder is new (or, to resume,
 * holds a run with the same config). Writes nothing; train() calls it first, the CLI before choosing a backend.
 */
export function assertTrainStart(o: { config: SimGANConfig; runDir?: string; resume?: boolean; checkData?: boolean }): void {
  if (o.checkData ?? true) assertDataAvailable(o.config);
  if (!o.runDir) return;
  if (!o.resume) {
    assertNoRun(o.runDir);
    return;
  }
  const changed = resumeConfigChanges(readRunConfig(o.runDir), o.config);
  if (changed.length) {
    throw new UserError(
      `--resume: the config differs from ${path.join(path.resolve(o.runDir), 'config.json')} in ${changed.join(', ')} ` +
        '(a resumed run keeps its config; only schedule.steps, i.e. --steps, may change). Drop the --set/--preset, or train into a new --out.',
    );
  }
}

/** The dotted config keys in which `next` differs from a run's saved config, ignoring schedule.steps. */
export function resumeConfigChanges(saved: SimGANConfig, next: SimGANConfig): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, key: string): void => {
    if (key === 'schedule.steps') return;
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], key ? `${key}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push(key);
    }
  };
  walk(saved, next, '');
  return out;
}

/** A loss became NaN or infinite; the message names the step and the last good checkpoint. */
export class TrainingDivergedError extends Error {}

/**
 * The wasm backend reports an exhausted heap as a bare WebAssembly `RuntimeError` ("memory access out of
 * bounds", "table index is out of bounds": a failed allocation is used as if it had succeeded). 32-bit
 * WebAssembly addresses at most 4 GiB, and the paper presets' batch of 512 needs more. Say what it most
 * likely means, with the heap size reached, and what to change; any other error is returned as it is.
 */
export function explainWasmHeapError(e: unknown, config: SimGANConfig, backend: string, heapBytes?: number): unknown {
  if (backend !== 'wasm' || !(e instanceof WebAssembly.RuntimeError)) return e;
  const { height, width } = config.image;
  const heap = heapBytes === undefined ? '' : `; its heap had grown to ${(heapBytes / 2 ** 30).toFixed(1)} GiB`;
  return new Error(
    `the wasm backend failed training at batch ${config.batchSize} on ${height}×${width} images (${e.message}${heap}): ` +
      `most likely it ran out of memory (WebAssembly's heap is at most 4 GiB; the eye networks take about 1 GiB ` +
      `at batch 32). Lower the batch, e.g. --set batchSize=32 --set history.size=128, or install a native backend ` +
      `(README, "Data and backends").`,
  );
}

/** Bytes of the wasm backend's heap, when it is the active backend. */
function wasmHeapBytes(): number | undefined {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.length;
}

export function totalSteps(c: SimGANConfig): number {
  return c.schedule.refinerPretrainSteps + c.schedule.discriminatorPretrainSteps + c.schedule.steps;
}

export function phaseOf(c: SimGANConfig, step: number): { phase: Phase; iteration: number } {
  const rp = c.schedule.refinerPretrainSteps, dp = c.schedule.discriminatorPretrainSteps;
  if (step <= rp) return { phase: 'pretrain-refiner', iteration: step };
  if (step <= rp + dp) return { phase: 'pretrain-discriminator', iteration: step - rp };
  return { phase: 'adversarial', iteration: step - rp - dp };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Run one global step; returns its metrics (without warnings). */
async function runStep(t: SimGANTrainer, step: number): Promise<StepMetrics> {
  const { phase, iteration } = phaseOf(t.config, step);
  const t0 = performance.now();
  const m: StepMetrics = { step, phase, iteration, stepMs: 0, numTensors: 0, historyImages: 0, rssMiB: 0 };
  if (phase === 'pretrain-refiner') {
    const r = await t.refinerStep(false);
    Object.assign(m, { refinerLoss: r.total, selfReg: r.selfReg, refinedStd: r.refined.std, refinedSaturated: r.refined.saturated, refinedChange: r.refined.change });
  } else if (phase === 'pretrain-discriminator') {
    const d = await t.discriminatorStep();
    Object.assign(m, { discriminatorLoss: d.loss, accRefined: d.accRefined, accReal: d.accReal });
  } else {
    const rs = [];
    for (let k = 0; k < t.config.schedule.kG; k++) rs.push(await t.refinerStep(true));
    const ds = [];
    for (let k = 0; k < t.config.schedule.kD; k++) ds.push(await t.discriminatorStep());
    Object.assign(m, {
      refinerLoss: mean(rs.map((r) => r.total)),
      refinerAdversarial: mean(rs.map((r) => r.adversarial as number)),
      selfReg: mean(rs.map((r) => r.selfReg)),
      refinedStd: mean(rs.map((r) => r.refined.std)),
      refinedSaturated: mean(rs.map((r) => r.refined.saturated)),
      refinedChange: mean(rs.map((r) => r.refined.change as number)),
      discriminatorLoss: mean(ds.map((d) => d.loss)),
      accRefined: mean(ds.map((d) => d.accRefined)),
      accReal: mean(ds.map((d) => d.accReal)),
    });
  }
  m.stepMs = Math.round((performance.now() - t0) * 10) / 10;
  m.numTensors = tf.memory().numTensors;
  m.historyImages = t.history.size;
  m.rssMiB = Math.round(process.memoryUsage.rss() / 2 ** 20);
  return m;
}

/** The fixed synthetic images every sample grid of a run shows (independent of the training RNG). */
export function sampleInputs(t: SimGANTrainer): tf.Tensor4D {
  const rng = new Rng(t.config.seed + 0x5eed);
  const ds = t.data.synthetic;
  return ds.batch(Array.from({ length: t.config.logging.sampleCount }, () => Math.floor(rng.next() * ds.size)));
}

/** Grid rows: synthetic | refined | (refined − synthetic)/2, all on the [-1, 1] scale (gray = no change). */
export async function sampleGrid(t: SimGANTrainer, synthetic: tf.Tensor4D): Promise<Buffer> {
  const [refined, diff] = tf.tidy(() => {
    const r = t.refine(synthetic);
    return [r, r.sub(synthetic).div(2)];
  });
  try {
    const n = synthetic.shape[0];
    const captions = Array<string>(3 * n).fill('');
    [captions[0], captions[n], captions[2 * n]] = ['synthetic', 'refined', 'refined − synthetic'];
    return await imageGridPng([synthetic, refined, diff], { cols: n, range: [-1, 1], captions });
  } finally {
    tf.dispose([refined, diff]);
  }
}

function checkFinite(m: StepMetrics, lastCheckpoint: string | undefined): void {
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new TrainingDivergedError(
        `${k} became ${v} at step ${m.step} (${m.phase}); training stopped. ` +
          (lastCheckpoint ? `The last good checkpoint is ${lastCheckpoint}. ` : 'No checkpoint was written yet. ') +
          'Lower optimizer.*.lr, or check the data for NaN values.',
      );
    }
  }
}

/**
 * Train (or continue training) SimGAN. With `runDir`, writes config.json, metrics.jsonl, checkpoints and
 * samples there; with `resume`, continues from the latest checkpoint in `runDir` so that the final weights
 * equal an uninterrupted run's.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const log = opts.log ?? console.log;
  const config = opts.config;
  let paths: RunPaths | undefined;
  // Everything the user can get wrong (the run folder, the resumed config, absent data) is checked before
  // anything is written, so a failed start leaves no folder behind to trip the retry.
  assertTrainStart({ config, runDir: opts.runDir, resume: opts.resume, checkData: !opts.data });
  const data = opts.data ?? (await loadDomains(config));
  if (opts.runDir) {
    if (opts.resume) {
      paths = runPaths(opts.runDir);
      if (readRunConfig(opts.runDir).schedule.steps !== config.schedule.steps) writeFileAtomic(paths.config, JSON.stringify(config, null, 2) + '\n');
    } else {
      paths = createRun(opts.runDir, config);
    }
  }
  const trainer = new SimGANTrainer(config, data);
  const monitor = new CollapseMonitor(config.logging.collapsePatience, domainReference(data.synthetic, data.real), config.lambda);
  const total = totalSteps(config);
  let step = 0;
  let lastCheckpoint: string | undefined;

  if (paths && opts.resume) {
    const ckpt = latestCheckpoint(paths.checkpoints);
    if (ckpt) {
      const { state, history } = await readCheckpoint(ckpt, trainer);
      trainer.history.restore(history);
      trainer.rng.setState(state.rngState);
      monitor.setState(state.extra.monitor as MonitorState);
      step = state.step;
      lastCheckpoint = ckpt;
      log(`[simgan] resuming from ${ckpt} (step ${step} of ${total})`);
    } else {
      log(`[simgan] no checkpoint in ${paths.checkpoints}: starting from step 0`);
    }
    truncateMetrics(paths.metrics, step);
  }

  const checkpoint = async (): Promise<void> => {
    if (!paths) return;
    lastCheckpoint = await writeCheckpoint(
      paths.checkpoints,
      {
        state: { step, rngState: trainer.rng.getState(), metricLines: step, extra: { monitor: monitor.getState() } },
        refiner: trainer.refiner,
        discriminator: trainer.discriminator,
        refinerOptimizer: trainer.refinerOptimizer,
        discriminatorOptimizer: trainer.discriminatorOptimizer,
        history: await trainer.history.snapshot(),
      },
      config.logging.keepCheckpoints,
    );
  };
  const samples = sampleInputs(trainer);
  const writeSample = async (): Promise<void> => {
    const png = await sampleGrid(trainer, samples);
    if (paths) writeFileAtomic(path.join(paths.samples, `step-${String(step).padStart(7, '0')}.png`), png);
    opts.onSample?.(step, png);
  };

  try {
    if (step === 0) await writeSample();
    while (step < total) {
      if (opts.signal?.aborted) {
        await checkpoint();
        log(`[simgan] aborted at step ${step} of ${total}${lastCheckpoint ? `; checkpoint ${lastCheckpoint}` : ''}`);
        return { status: 'aborted', step, totalSteps: total, trainer, runDir: paths?.root };
      }
      const m = await runStep(trainer, step + 1);
      checkFinite(m, lastCheckpoint);
      if (m.phase === 'adversarial') {
        const stats = m.refinedStd === undefined ? undefined : { std: m.refinedStd, saturated: m.refinedSaturated ?? 0, change: m.refinedChange };
        const { active, started } = monitor.update(stats, m.accRefined, m.accReal);
        if (active.length) m.warnings = active;
        for (const w of started) log(`[simgan] warning at step ${m.step}: ${w}`);
      }
      step = m.step;
      if (paths) appendMetric(paths.metrics, m as unknown as Record<string, unknown>);
      opts.onStep?.(m);
      const { sampleEvery, checkpointEvery } = config.logging;
      if (sampleEvery > 0 && step % sampleEvery === 0 && step < total) await writeSample();
      if (checkpointEvery > 0 && step % checkpointEvery === 0 && step < total) await checkpoint();
      await new Promise((r) => setImmediate(r));
    }
    await writeSample();
    await checkpoint();
    return { status: 'completed', step, totalSteps: total, trainer, runDir: paths?.root };
  } catch (e) {
    const error = explainWasmHeapError(e, config, tf.getBackend(), wasmHeapBytes());
    try {
      trainer.dispose();
    } catch {
      // After a wasm fault the heap is unusable and freeing throws too: report the first error, not this one.
    }
    throw error;
  } finally {
    samples.dispose();
  }
}
