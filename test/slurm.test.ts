/**
 * `simgan sweep --executor slurm` on a real one-node SLURM cluster (scripts/slurm-cluster.sh starts it from
 * Debian's packages, which `bash scripts/setup.sh --test` installs; it needs root). The daemons are stopped
 * when the file ends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../src/paths';
import { arrayScript, parseSqueue } from '../src/runs/slurm-executor';
import { chooseExecutor } from '../src/runs/executor-choice';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const script = path.join(projectRoot, 'scripts', 'slurm-cluster.sh');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-slurm-'));
const clusterDir = path.join(tmp, 'cluster');
const env = { ...process.env, SLURM_CONF: path.join(clusterDir, 'slurm.conf'), SIMGAN_SLURM_POLL: '1' };

before(() => {
  const r = spawnSync('bash', [script, 'start', clusterDir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `could not start the one-node SLURM cluster (root and bash scripts/setup.sh --test are needed):\n${r.stdout}\n${r.stderr}`);
});

after(() => {
  spawnSync('scancel', ['-u', 'root'], { env });
  const r = spawnSync('bash', [script, 'stop', clusterDir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
});

function simgan(args: string[], extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...env, ...extra }, timeout: 900_000 });
}

const csvRows = (out: string) => readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n').slice(1);

test('squeue lines, including an unexpanded pending range, become one state per array task', () => {
  const s = parseSqueue('17_0|RUNNING\n17_1|RUNNING\n17_[2-4,6%2]|PENDING\n9|RUNNING\n\n');
  assert.deepEqual([...s], [['17_0', 'RUNNING'], ['17_1', 'RUNNING'], ['17_2', 'PENDING'], ['17_3', 'PENDING'], ['17_4', 'PENDING'], ['17_6', 'PENDING'], ['9', 'RUNNING']]);
});

test('the array script carries the cluster options; options of the other executor are refused by name', () => {
  const text = arrayScript({ taskFile: '/shared/s/slurm/array-0.json', tasks: 4, out: '/shared/s', jobs: 2, node: '/usr/bin/node', project: '/shared/simgan',
    slurm: { partition: 'gpu', time: '2:00:00', cpusPerTask: 4, gpusPerTask: 1, mem: '16G', sbatch: ['--account=vision'], setup: 'module load nodejs/20' } });
  for (const line of ['#SBATCH --array=0-3%2', '#SBATCH --partition=gpu', '#SBATCH --time=2:00:00', '#SBATCH --cpus-per-task=4', '#SBATCH --gpus-per-task=1',
    '#SBATCH --mem=16G', '#SBATCH --account=vision', 'module load nodejs/20', "sweep-task '/shared/s/slurm/array-0.json' \"$SLURM_ARRAY_TASK_ID\""]) {
    assert.ok(text.includes(line), `missing: ${line}\n${text}`);
  }
  assert.throws(() => chooseExecutor({ executor: 'local', partition: 'gpu' }), /--partition is an option of --executor slurm/);
  assert.throws(() => chooseExecutor({ executor: 'pbs' }), /--executor pbs: use one of local, slurm/);
  assert.throws(() => chooseExecutor({ executor: 'slurm', sbatch: ['--array=0-9'] }), /the array is the sweep's own/);
  assert.throws(() => chooseExecutor({ executor: 'slurm', cpusPerTask: '0' }), /--cpus-per-task 0: give a whole number ≥ 1/);
});

test('without SLURM on PATH, --executor slurm says what is missing and writes nothing', () => {
  const out = path.join(tmp, 'no-slurm');
  const emptyBin = mkdtempSync(path.join(tmp, 'bin-')); // a PATH without SLURM's tools (the CLI runs by absolute path)
  const r = simgan(['sweep', '--preset', 'toy', '--grid', 'lambda=0,0.1', '--executor', 'slurm', '--out', out], { PATH: emptyBin });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^simgan: --executor slurm: sbatch and squeue are not on PATH\. .*apt-get install slurm-client/m);
  assert.equal(existsSync(out), false);
});

test('--dry-run prints the array script and submits nothing', () => {
  const out = path.join(tmp, 'dry');
  const r = simgan(['sweep', '--preset', 'toy', '--grid', 'lambda=0,0.1', '--seeds', '2', '--executor', 'slurm', '--out', out, '--dry-run']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /would submit 4 task\(s\) \(0: lambda=0__seed=1, 1: lambda=0__seed=2, 2: lambda=0\.1__seed=1, 3: lambda=0\.1__seed=2\)/);
  assert.match(r.stdout, /^#SBATCH --array=0-3$/m);
  assert.equal(existsSync(out), false, 'a dry run writes nothing');
  assert.equal(spawnSync('squeue', ['-h'], { encoding: 'utf8', env }).stdout.trim(), '', 'and queues nothing');
});

test('a toy sweep through the one-node cluster: 4 array tasks, 2 at a time, ends with a 4-row summary.csv', () => {
  const out = path.join(tmp, 'toy');
  const r = simgan(['sweep', '--preset', 'toy', '--grid', 'lambda=0,0.1', '--seeds', '2', '--executor', 'slurm', '--out', out]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /submitted job array \d+ with 4 task\(s\)/);
  assert.match(r.stdout, /: (submitted|PENDING) → RUNNING/);
  assert.equal((r.stdout.match(/\[sweep\] done /g) ?? []).length, 4, r.stdout);
  assert.equal(csvRows(out).length, 4);
  // Each task ran simgan train then eval into its own run folder, on one CPU.
  for (const name of ['lambda=0__seed=1', 'lambda=0__seed=2', 'lambda=0.1__seed=1', 'lambda=0.1__seed=2']) {
    assert.ok(existsSync(path.join(out, name, 'eval.json')), name);
    assert.match(readFileSync(path.join(out, name, 'train.log'), 'utf8'), /native conv: oneDNN .*1 thread/);
  }
  // A rerun finds everything finished and submits nothing.
  const again = simgan(['sweep', '--preset', 'toy', '--grid', 'lambda=0,0.1', '--seeds', '2', '--executor', 'slurm', '--out', out]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /4 runs \(4 already finished\)/);
  assert.doesNotMatch(again.stdout, /submitted job array/);
});

test('scancel of one running task: the sweep reports it; the rerun resubmits exactly that run and the summary ends complete', async () => {
  const out = path.join(tmp, 'cancel');
  const args = ['sweep', '--preset', 'toy', '--grid', 'lambda=0,0.1', '--seeds', '2', '--steps', '1500', '--executor', 'slurm', '--out', out];
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  // Wait until a task has written a checkpoint (so its rerun resumes rather than restarts), then cancel it.
  let victim: { id: string; name: string } | undefined;
  for (let i = 0; i < 600 && !victim; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const jobsFile = path.join(out, 'slurm', 'jobs.json');
    if (!existsSync(jobsFile)) continue;
    const [array] = JSON.parse(readFileSync(jobsFile, 'utf8')) as Array<{ jobId: string; runs: string[] }>;
    const running = parseSqueue(spawnSync('squeue', ['-h', '-r', '-o', '%i|%T'], { encoding: 'utf8', env }).stdout);
    for (const [k, name] of array.runs.entries()) {
      const latest = path.join(out, name, 'checkpoints', 'latest.json');
      if (running.get(`${array.jobId}_${k}`) === 'RUNNING' && existsSync(latest)) victim = { id: `${array.jobId}_${k}`, name };
    }
  }
  assert.ok(victim, `no task reached training:\n${text}`);
  assert.equal(spawnSync('scancel', [victim.id], { env }).status, 0);
  const code = await exited;
  assert.equal(code, 1, text);
  assert.match(text, new RegExp(`FAILED ${victim.name.replace(/[.]/g, '\\.')} \\(task ${victim.id}\\): CANCELLED`));
  assert.equal(csvRows(out).length, 3, 'three runs finished');

  const rerun = simgan(args);
  assert.equal(rerun.status, 0, `${rerun.stdout}\n${rerun.stderr}`);
  assert.match(rerun.stdout, /4 runs \(3 already finished\)/);
  assert.match(rerun.stdout, /submitted job array \d+ with 1 task\(s\)/);
  const arrays = JSON.parse(readFileSync(path.join(out, 'slurm', 'jobs.json'), 'utf8')) as Array<{ runs: string[] }>;
  assert.deepEqual(arrays[1].runs, [victim.name], 'exactly the cancelled run was resubmitted');
  assert.match(readFileSync(path.join(out, victim.name, 'train.log'), 'utf8'), /resuming from .*step-\d+/, 'it continued from its checkpoint');
  assert.equal(csvRows(out).length, 4);
});
