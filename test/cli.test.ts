import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as os from 'node:os';
import { projectRoot } from '../src/paths';
import { availableCores } from '../src/backend';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');

function simgan(args: string[], env: Record<string, string> = {}) {
  const { SIMGAN_BACKEND: _ignored, ...base } = process.env;
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...base, ...env }, timeout: 120000 });
}

test('simgan doctor --json prints valid JSON naming the backend (wasm unless a native one is installed)', () => {
  const r = simgan(['doctor', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const native = (report.native as Array<{ installed: boolean }>).some((n) => n.installed);
  assert.equal(report.backend.name, native ? 'tensorflow' : 'wasm');
  assert.equal(report.tfjs.tfjs, '4.22.0');
  assert.equal(typeof report.wasm.simd, 'boolean');
  assert.ok(Array.isArray(report.datasets) && report.datasets.every((d: { name: string; present: boolean }) => typeof d.present === 'boolean'));
  assert.equal(typeof report.jupyter.found, 'boolean');
  if (!native) {
    const { active, algorithm, threads } = report.nativeConv;
    assert.deepEqual({ active, algorithm, threads }, { active: true, algorithm: 'auto', threads: Number(process.env.SIMGAN_NATIVE_THREADS ?? availableCores()) }, 'run npm run build:native');
  }
});

test('simgan doctor --json reports the CPU, its ISA and whether Winograd kernels run; ONEDNN_MAX_CPU_ISA=AVX2 shows as emulated', () => {
  const plain = JSON.parse(simgan(['doctor', '--json']).stdout);
  assert.match(plain.cpu.isa, /^(AVX-512|AVX2|AVX|SSE4\.1|baseline)$/);
  assert.equal(plain.nativeConv.active, true);
  // Winograd runs on every CPU: oneDNN's where it has one (AVX-512), the addon's own elsewhere.
  assert.equal(plain.nativeConv.winograd, true);
  assert.equal(plain.nativeConv.winogradAvailable, plain.cpu.effectiveIsa === 'AVX-512');
  assert.match(plain.nativeConv.winogradKernel, plain.cpu.effectiveIsa === 'AVX-512' ? /wino.*avx512/ : /^simgan_wino_4x3:/);
  const capped = JSON.parse(simgan(['doctor', '--json'], { ONEDNN_MAX_CPU_ISA: 'AVX2' }).stdout);
  assert.equal(capped.cpu.effectiveIsa, plain.cpu.isa === 'AVX-512' || plain.cpu.isa === 'AVX2' ? 'AVX2' : plain.cpu.isa);
  assert.equal(capped.cpu.emulated, plain.cpu.isa === 'AVX-512');
  assert.equal(capped.nativeConv.winogradAvailable, false);
  assert.equal(capped.nativeConv.winogradKernel, 'simgan_wino_4x3:avx2');
  assert.equal(capped.nativeConv.isa, 'avx2');
  assert.match(simgan(['doctor'], { ONEDNN_MAX_CPU_ISA: 'AVX2' }).stdout, /Winograd on: the addon's \(oneDNN has none on this CPU\) simgan_wino_4x3:avx2/);
  assert.match(simgan(['doctor'], { ONEDNN_MAX_CPU_ISA: 'AVX2' }).stdout, /^cpu +.*AVX2.*cores$/m);
});

test('SIMGAN_NATIVE_CONV=off: doctor says so; a bad value is an error naming the variable', () => {
  const off = simgan(['doctor', '--json'], { SIMGAN_NATIVE_CONV: 'off' });
  assert.equal(off.status, 0, off.stderr);
  const offConv = JSON.parse(off.stdout).nativeConv;
  assert.deepEqual({ active: offConv.active, reason: offConv.reason }, { active: false, reason: 'SIMGAN_NATIVE_CONV=off' });
  assert.equal(typeof offConv.winogradAvailable, 'boolean'); // what the CPU offers, even with the kernels off
  const bad = simgan(['train', '--preset', 'toy', '--steps', '1', '--out', path.join(os.tmpdir(), 'simgan-bad-native')], { SIMGAN_NATIVE_CONV: 'maybe' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /SIMGAN_NATIVE_CONV="maybe" is not a setting; use on or off/);
});

test('SIMGAN_NATIVE_ALGO=direct: doctor reports it; a bad value is an error naming the variable and the choices', () => {
  const direct = simgan(['doctor', '--json'], { SIMGAN_NATIVE_ALGO: 'direct' });
  assert.equal(direct.status, 0, direct.stderr);
  const report = JSON.parse(direct.stdout);
  const native = (report.native as Array<{ installed: boolean }>).some((n) => n.installed);
  if (!native) {
    assert.deepEqual({ active: report.nativeConv.active, algorithm: report.nativeConv.algorithm, threads: report.nativeConv.threads }, { active: true, algorithm: 'direct', threads: Number(process.env.SIMGAN_NATIVE_THREADS ?? availableCores()) });
    assert.equal(report.nativeConv.winograd, false); // direct: no Winograd even where the CPU has it
  }
  const bad = simgan(['train', '--preset', 'toy', '--steps', '1', '--out', path.join(os.tmpdir(), 'simgan-bad-algo')], { SIMGAN_NATIVE_ALGO: 'winograd' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /SIMGAN_NATIVE_ALGO="winograd" is not a setting; use one of auto, direct, sgemm/);
});

test('SIMGAN_BACKEND=cpu makes doctor report cpu', () => {
  const r = simgan(['doctor', '--json'], { SIMGAN_BACKEND: 'cpu' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).backend.name, 'cpu');
});

test('bad command lines exit 2 with a message naming the problem', () => {
  const unknown = simgan(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const badOpt = simgan(['doctor', '--jsn']);
  assert.equal(badOpt.status, 2);
  assert.match(badOpt.stderr, /unknown option --jsn/);
  const badTimeout = simgan(['notebooks', '--cell-timeout', '-3']);
  assert.equal(badTimeout.status, 2);
  assert.match(badTimeout.stderr, /--cell-timeout -3/);
});
