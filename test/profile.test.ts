/** `simgan profile`: kernels grouped per step, the profile of real steps, and the command line. No timed assertions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend, tf } from '../src/backend';
import { aggregateKernels, formatProfile, profileSteps } from '../src/bench/profile';
import { projectRoot } from '../src/paths';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');

test('aggregateKernels: calls and ms per step by kernel name, slowest first, ties by name', () => {
  const r = aggregateKernels(
    [
      { name: 'Add', kernelTimeMs: 1 },
      { name: 'FusedConv2D', kernelTimeMs: 10 },
      { name: 'Add', kernelTimeMs: 3 },
      { name: 'Relu', kernelTimeMs: 2 },
      { name: 'Cast', kernelTimeMs: 2 },
      { name: 'FusedConv2D', kernelTimeMs: 14 },
    ],
    2,
  );
  assert.deepEqual(r.kernels, [
    { kernel: 'FusedConv2D', calls: 1, ms: 12 },
    { kernel: 'Add', calls: 1, ms: 2 },
    { kernel: 'Cast', calls: 0.5, ms: 1 },
    { kernel: 'Relu', calls: 0.5, ms: 1 },
  ]);
  assert.equal(r.kernelMs, 16);
  const withoutScopes = aggregateKernels([{ name: 'fusedConv2d__op', kernelTimeMs: 11 }, { name: 'FusedConv2D', kernelTimeMs: 10 }], 1, (n) => !n.endsWith('__op'));
  assert.deepEqual(withoutScopes, { kernels: [{ kernel: 'FusedConv2D', calls: 1, ms: 10 }], kernelMs: 10 });
  assert.throws(() => aggregateKernels([{ name: 'Conv2D', kernelTimeMs: { error: 'no timer' } }], 1), /Conv2D: the backend could not time it \(no timer\)/);
  assert.throws(() => aggregateKernels([], 0), /steps 0/);
});

test('profileSteps (toy, wasm): convolutions and their gradients in the refiner step, kernels within the wall time, no leak', async () => {
  await selectBackend('wasm', { log: false });
  const start = tf.memory().numTensors;
  const r = await profileSteps({ preset: 'toy', steps: 2, warmup: 1 });
  assert.equal(tf.memory().numTensors, start, 'the trainer and every step tensor are freed');
  assert.equal(r.batch, 16);
  for (const p of [r.refiner, r.disc]) {
    assert.ok(p.kernels.length > 5, `a step runs many kernels (got ${p.kernels.map((k) => k.kernel).join(', ')})`);
    assert.ok(p.kernels.every((k) => k.ms >= 0 && k.calls > 0));
    assert.ok(p.kernels.every((k) => !k.kernel.endsWith('__op')), 'custom-gradient scopes are not kernels');
    for (let i = 1; i < p.kernels.length; i++) assert.ok(p.kernels[i - 1].ms >= p.kernels[i].ms, 'slowest first');
    // Kernels run inside the step: their sum cannot exceed the step's wall time (rounding aside).
    assert.ok(p.kernelMs > 0 && p.kernelMs <= p.wallMs + 0.05, `kernels ${p.kernelMs} ms within wall ${p.wallMs} ms`);
  }
  const names = new Set(r.refiner.kernels.map((k) => k.kernel));
  assert.ok([...names].some((n) => /Conv2D$/.test(n)), `a forward convolution in ${[...names].join(', ')}`);
  assert.ok(names.has('Conv2DBackpropFilter') && names.has('Conv2DBackpropInput'), `the refiner's convolution gradients in ${[...names].join(', ')}`);
  const text = formatProfile(r, 3);
  assert.match(text, /^toy at batch 16: 2 profiled step\(s\) of each kind after 1 warm-up/);
  assert.match(text, /refiner step: [\d.]+ ms wall, [\d.]+ ms in kernels/);
  assert.match(text, /\(\d+ more kernels\)/);
});

test('simgan profile --json --out: the report on stdout and in the file; a missing or unknown preset is a usage error', () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'simgan-profile-')), 'p.json');
  const { SIMGAN_BACKEND: _ignored, ...env } = process.env;
  const run = (args: string[]) => spawnSync(process.execPath, [cli, 'profile', ...args], { encoding: 'utf8', env, timeout: 120000 });
  const ok = run(['--preset', 'toy', '--steps', '1', '--warmup', '1', '--json', '--out', out]);
  assert.equal(ok.status, 0, ok.stderr);
  const printed = JSON.parse(ok.stdout);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), printed);
  assert.equal(printed.preset, 'toy');
  assert.ok(printed.refiner.kernels.length > 0 && printed.disc.kernels.length > 0);
  assert.ok(typeof printed.backend === 'string' && printed.backendInfo.name === printed.backend);
  const missing = run([]);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /profile needs --preset, one of .*toy/);
  const unknown = run(['--preset', 'nope']);
  assert.match(unknown.stderr, /\(not nope\)/);
});
