/** The training loop: run files, determinism, resume equivalence, divergence, learning on `toy`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend, tf } from '../src/backend';
import { resolveConfig, SimGANConfig } from '../src/config';
import { ImageDataset } from '../src/data/dataset';
import { renderToy } from '../src/data/toy';
import { latestCheckpoint } from '../src/runs/checkpoint';
import { readMetrics } from '../src/runs/run-dir';
import { explainWasmHeapError, train, TrainingDivergedError } from '../src/train/train';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-train-'));
const quiet = () => undefined;
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

function smallToy(steps: number, extra: string[] = []): SimGANConfig {
  return resolveConfig('toy', [`schedule.steps=${steps}`, 'logging.checkpointEvery=20', 'logging.sampleEvery=20', ...extra]);
}

test('a run writes config.json, one metric line per step, checkpoints and sample grids', async () => {
  await selectBackend('wasm', { log: false });
  const dir = path.join(tmp, 'files');
  const config = smallToy(40);
  const r = await train({ config, runDir: dir, log: quiet });
  const total = 20 + 10 + 40;
  assert.equal(r.status, 'completed');
  assert.equal(r.step, total);
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')), config);
  const metrics = readMetrics(path.join(dir, 'metrics.jsonl'));
  assert.deepEqual(metrics.map((m) => m.step), Array.from({ length: total }, (_, i) => i + 1));
  assert.deepEqual([...new Set(metrics.map((m) => m.phase))], ['pretrain-refiner', 'pretrain-discriminator', 'adversarial']);
  const adv = metrics.at(-1)!;
  for (const k of ['refinerLoss', 'refinerAdversarial', 'selfReg', 'discriminatorLoss', 'accRefined', 'accReal', 'stepMs', 'numTensors', 'rssMiB']) {
    assert.equal(typeof adv[k], 'number', k);
  }
  // No step leaks: once both optimizers have made their slot variables (first D step), the live tensor count
  // minus the history buffer's images (one tensor each) is the same after every step, checkpoints included.
  const counts = metrics.filter((m) => m.phase === 'adversarial').map((m) => (m.numTensors as number) - (m.historyImages as number));
  assert.deepEqual([...new Set(counts)], [counts[0]], `numTensors − historyImages per step: ${counts.join(',')}`);
  assert.ok((metrics.at(-1)!.historyImages as number) > 0);
  assert.equal(path.basename(latestCheckpoint(path.join(dir, 'checkpoints'))!), 'step-0000070');
  assert.deepEqual(readdirSync(path.join(dir, 'checkpoints')).filter((f) => f.startsWith('step-')), ['step-0000060', 'step-0000070'], 'keeps 2');
  const samples = readdirSync(path.join(dir, 'samples'));
  assert.deepEqual(samples, ['step-0000000.png', 'step-0000020.png', 'step-0000040.png', 'step-0000060.png', 'step-0000070.png']);
  assert.ok(existsSync(path.join(dir, 'checkpoints', 'step-0000070', 'refiner', 'model.json')));
  r.trainer.dispose();
  await assert.rejects(train({ config, runDir: dir, log: quiet }), /already holds a run.*--resume/);
});

test('a long run keeps tf.memory().numTensors flat, checkpoints and samples included', async () => {
  // A history buffer of 8 images is full after the first D step, so nothing may grow after warm-up.
  const config = smallToy(60, ['history.size=8', 'logging.checkpointEvery=7', 'logging.sampleEvery=5']);
  const counts: number[] = [];
  const r = await train({ config, runDir: path.join(tmp, 'flat'), log: quiet, onStep: (m) => { if (m.step > 32) counts.push(tf.memory().numTensors); } });
  assert.ok(counts.length > 50);
  assert.deepEqual(new Set(counts), new Set([counts[0]]), `numTensors varied: min ${Math.min(...counts)}, max ${Math.max(...counts)}`);
  r.trainer.dispose();
});

test('same seed, config and data give the same weights; another seed does not', async () => {
  const a = await train({ config: smallToy(15), log: quiet });
  const b = await train({ config: smallToy(15), log: quiet });
  const c = await train({ config: smallToy(15, ['seed=2']), log: quiet });
  assert.deepEqual(weightsOf(a.trainer.refiner), weightsOf(b.trainer.refiner));
  assert.deepEqual(weightsOf(a.trainer.discriminator), weightsOf(b.trainer.discriminator));
  assert.notDeepEqual(weightsOf(a.trainer.refiner), weightsOf(c.trainer.refiner));
  [a, b, c].forEach((r) => r.trainer.dispose());
});

test('interrupted (AbortSignal) and resumed equals uninterrupted, with no metric line lost or repeated', async () => {
  const config = smallToy(50);
  const full = await train({ config, runDir: path.join(tmp, 'full'), log: quiet });
  const dir = path.join(tmp, 'interrupted');
  const ac = new AbortController();
  const first = await train({ config, runDir: dir, signal: ac.signal, log: quiet, onStep: (m) => { if (m.step === 47) ac.abort(); } });
  assert.equal(first.status, 'aborted');
  assert.equal(first.step, 47);
  first.trainer.dispose();
  const second = await train({ config, runDir: dir, resume: true, log: quiet });
  assert.equal(second.status, 'completed');
  assert.deepEqual(weightsOf(second.trainer.refiner), weightsOf(full.trainer.refiner));
  assert.deepEqual(weightsOf(second.trainer.discriminator), weightsOf(full.trainer.discriminator));
  const steps = readMetrics(path.join(dir, 'metrics.jsonl')).map((m) => m.step);
  assert.deepEqual(steps, Array.from({ length: 80 }, (_, i) => i + 1));
  full.trainer.dispose();
  second.trainer.dispose();
});

/** A dataset that starts returning NaN images after `after` batches. */
class PoisonedDataset implements ImageDataset {
  private calls = 0;
  constructor(private readonly inner: ImageDataset, private readonly after: number) {}
  get name() { return this.inner.name; }
  get imageShape() { return this.inner.imageShape; }
  get size() { return this.inner.size; }
  image(i: number) { return this.inner.image(i); }
  batch(indices: number[]): tf.Tensor4D {
    const b = this.inner.batch(indices);
    if (++this.calls <= this.after) return b;
    const bad = tf.fill(b.shape, NaN) as tf.Tensor4D;
    b.dispose();
    return bad;
  }
}

