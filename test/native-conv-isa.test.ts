/**
 * The native-kernel tests again, in child processes under a capped oneDNN: `ONEDNN_MAX_CPU_ISA=AVX2` (what a
 * CPU without AVX-512 runs: no Winograd, the AVX2 direct kernels) and `SSE41` (oneDNN's smallest kernels,
 * where many shapes fall to the addon's own sgemm paths). oneDNN reads the variable once, at its first
 * primitive, so each cap needs a fresh process. On an AVX2 machine the AVX2 run repeats the plain one; every
 * machine thus checks the Winograd path where it exists and the direct paths everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const NATIVE_TESTS = path.join(__dirname, 'native-conv.test.js');

for (const isa of ['AVX2', 'SSE41']) {
  test(`the native kernel tests pass under ONEDNN_MAX_CPU_ISA=${isa} (child process)`, (t) => {
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', NATIVE_TESTS], {
      env: { ...process.env, ONEDNN_MAX_CPU_ISA: isa, NODE_TEST_CONTEXT: undefined },
      encoding: 'utf8',
      timeout: 300_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    const count = (k: string) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(out)?.[1] ?? NaN);
    const failed = out.split('\n').filter((l) => /^\s*not ok/.test(l));
    t.diagnostic(`ONEDNN_MAX_CPU_ISA=${isa}: ${count('pass')} passed, ${count('fail')} failed`);
    assert.equal(r.status, 0, `native tests under ONEDNN_MAX_CPU_ISA=${isa} failed:\n${failed.join('\n')}\n${out.slice(-3000)}`);
    assert.ok(count('pass') >= 25, `too few tests ran under ${isa}: ${count('pass')}`);
    assert.equal(count('fail'), 0);
    // The child really ran capped: its case names carry the kernels oneDNN reported there.
    const want = isa === 'AVX2' ? /\[oneDNN avx2, the addon's Winograd simgan_wino_4x3:avx2, ONEDNN_MAX_CPU_ISA=AVX2\]/ : /\[oneDNN sse41, the addon's Winograd simgan_wino_4x3:\w+, ONEDNN_MAX_CPU_ISA=SSE41\]/;
    assert.match(out, want);
  });
}
