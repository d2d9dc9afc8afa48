/** CPU and ISA detection (src/util/cpu.ts) on /proc/cpuinfo text of other CPUs, and the PyTorch ISA cap. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torchIsaEnv } from '../src/bench/torch';
import { cpuFromCpuinfo, cpuInfo, formatCpu, isaFromFlags, isaFromOnednnCap } from '../src/util/cpu';

const AVX512_FLAGS = 'fpu sse4_1 sse4_2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl';
const AVX2_FLAGS = 'fpu sse4_1 sse4_2 avx fma avx2 bmi2';
const cpuinfo = (model: string, flags: string) => `processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: ${model}\nflags\t\t: ${flags}\n\nprocessor\t: 1\n`;

test('the widest ISA from cpuinfo flags: AVX-512 needs its four core subsets, AVX2 needs FMA', () => {
  assert.equal(isaFromFlags(AVX512_FLAGS.split(' ')), 'AVX-512');
  assert.equal(isaFromFlags(AVX2_FLAGS.split(' ')), 'AVX2');
  assert.equal(isaFromFlags('avx2 avx sse4_1'.split(' ')), 'AVX'); // AVX2 without FMA: not an AVX2 kernel target
  assert.equal(isaFromFlags('avx512f avx2 fma avx'.split(' ')), 'AVX2'); // Xeon Phi-style AVX-512F alone
  assert.equal(isaFromFlags(['sse4_1']), 'SSE4.1');
  assert.equal(isaFromFlags([]), 'baseline');
});

test('ONEDNN_MAX_CPU_ISA caps the effective ISA (emulation) and never raises it', () => {
  const big = cpuFromCpuinfo(cpuinfo('AMD EPYC 9R14', AVX512_FLAGS), 2, { ONEDNN_MAX_CPU_ISA: 'AVX2' });
  assert.deepEqual(big, { model: 'AMD EPYC 9R14', isa: 'AVX-512', cores: 2, onednnMaxIsa: 'AVX2', effectiveIsa: 'AVX2', emulated: true });
  assert.equal(formatCpu(big), 'AMD EPYC 9R14, AVX2 (ONEDNN_MAX_CPU_ISA=AVX2 on an AVX-512 CPU), 2 cores');
  const small = cpuFromCpuinfo(cpuinfo('AMD EPYC 7B13', AVX2_FLAGS), 2, { ONEDNN_MAX_CPU_ISA: 'AVX512_CORE' });
  assert.equal(small.effectiveIsa, 'AVX2');
  assert.equal(small.emulated, false);
  assert.equal(cpuFromCpuinfo(cpuinfo('x', AVX512_FLAGS), 1, { ONEDNN_MAX_CPU_ISA: 'SSE41' }).effectiveIsa, 'SSE4.1');
  assert.equal(cpuFromCpuinfo(cpuinfo('x', AVX512_FLAGS), 1, {}).emulated, false);
  assert.equal(isaFromOnednnCap('all'), undefined);
  assert.equal(isaFromOnednnCap('avx2_vnni'), 'AVX2');
});

test('this machine: a model, an ISA and the cores the OS gives', () => {
  const c = cpuInfo();
  assert.ok(c.model.length > 0);
  assert.ok(c.cores >= 1);
  assert.match(c.isa, /^(AVX-512|AVX2|AVX|SSE4\.1|baseline)$/);
});

test('PyTorch gets the same cap: ONEDNN_MAX_CPU_ISA passed on, ATEN_CPU_CAPABILITY set to match', () => {
  assert.deepEqual(torchIsaEnv({}), {});
  assert.deepEqual(torchIsaEnv({ ONEDNN_MAX_CPU_ISA: 'ALL' }), {});
  assert.deepEqual(torchIsaEnv({ ONEDNN_MAX_CPU_ISA: 'AVX2' }), { ONEDNN_MAX_CPU_ISA: 'AVX2', ATEN_CPU_CAPABILITY: 'avx2' });
  assert.deepEqual(torchIsaEnv({ ONEDNN_MAX_CPU_ISA: 'SSE41' }), { ONEDNN_MAX_CPU_ISA: 'SSE41', ATEN_CPU_CAPABILITY: 'default' });
  assert.deepEqual(torchIsaEnv({ ONEDNN_MAX_CPU_ISA: 'AVX512_CORE' }), { ONEDNN_MAX_CPU_ISA: 'AVX512_CORE' });
  assert.deepEqual(torchIsaEnv({ ONEDNN_MAX_CPU_ISA: 'AVX2', ATEN_CPU_CAPABILITY: 'default' }), { ONEDNN_MAX_CPU_ISA: 'AVX2', ATEN_CPU_CAPABILITY: 'default' });
});
