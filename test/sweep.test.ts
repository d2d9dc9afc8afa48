/** `simgan sweep`: grid × seeds, child processes, resumable after a kill, one summary row per run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childNativeThreads, expandGrid, flattenMetrics, isFinished, parseGrid } from '../src/runs/sweep';
import { projectRoot } from '../src/paths';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-sweep-'));

test('grid expansion: every combination × seed, stable names; flattening eval numbers', () => {
  const pts = expandGrid({ preset: 'toy', grid: Object.fromEntries([parseGrid('history.enabled=true,false'), parseGrid('lambda=0,0.05,1')]), seeds: 2 });
  assert.equal(pts.length, 2 * 3 * 2);
  assert.equal(new Set(pts.map((p) => p.name)).size, 12);
  // history.enabled=true is toy's default: it is left out of the name, so sweeps share that run.
  assert.equal(pts[0].name, 'lambda=0__seed=1');
  assert.equal(pts.find((p) => p.overrides.lambda === '0.05' && p.overrides['history.enabled'] === 'true' && p.seed === 2)!.name, 'seed=2');
  assert.equal(pts.find((p) => p.overrides.lambda === '1' && p.overrides['history.enabled'] === 'false' && p.seed === 1)!.name, 'history.enabled=false__lambda=1__seed=1');
  assert.throws(() => parseGrid('lambda'), /key=value1,value2/);
  assert.deepEqual(flattenMetrics({ c2st: { refined: { mean: 0.6, low: 0.5, high: 0.7, n: 2, values: [0.5, 0.7], std: 0.1 } }, downstream: { unavailable: 'x' } }), {
    'c2st.refined.mean': 0.6, 'c2st.refined.low': 0.5, 'c2st.refined.high': 0.7, 'c2st.refined.n': 2,
  });
});

const sweepArgs = (out: string) => ['sweep', '--preset', 'toy', '--grid', 'history.enabled=true,false', '--seeds', '2', '--jobs', '2', '--steps', '40',
  '--set', 'schedule.refinerPretrainSteps=5', '--set', 'schedule.discriminatorPretrainSteps=5', '--out', out];

test('a sweep killed mid-way and rerun finishes without redoing finished runs; summary.csv has one row per run', async () => {
  const out = path.join(tmp, 'sweep');
  const child = spawn(process.execPath, [cli, ...sweepArgs(out)], { stdio: 'ignore', detached: true });
  // Kill the whole process group (the sweep and its training children) once a run has finished.
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const summary = path.join(out, 'summary.json');
      if (existsSync(summary) && JSON.parse(readFileSync(summary, 'utf8')).rows.length >= 1) {
        clearInterval(timer);
        process.kill(-child.pid!, 'SIGKILL');
        resolve();
      }
    }, 100);
    child.on('exit', () => { clearInterval(timer); reject(new Error('the sweep ended before it could be killed')); });
  });
  // Finished as the sweep judges it: a run can complete between the poll that saw summary.json and the kill,
  // before the summary is rewritten (two jobs run at once).
  const before = readdirSync(out).filter((d) => isFinished(path.join(out, d)));
  assert.ok(before.length >= 1 && before.length < 4, `${before.length} runs finished before the kill`);
  const finishedEval = path.join(out, before[0], 'eval.json');
  const mtime = statSync(finishedEval).mtimeMs;

  const rerun = spawnSync(process.execPath, [cli, ...sweepArgs(out)], { encoding: 'utf8', timeout: 600000 });
  assert.equal(rerun.status, 0, rerun.stdout + rerun.stderr);
  assert.match(rerun.stdout, new RegExp(`4 runs \\(${before.length} already finished\\)`));
  assert.equal(statSync(finishedEval).mtimeMs, mtime, 'a finished run was not redone');
  const csv = readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 1 + 4);
  assert.match(csv[0], /^run,history\.enabled,seed,.*c2st\.refined\.mean/);
  const seeds = csv.slice(1).map((l) => l.split(',').slice(0, 3).join(',')).sort();
  assert.deepEqual(seeds.map((s) => s.split(',').slice(1).join(',')), ['false,1', 'false,2', 'true,1', 'true,2']);
});

test('sweep children get cores ÷ jobs native threads (at least 1), or SIMGAN_NATIVE_THREADS when the user set it', () => {
  assert.equal(childNativeThreads(2, {}, 2), '1');
  assert.equal(childNativeThreads(1, {}, 2), '2');
  assert.equal(childNativeThreads(3, {}, 8), '2');
  assert.equal(childNativeThreads(4, {}, 2), '1');
  assert.equal(childNativeThreads(2, { SIMGAN_NATIVE_THREADS: '3' }, 2), '3');
});
