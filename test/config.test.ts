import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOverrides, ConfigError, configKeys, preset, PRESETS, resolveConfig, validateConfig } from '../src/config';

test('every preset validates', () => {
  for (const name of Object.keys(PRESETS)) assert.doesNotThrow(() => validateConfig(preset(name)), name);
});

test("paper-eyes holds the paper's numbers", () => {
  const c = preset('paper-eyes');
  assert.deepEqual(c.image, { height: 35, width: 55, channels: 1 });
  assert.deepEqual(c.refiner, { filters: 64, blocks: 4, kernel: 3 });
  assert.deepEqual(c.discriminator.layers, [
    { type: 'conv', filters: 96, kernel: 3, stride: 2 },
    { type: 'conv', filters: 64, kernel: 3, stride: 2 },
    { type: 'maxpool', size: 3, stride: 1 },
    { type: 'conv', filters: 32, kernel: 3, stride: 1 },
    { type: 'conv', filters: 32, kernel: 1, stride: 1 },
  ]);
  assert.equal(c.batchSize, 512);
  assert.equal(c.optimizer.refiner.lr, 0.001);
  assert.equal(c.optimizer.discriminator.lr, 0.001);
  assert.equal(c.schedule.refinerPretrainSteps, 1000);
  assert.equal(c.schedule.discriminatorPretrainSteps, 200);
  assert.equal(c.adversarial, 'local');
  const h = preset('paper-hands');
  assert.deepEqual([h.image.height, h.image.width, h.refiner.kernel, h.refiner.blocks], [224, 224, 7, 10]);
});

test('overrides by dotted path are typed by the field they set', () => {
  const c = resolveConfig('toy', ['history.enabled=false', 'adversarial=global', 'lambda=0.1', 'optimizer.refiner.lr=2e-4', 'discriminator.layers=[{"type":"conv","filters":8,"kernel":3,"stride":2}]']);
  assert.equal(c.history.enabled, false);
  assert.equal(c.adversarial, 'global');
  assert.equal(c.lambda, 0.1);
  assert.equal(c.optimizer.refiner.lr, 2e-4);
  assert.equal(c.discriminator.layers.length, 1);
  assert.equal(preset('toy').lambda, 0.05, 'presets are not mutated');
});

test('bad overrides name the key, the value and what is allowed', () => {
  const cases: Array<[string, RegExp]> = [
    ['lambda=-1', /lambda=-1 must be a number ≥ 0/],
    ['adversarial=glboal', /adversarial="glboal" is not allowed; use one of local, global/],
    ['lamda=1', /unknown config key 'lamda'; did you mean lambda\?/],
    ['nonsense.key=1', /unknown config key 'nonsense.key'/],
    ['history.enabled=maybe', /history.enabled=maybe: expected true or false/],
    ['batchSize=15', /batchSize=15 must be even/],
    ['refiner.kernel=4', /refiner.kernel=4 must be odd/],
    ['optimizer.discriminator.type=rmsprop', /optimizer.discriminator.type="rmsprop".*sgd, adam/],
    ['schedule.kG=0', /schedule.kG=0 must be an integer from 1/],
    ['lambda', /not key=value/],
  ];
  for (const [o, re] of cases) {
    assert.throws(() => resolveConfig('toy', [o]), (e: Error) => e instanceof ConfigError && re.test(e.message), o);
  }
  assert.throws(() => preset('paper-eye'), /unknown preset 'paper-eye'; choose one of/);
});

test('configKeys lists leaves only', () => {
  const keys = configKeys(preset('toy'));
  assert.ok(keys.includes('history.enabled') && keys.includes('optimizer.refiner.beta1') && keys.includes('discriminator.layers'));
  assert.ok(!keys.includes('history') && !keys.includes('optimizer'));
  assert.deepEqual(applyOverrides(preset('toy'), []), preset('toy'));
});
