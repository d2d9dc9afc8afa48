import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBackend, probeNativePackages, selectBackend, tf } from '../src/backend';

const quiet = { log: false } as const;

test('an explicit preference selects that backend and reports it', async () => {
  const w = await selectBackend('wasm', quiet);
  assert.equal(w.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(w.native, false);
  assert.equal(w.threads, 1);
  assert.equal(typeof w.simd, 'boolean');
  const c = await selectBackend('cpu', quiet);
  assert.equal(c.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('SIMGAN_BACKEND chooses when no preference is passed; an explicit preference beats it', async () => {
  assert.equal((await selectBackend(undefined, { ...quiet, env: { SIMGAN_BACKEND: 'cpu' } })).name, 'cpu');
  assert.match((await selectBackend(undefined, { ...quiet, env: { SIMGAN_BACKEND: 'cpu' } })).reason, /SIMGAN_BACKEND=cpu/);
  assert.equal((await selectBackend('wasm', { ...quiet, env: { SIMGAN_BACKEND: 'cpu' } })).name, 'wasm');
});

test('a bad SIMGAN_BACKEND value is an error naming the variable and the choices', async () => {
  await assert.rejects(selectBackend(undefined, { ...quiet, env: { SIMGAN_BACKEND: 'gpu' } }), /SIMGAN_BACKEND="gpu".*tensorflow, wasm, cpu/);
});

test('automatic order: native if installed, else wasm, with the reason printed in one line', async () => {
  const lines: string[] = [];
  const info = await selectBackend(undefined, { env: {}, logger: (l) => lines.push(l) });
  const nativeInstalled = probeNativePackages().some((p) => p.installed);
  assert.equal(info.name, nativeInstalled ? 'tensorflow' : 'wasm');
  assert.equal(lines.length, 1);
  assert.equal(lines[0], describeBackend(info));
  assert.match(lines[0], new RegExp(`backend: ${info.name} .*— .+`));
});

test("asking for 'tensorflow' without a native package says how to get one", async (t) => {
  if (probeNativePackages().some((p) => p.installed)) {
    const info = await selectBackend('tensorflow', quiet);
    assert.equal(info.native, true);
    return;
  }
  await assert.rejects(selectBackend('tensorflow', quiet), /neither is installed.*README/);
  t.diagnostic('no native package here: checked the error path');
});