test('a NaN loss stops training with the step and the last good checkpoint named, and keeps it', async () => {
  const config = smallToy(40);
  const dir = path.join(tmp, 'nan');
  const data = {
    synthetic: new PoisonedDataset(renderToy('synthetic', { height: 16, width: 16, count: 64, seed: 1 }), 45),
    real: renderToy('real', { height: 16, width: 16, count: 64, seed: 2 }),
  };
  const before = tf.memory().numTensors;
  await assert.rejects(train({ config, data, runDir: dir, log: quiet }), (e: Error) => {
    assert.ok(e instanceof TrainingDivergedError);
    assert.match(e.message, /became NaN at step \d+/);
    assert.match(e.message, /last good checkpoint is .*step-0000020/);
    return true;
  });
  assert.equal(path.basename(latestCheckpoint(path.join(dir, 'checkpoints'))!), 'step-0000020');
  assert.equal(tf.memory().numTensors, before, 'a failed run frees its networks');
});

test('learning on toy: refined images move toward the real domain and keep their shapes', async () => {
  // Measure: |mean R(x) − mean real| / |mean x − mean real| over 256 held-out images must fall to ≤ 0.5
  // (observed ≈ 0.04), and R(x) must stay correlated with x (Pearson ≥ 0.8; observed ≈ 0.9): the shape
  // (the label) survives refinement.
  const r = await train({ config: resolveConfig('toy'), log: quiet });
  const syn = renderToy('synthetic', { height: 16, width: 16, count: 256, seed: 999 }).batch([...Array(256).keys()]);
  const real = renderToy('real', { height: 16, width: 16, count: 256, seed: 998 }).batch([...Array(256).keys()]);
  const refined = r.trainer.refine(syn);
  const mean = (t: tf.Tensor) => t.mean().dataSync()[0];
  const ratio = Math.abs(mean(refined) - mean(real)) / Math.abs(mean(syn) - mean(real));
  const corr = tf.tidy(() => {
    const a = refined.sub(refined.mean()), b = syn.sub(syn.mean());
    return a.mul(b).sum().div(a.square().sum().sqrt().mul(b.square().sum().sqrt())).dataSync()[0];
  });
  assert.ok(ratio <= 0.5, `mean-intensity gap kept ${ratio.toFixed(3)} of its size`);
  assert.ok(corr >= 0.8, `refined/synthetic correlation ${corr.toFixed(3)}`);
  tf.dispose([syn, real, refined]);
  r.trainer.dispose();
});

test('a wasm fault while training is explained as the heap running out, with the batch and what to change', () => {
  const config = resolveConfig('paper-eyes');
  const fault = new WebAssembly.RuntimeError('memory access out of bounds');
  const explained = explainWasmHeapError(fault, config, 'wasm', 3.9 * 2 ** 30) as Error;
  assert.ok(explained instanceof Error && explained !== fault);
  assert.match(explained.message, /batch 512 on 35×55 images \(memory access out of bounds; its heap had grown to 3\.9 GiB\)/);
  assert.match(explained.message, /--set batchSize=32/);
  // Other errors, and faults on other backends, pass through untouched.
  const other = new Error('disk full');
  assert.equal(explainWasmHeapError(other, config, 'wasm'), other);
  assert.equal(explainWasmHeapError(fault, config, 'cpu'), fault);
});
