/** `simgan bench`: the step benchmark's bookkeeping, the plan, the report and the command line. No timed assertions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend, tf } from '../src/backend';
import { assembleReport, benchPlan, coresSpeedup, BenchRow, formatReport, headline, MeasuredRow } from '../src/bench/report';
import { benchmarkSteps, convForward, median } from '../src/bench/steps';
import { runTorchReference, TorchResult } from '../src/bench/torch';
import { BENCH_VARIANTS, BenchVariant } from '../src/bench/variants';
import { runWorker } from '../src/commands/bench';
import { ConfigError } from '../src/config';
import { projectRoot } from '../src/paths';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-bench-'));

function simgan(args: string[]) {
  const { SIMGAN_BACKEND: _ignored, ...env } = process.env;
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, timeout: 120000 });
}

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('benchmarkSteps (toy): positive medians, every sample, no leak, everything freed', async () => {
  await selectBackend('wasm', { log: false });
  const start = tf.memory().numTensors;
  const r = await benchmarkSteps({ preset: 'toy', steps: 2, warmup: 1 });
  assert.equal(r.batch, 16);
  assert.equal(r.refinerSamplesMs.length, 2);
  assert.equal(r.discSamplesMs.length, 2);
  assert.ok(r.refinerStepMs > 0 && r.discStepMs > 0);
  assert.ok(r.refinerImagesPerSec > 0 && r.discImagesPerSec > 0);
  assert.ok(r.numTensorsBefore > start, 'the trainer holds weights during the steps');
  assert.equal(r.numTensorsAfter, r.numTensorsBefore);
  assert.ok(r.peakRssMiB > 0);
  assert.equal(tf.memory().numTensors, start, 'trainer.dispose() frees all its tensors');

  const b = await benchmarkSteps({ preset: 'toy', batch: 4, steps: 1, warmup: 1 });
  assert.equal(b.batch, 4);
  await assert.rejects(benchmarkSteps({ preset: 'toy', warmup: 0 }), /warmup 0: give a whole number ≥ 1/);
  await assert.rejects(benchmarkSteps({ preset: 'toy', batch: 3 }), /batchSize=3 must be even/);
});

test('convForward: the refiner block conv shape, positive GFLOP/s, inputs freed', async () => {
  await selectBackend('wasm', { log: false });
  const start = tf.memory().numTensors;
  const c = await convForward({ preset: 'toy', reps: 2 });
  assert.deepEqual(c.shape, { input: [16, 16, 16, 16], filter: [3, 3, 16, 16], padding: 'same' });
  assert.ok(c.ms > 0 && c.gflops > 0);
  assert.equal(tf.memory().numTensors, start);
});

test('the plan: cpu only on toy by default, forced by naming both; unknown names list the allowed ones', () => {
  const plan = benchPlan();
  const at = (variant: string, preset: string) => plan.find((p) => p.variant.label === variant && p.preset === preset)!;
  assert.equal(at('wasm', 'paper-eyes').batch, 32);
  assert.equal(at('wasm', 'toy').batch, 16);
  assert.equal(at('wasm', 'paper-eyes').skip, undefined);
  assert.equal(at('cpu', 'toy').skip, undefined);
  assert.match(at('cpu', 'paper-eyes').skip!, /pure-JS cpu backend: minutes per step; pass --variants cpu --presets paper-eyes to force/);
  assert.match(at('cpu', 'cpu-eyes').skip!, /--presets cpu-eyes to force/);
  const forced = benchPlan({ variants: ['cpu'], presets: ['paper-eyes'] });
  assert.equal(forced.length, 1);
  assert.equal(forced[0].skip, undefined);
  assert.equal(benchPlan({ presets: ['cpu-eyes'], batch: 8 })[0].batch, 8);
  assert.throws(() => benchPlan({ presets: ['papr-eyes'] }), (e: Error) => e instanceof ConfigError && /unknown preset 'papr-eyes'.*paper-eyes, paper-hands, cpu-eyes, columbia-eyes, cpu-digits, toy/.test(e.message));
  assert.throws(() => benchPlan({ variants: ['gpu'] }), /unknown variant 'gpu' in --variants; choose from wasm, wasm\+native, wasm\+native-cores, wasm\+native-direct, wasm\+native-sgemm, cpu, tensorflow/);
  assert.throws(() => benchPlan({ presets: ['toy'], batch: 5 }), /batchSize=5 must be even/);
});

test('the plan only iterates the variants table: a new row needs no other change', () => {
  const extra: BenchVariant = { label: 'wasm-2', env: { SIMGAN_BACKEND: 'wasm', X: '2' }, available: () => 'needs X' };
  const plan = benchPlan({ presets: ['toy'] }, [...BENCH_VARIANTS, extra]);
  assert.deepEqual(plan.map((p) => p.variant.label), [...BENCH_VARIANTS.map((v) => v.label), 'wasm-2']);
  assert.equal(plan.at(-1)!.skip, 'needs X');
  assert.equal(benchPlan({ presets: ['toy'] }, [{ ...extra, available: () => false }])[0].skip, 'not available');
});

function row(variant: string, backend: string, preset: string, batch: number, r: number, d: number): MeasuredRow {
  return {
    variant, backend, threads: 1, preset, batch, steps: 5, warmup: 2, refinerStepMs: r, discStepMs: d, refinerSamplesMs: [r], discSamplesMs: [d],
    refinerImagesPerSec: batch / (r / 1000), discImagesPerSec: batch / (d / 1000), numTensorsBefore: 10, numTensorsAfter: 10, peakRssMiB: 100,
    backendInfo: { name: backend, native: false, threads: 1, package: 'x', reason: 'test' },
    conv: { shape: { input: [batch, 35, 55, 64], filter: [3, 3, 64, 64], padding: 'same' }, ms: 1, gflops: 10, samplesMs: [1] },
  };
}

const torch: TorchResult = { impl: 'pytorch', torch: '1.13', batch: 32, threads: 1, width: 64, blocks: 4, refiner_step_ms: 700, disc_step_ms: 200, steps: 5, script: 's', python: 'p' };

test('headline: fastest non-cpu variant on paper-eyes at batch 32, ours/torch to 2 decimals; otherwise why absent', () => {
  const rows: BenchRow[] = [
    row('cpu', 'cpu', 'paper-eyes', 32, 10, 10),
    row('wasm', 'wasm', 'paper-eyes', 32, 3500, 1000),
    row('fast', 'tensorflow', 'paper-eyes', 32, 1000, 300),
    row('fast', 'tensorflow', 'paper-eyes', 16, 1, 1),
    { variant: 'tensorflow', preset: 'paper-eyes', batch: 32, skipped: 'not installed' },
  ];
  const h = headline(rows, torch);
  assert.ok(!('unavailable' in h));
  assert.equal(h.variant, 'fast');
  assert.deepEqual(h.torch, { refinerStepMs: 700, discStepMs: 200 });
  assert.deepEqual(h.ratio, { refiner: 1.43, disc: 1.5 });
  const noTorch = headline(rows, { unavailable: 'x' });
  assert.ok(!('unavailable' in noTorch) && noTorch.ratio === undefined && noTorch.torch === undefined);
  const absent = headline([row('wasm', 'wasm', 'toy', 16, 1, 1)], torch);
  assert.match((absent as { unavailable: string }).unavailable, /paper-eyes at batch 32 was not in this run's plan/);
  // The all-cores variant is faster but is not compared with PyTorch's one thread: it gets its own line.
  const withCores = [row('wasm+native', 'wasm', 'paper-eyes', 32, 2000, 600), row('wasm+native-cores', 'wasm', 'paper-eyes', 32, 1000, 400)];
  assert.equal((headline(withCores, torch) as { variant: string }).variant, 'wasm+native');
  const speed = coresSpeedup(withCores);
  assert.deepEqual(speed.map((s) => [s.preset, s.refiner, s.disc]), [['paper-eyes', 2, 1.5]]);
  // …in the JSON too, rounded as the ratios are.
  const threeCores = [row('wasm+native', 'wasm', 'paper-eyes', 32, 1000, 600), row('wasm+native-cores', 'wasm', 'paper-eyes', 32, 300, 400)];
  assert.deepEqual(assembleReport({ rows: threeCores, torch, steps: 5, warmup: 2 }).coresSpeedup.map((s) => [s.preset, s.batch, s.refiner, s.disc]), [['paper-eyes', 32, 3.33, 1.5]]);
  assert.deepEqual(assembleReport({ rows, torch, steps: 5, warmup: 2 }).coresSpeedup, []);
  assert.match(formatReport(assembleReport({ rows: withCores, torch, steps: 5, warmup: 2 })), /^cores +\d+ threads vs 1 on paper-eyes at batch 32: R 2\.00×, D 1\.50× faster \(wasm\+native-cores vs wasm\+native\)$/m);
  const onlyCpu = headline([row('cpu', 'cpu', 'paper-eyes', 32, 1, 1), { variant: 'wasm', preset: 'paper-eyes', batch: 32, failed: 'boom' }], torch);
  assert.match((onlyCpu as { unavailable: string }).unavailable, /no variant other than the pure-JS cpu backend.*wasm: failed/);
});

test('report: torch ratios only where the networks match (paper-eyes, cpu-eyes at 32); the table', () => {
  const rows: BenchRow[] = [
    row('wasm', 'wasm', 'paper-eyes', 32, 3500, 1000),
    row('wasm', 'wasm', 'cpu-eyes', 32, 3600, 1100),
    row('wasm', 'wasm', 'cpu-eyes', 16, 1800, 500),
    row('wasm', 'wasm', 'cpu-digits', 32, 100, 80),
    { variant: 'cpu', preset: 'paper-eyes', batch: 32, skipped: 'pure-JS cpu backend: minutes per step; pass --variants cpu --presets paper-eyes to force' },
  ];
  const report = assembleReport({ rows, torch, steps: 5, warmup: 2 });
  const ratios = report.results.map((r) => (r as MeasuredRow).vsTorch);
  assert.deepEqual(ratios.slice(0, 4), [{ refiner: 5, disc: 5 }, { refiner: 5.14, disc: 5.5 }, undefined, undefined]);
  assert.equal(typeof report.machine.cores, 'number');
  assert.match(String(report.machine.isa), /^(AVX-512|AVX2|AVX|SSE4\.1|baseline)$/);
  assert.equal((report.headline as { isa?: string }).isa, report.machine.effectiveIsa);
  const text = formatReport(report);
  assert.match(text, /^isa +(AVX-512|AVX2|AVX|SSE4\.1|baseline)/m);
  const emulated = formatReport({ ...report, machine: { ...report.machine, isa: 'AVX-512', effectiveIsa: 'AVX2', onednnMaxIsa: 'AVX2', winograd: false, winogradKernel: undefined } });
  assert.match(emulated, /^isa +AVX2 \(ONEDNN_MAX_CPU_ISA=AVX2 on an AVX-512 CPU: emulated\), no Winograd kernels$/m);
  const own = formatReport({ ...report, machine: { ...report.machine, isa: 'AVX2', effectiveIsa: 'AVX2', winograd: false, winogradKernel: 'simgan_wino_4x3:avx2' } });
  assert.match(own, /^isa +AVX2, no oneDNN Winograd: the addon's own \(simgan_wino_4x3:avx2\)$/m);
  assert.match(text, /variant +preset +batch +R step ms +D step ms +R img\/s +tensors before→after +peak RSS MiB +conv GFLOP\/s/);
  assert.match(text, /cpu +paper-eyes +32 +skipped \(pure-JS cpu backend/);
  assert.match(text, /torch +PyTorch 1\.13/);
  assert.match(text, /ratio +ours\/torch on paper-eyes at batch 32 \(wasm\): R 5\.00×, D 5\.00×/);
});

test('torch reference missing: unavailable with a reason, no crash', () => {
  const noScript = runTorchReference({ script: path.join(tmp, 'missing.py') });
  assert.match((noScript as { unavailable: string }).unavailable, /not found at .*missing\.py; pass --torch-script PATH/);
  const noPython = runTorchReference({ python: path.join(tmp, 'no-python3') });
  assert.match((noPython as { unavailable: string }).unavailable, /cannot run .*no-python3.*apt-get install -y python3-torch/);
});

/** A stand-in for python: passes the `import torch` probe and prints what the reference would, echoing its arguments. */
function fakePython(body: string): string {
  const file = path.join(tmp, `fake-python-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, `#!/bin/sh\n[ "$1" = "-c" ] && exit 0\nshift\necho "warming up"\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

test('torch reference: the arguments it passes and the JSON line it parses', () => {
  const script = path.join(tmp, 'reference.py');
  writeFileSync(script, '# stand-in: the fake python never reads it\n');
  const python = fakePython(`echo "{\\"impl\\": \\"pytorch\\", \\"argv\\": \\"$*\\", \\"refiner_step_ms\\": 700, \\"disc_step_ms\\": 200}"`);
  const r = runTorchReference({ steps: 3, script, python });
  assert.ok(!('unavailable' in r), JSON.stringify(r));
  assert.equal((r as unknown as { argv: string }).argv, '--batch 32 --threads 1 --width 64 --blocks 4 --steps 3');
  assert.equal(r.refiner_step_ms, 700);
  assert.equal(r.disc_step_ms, 200);
  const garbage = runTorchReference({ script, python: fakePython('echo "Segmentation fault"') });
  assert.match((garbage as { unavailable: string }).unavailable, /printed no usable JSON line/);
});

test('simgan bench --presets toy --variants wasm --json: one measured row, no headline (and why), --out matches', () => {
  const out = path.join(tmp, 'sub', 'bench.json');
  const r = simgan(['bench', '--presets', 'toy', '--variants', 'wasm', '--steps', '2', '--warmup', '1', '--no-torch', '--json', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), report);
  assert.equal(report.steps, 2);
  assert.equal(report.results.length, 1);
  const [res] = report.results;
  assert.equal(res.variant, 'wasm');
  assert.equal(res.backend, 'wasm');
  assert.equal(res.preset, 'toy');
  assert.ok(res.refinerStepMs > 0 && res.discStepMs > 0 && res.conv.gflops > 0);
  assert.equal(res.numTensorsAfter, res.numTensorsBefore);
  assert.match(report.headline.unavailable, /paper-eyes at batch 32 was not in this run's plan/);
  assert.match(report.torch.unavailable, /--no-torch/);
  assert.match(r.stderr, /\[bench\] 1\/1 wasm toy batch 16: R [\d.]+ ms/);
});

test('simgan bench: unknown preset or variant exits 2 naming the allowed values; missing torch script is reported', () => {
  const p = simgan(['bench', '--presets', 'toy,eyes', '--no-torch']);
  assert.equal(p.status, 2);
  assert.match(p.stderr, /unknown preset 'eyes' in --presets; choose from paper-eyes, paper-hands, cpu-eyes, columbia-eyes, cpu-digits, toy/);
  const v = simgan(['bench', '--variants', 'gpu', '--no-torch']);
  assert.equal(v.status, 2);
  assert.match(v.stderr, /unknown variant 'gpu' in --variants; choose from wasm, wasm\+native, wasm\+native-cores, wasm\+native-direct, wasm\+native-sgemm, cpu, tensorflow/);
  const o = simgan(['bench', '--steps', '0']);
  assert.equal(o.status, 2);
  assert.match(o.stderr, /--steps 0: give a whole number ≥ 1/);
  // tensorflow on paper-eyes: skipped (no worker) unless a native package is installed; the torch script is missing.
  const t = simgan(['bench', '--presets', 'paper-eyes', '--variants', 'tensorflow', '--json', '--torch-script', path.join(tmp, 'nope.py')]);
  const report = JSON.parse(t.stdout);
  assert.match(report.torch.unavailable, /not found at .*nope\.py/);
  assert.equal(report.headline.ratio, undefined);
});

test('a worker that fails becomes a failed row with its error, not a crash', async () => {
  const bad: BenchVariant = { label: 'bad', env: { SIMGAN_BACKEND: 'gpu' }, available: () => true };
  const r = await runWorker({ variant: bad, preset: 'toy', batch: 16 }, 1, 1);
  // A bad setting is the user's mistake: the worker exits 2 with the one-line message, which the row keeps.
  assert.match((r as { failed: string }).failed, /^worker exited 2: simgan: SIMGAN_BACKEND="gpu" is not a backend/, JSON.stringify(r));
});
