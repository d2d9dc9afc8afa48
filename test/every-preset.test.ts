/**
 * Every preset either trains (`simgan train --steps 1` with tiny pretraining, batch and history, so the
 * paper-sized ones fit a test) or — when its data is absent or it is architecture-only — fails before
 * writing anything, saying how to get the data. Which of the two is expected is decided from the data
 * catalog, and both outcomes are asserted; the second loop hides all data so every preset that needs
 * files from outside the project is seen failing cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ARCHITECTURE_ONLY, PRESETS, resolveConfig } from '../src/config';
import { assertDataAvailable } from '../src/data/registry';
import { projectRoot } from '../src/paths';
import { readMetrics } from '../src/runs/run-dir';
import { UserError } from '../src/util/user-error';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-presets-'));
const TINY = ['--steps', '1', '--set', 'schedule.refinerPretrainSteps=1', '--set', 'schedule.discriminatorPretrainSteps=1', '--set', 'batchSize=4', '--set', 'history.size=16'];

function simgan(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600000 });
}

/** Why the preset cannot train with this environment's data, or undefined when it can. */
function missing(name: string, env: Record<string, string | undefined>): string | undefined {
  try {
    assertDataAvailable(resolveConfig(name), env);
    return undefined;
  } catch (e) {
    if (e instanceof UserError) return e.message;
    throw e;
  }
}

function assertCleanRefusal(r: ReturnType<typeof simgan>, out: string, why: string): void {
  assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /^simgan: /);
  assert.ok(r.stderr.includes(why.slice(0, 60)), `the message says why: ${r.stderr}`);
  assert.match(r.stderr, /architecture-only|absent \(looked in .*\): \S/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.ok(!existsSync(out), `nothing written: ${out}`);
}

let trained = 0;
for (const name of Object.keys(PRESETS)) {
  test(`train --preset ${name} --steps 1 (tiny): trains when its data is here, else refuses before writing`, () => {
    const out = path.join(tmp, name);
    const why = missing(name, process.env);
    const r = simgan(['train', '--preset', name, ...TINY, '--out', out]);
    if (why !== undefined) {
      assertCleanRefusal(r, out, why);
      return;
    }
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /completed at step 3\/3/);
    assert.deepEqual(readMetrics(path.join(out, 'metrics.jsonl')).map((m) => m.phase), ['pretrain-refiner', 'pretrain-discriminator', 'adversarial']);
    assert.ok(readdirSync(path.join(out, 'checkpoints')).some((f) => f.startsWith('step-')));
    trained++;
  });
}

test('toy and cpu-digits always train (their data is built in); paper-hands is architecture-only', () => {
  assert.ok(trained >= 2, `only ${trained} presets trained`);
  for (const name of ['toy', 'cpu-digits']) assert.equal(missing(name, process.env), undefined, name);
  assert.ok(ARCHITECTURE_ONLY['paper-hands'], 'paper-hands is marked architecture-only');
});

test('with every data folder hidden, each preset that needs outside data refuses before writing, naming how to get it', () => {
  const empty = path.join(tmp, 'empty-data');
  mkdirSync(empty);
  const env = { SIMGAN_DATA_DIR: empty, SIMGAN_SHARED_DATA: empty };
  const refused = Object.keys(PRESETS).filter((name) => missing(name, env) !== undefined);
  assert.ok(refused.includes('columbia-eyes') && refused.includes('paper-hands'), refused.join(', '));
  for (const name of refused) {
    const out = path.join(tmp, `hidden-${name}`);
    assertCleanRefusal(simgan(['train', '--preset', name, ...TINY, '--out', out], env), out, missing(name, env) as string);
  }
});
