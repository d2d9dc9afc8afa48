/**
 * The mistakes a newcomer makes, each run through the CLI as typed: status 2, one `simgan: …` line naming
 * the input, no stack trace, and nothing written. `simgan doctor` explains bad settings instead of failing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../src/paths';
import { reportError } from '../src/cli';
import { ConfigError } from '../src/config';
import { DataError } from '../src/data/errors';
import { UserError } from '../src/util/user-error';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-mistakes-'));

function simgan(args: string[], env: Record<string, string> = {}) {
  const { SIMGAN_BACKEND: _b, SIMGAN_NATIVE_CONV: _c, ...base } = process.env;
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...base, ...env }, timeout: 300000 });
}

/** Every file and folder under `dir` with its size and mtime: what "nothing written" is checked against. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = path.join(d, f), st = statSync(p);
      out.push(`${path.relative(tmp, p)} ${st.isDirectory() ? 'dir' : `${st.size} ${st.mtimeMs}`}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

// A finished run (tiny) and an empty folder, the two things users point commands at by mistake.
const done = path.join(tmp, 'done');
const empty = path.join(tmp, 'empty');
const noData = path.join(tmp, 'no-data');
const tiny = ['--set', 'schedule.refinerPretrainSteps=2', '--set', 'schedule.discriminatorPretrainSteps=2'];

test('setup: a tiny finished toy run', () => {
  const r = simgan(['train', '--preset', 'toy', '--steps', '2', ...tiny, '--out', done]);
  assert.equal(r.status, 0, r.stderr);
  mkdirSync(empty);
  mkdirSync(noData);
});

const fresh = (name: string) => path.join(tmp, name);

const MISTAKES: Array<{ what: string; args: string[]; env?: Record<string, string>; says: RegExp }> = [
  { what: 'train without a preset', args: ['train', '--out', fresh('a')], says: /train needs --preset NAME \(one of .*toy/ },
  { what: 'train into a folder that holds a run', args: ['train', '--preset', 'toy', '--steps', '2', '--out', done], says: /already holds a run .*--resume/ },
  { what: '--resume with a changed --set', args: ['train', '--preset', 'toy', '--steps', '2', ...tiny, '--set', 'lambda=3', '--out', done, '--resume'], says: /config differs .* in lambda/ },
  { what: 'train --resume on a folder that is not a run', args: ['train', '--out', empty, '--resume'], says: /empty is not a run directory \(no config\.json\)/ },
  { what: 'eval on a folder that is not a run', args: ['eval', empty], says: /empty is not a run directory/ },
  { what: 'turing on a folder that is not a run', args: ['turing', empty], says: /empty is not a run directory/ },
  { what: 'eval with too few C2ST images', args: ['eval', done, '--c2st-per-side', '2'], says: /--c2st-per-side 2: give a whole number ≥ 4/ },
  { what: 'an architecture-only preset', args: ['train', '--preset', 'paper-hands', '--steps', '1', '--out', fresh('hands')], says: /preset 'paper-hands' is architecture-only/ },
  { what: 'sweep evaluation option out of range', args: ['sweep', '--preset', 'toy', '--grid', 'lambda=0,1', '--eval-c2st-per-side', '2', '--out', fresh('s1')], says: /--eval-c2st-per-side 2: give a whole number ≥ 4/ },
  { what: 'sweep grid key misspelt', args: ['sweep', '--preset', 'toy', '--grid', 'lamda=0,1', '--out', fresh('s2')], says: /unknown config key 'lamda'; did you mean lambda/ },
  { what: 'sweep with an unknown preset', args: ['sweep', '--preset', 'tyo', '--grid', 'lambda=0', '--out', fresh('s3')], says: /unknown preset 'tyo'/ },
  { what: 'a negative --steps', args: ['train', '--preset', 'toy', '--steps', '-1', '--out', fresh('b')], says: /--steps -1: give a whole number ≥ 0/ },
  { what: 'an unknown option', args: ['train', '--preset', 'toy', '--step', '1', '--out', fresh('c')], says: /unknown option --step/ },
  { what: 'a bad SIMGAN_NATIVE_CONV', args: ['train', '--preset', 'toy', '--out', fresh('d')], env: { SIMGAN_NATIVE_CONV: 'maybe' }, says: /SIMGAN_NATIVE_CONV="maybe" is not a setting/ },
  { what: 'a bad SIMGAN_BACKEND', args: ['train', '--preset', 'toy', '--out', fresh('e')], env: { SIMGAN_BACKEND: 'gpu' }, says: /SIMGAN_BACKEND="gpu" is not a backend/ },
  { what: 'a preset whose data is absent', args: ['train', '--preset', 'columbia-eyes', '--out', fresh('f')], env: { SIMGAN_DATA_DIR: noData, SIMGAN_SHARED_DATA: noData }, says: /data\.real 'columbia-gaze' is absent \(looked in .*\): .*columbia/i },
  { what: 'a sweep whose data is absent', args: ['sweep', '--preset', 'columbia-eyes', '--grid', 'lambda=0', '--out', fresh('s4')], env: { SIMGAN_DATA_DIR: noData, SIMGAN_SHARED_DATA: noData }, says: /data\.real 'columbia-gaze' is absent/ },
  { what: 'an unknown data source', args: ['data', 'show', 'nyu-hands', '--out', fresh('x.png')], says: /unknown source 'nyu-hands': .* data folder the library reads/ },
  { what: 'an unknown command', args: ['trian'], says: /unknown command 'trian'/ },
  { what: 'a notebook that does not exist', args: ['notebooks', 'nosuch.ipynb', '--out', fresh('nb')], says: /no such notebook: nosuch\.ipynb/ },
  { what: 'data build at a size the source does not have', args: ['data', 'build', 'digits-sim', '--size', '10x10', '--out', fresh('d')], says: /'digits-sim' is 28×28/ },
  { what: 'data build of an unknown source', args: ['data', 'build', 'nosuch', '--out', fresh('d2')], says: /unknown source 'nosuch'/ },
];

for (const m of MISTAKES) {
  test(`mistake: ${m.what} → status 2, one line, no stack, nothing written`, () => {
    const before = tree(tmp);
    const r = simgan(m.args, m.env);
    const detail = `${m.args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
    assert.equal(r.status, 2, detail);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0], /^simgan: /, detail);
    assert.match(lines[0], m.says, detail);
    assert.doesNotMatch(r.stderr, /^\s+at /m, `a stack trace: ${detail}`);
    assert.doesNotMatch(r.stderr, /bug in simgan/, detail);
    assert.deepEqual(tree(tmp), before, `files changed: ${detail}`);
  });
}

test('simgan doctor exits 0 and explains settings that stop other commands', () => {
  for (const [env, says] of [
    [{ SIMGAN_NATIVE_CONV: 'maybe' }, /^problem\s+SIMGAN_NATIVE_CONV="maybe" is not a setting.*without SIMGAN_NATIVE_CONV$/m],
    [{ SIMGAN_BACKEND: 'gpu' }, /^problem\s+SIMGAN_BACKEND="gpu" is not a backend/m],
    [{ SIMGAN_NATIVE_THREADS: 'two' }, /^problem\s+SIMGAN_NATIVE_THREADS="two" must be an integer/m],
  ] as const) {
    const r = simgan(['doctor'], { ...env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, says);
    assert.match(r.stdout, /^backend\s+wasm|^backend\s+tensorflow/m, 'the rest of the report is there');
  }
});

test('simgan doctor with SIMGAN_BACKEND=tensorflow: status 0, and a problem line exactly when no native package is installed', () => {
  const plain = JSON.parse(simgan(['doctor', '--json']).stdout);
  const installed = (plain.native as Array<{ installed: boolean }>).some((n) => n.installed);
  const r = simgan(['doctor', '--json'], { SIMGAN_BACKEND: 'tensorflow' });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  if (installed) assert.equal(report.backend.name, 'tensorflow');
  else assert.match(report.problems.join('\n'), /backend 'tensorflow' .* neither is installed/);
  assert.deepEqual(plain.problems, []);
});

test('reportError: user errors are one line and status 2; anything else is a bug with its stack and status 1', () => {
  for (const e of [new UserError('x is wrong: use y'), new ConfigError('lambda=-1: give λ ≥ 0'), new DataError('f.jpg', 'not a JPEG')]) {
    const lines: string[] = [];
    assert.equal(reportError(e, (l) => lines.push(l)), 2);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^simgan: /);
  }
  const lines: string[] = [];
  assert.equal(reportError(new TypeError('cannot read x of undefined'), (l) => lines.push(l)), 1);
  assert.match(lines[0], /TypeError: cannot read x of undefined\n\s+at /);
  assert.match(lines[1], /bug in simgan.*report it/);
});
