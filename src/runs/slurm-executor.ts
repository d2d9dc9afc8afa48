/**
 * The SLURM executor: a sweep's unfinished runs as one `sbatch` job array (one array task per grid point ×
 * seed, each running `simgan sweep-task`, i.e. train then eval into its own run folder), followed with
 * `squeue` until no task of the sweep is queued or running.
 *
 * Resumable and honest: the sweep folder keeps `slurm/jobs.json` (every array it submitted: job id, task
 * file, run names by array index). A rerun asks squeue which of those tasks are still queued or running and
 * submits only the runs that are neither finished nor active — a cancelled, timed-out or lost task is
 * resubmitted (its run resumes from its last checkpoint); a finished run is never redone. A task that leaves
 * the queue unfinished is reported with its state (sacct's where accounting exists, else the scheduler's
 * line in the task's output) and the tail of its log.
 *
 * The sweep folder and the project must be on storage every node mounts: the submitting process reads what
 * the tasks write. What can be checked is: node-local paths (/tmp, /dev/shm, tmpfs) draw a warning, and each
 * task refuses to start when it cannot see the folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statfsSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../paths';
import { UserError } from '../util/user-error';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import type { ExecutorContext, SweepExecutor } from './executor';
import type { SweepTask, SweepTaskFile } from './sweep-task';

export interface SlurmOptions {
  /** `--partition`. Default: the cluster's default partition. */
  partition?: string;
  /** `--time` per task, e.g. `2:00:00`. Default: the partition's limit. */
  time?: string;
  /** `--cpus-per-task` (default 1); also each task's native convolution threads. */
  cpusPerTask?: number;
  /** `--gpus-per-task` (default none). */
  gpusPerTask?: number;
  /** `--mem` per task, e.g. `8G`. Default: the partition's. */
  mem?: string;
  /** Extra `#SBATCH` lines, as written after `#SBATCH ` (e.g. `--account=vision`, `--qos=short`). */
  sbatch?: string[];
  /** A shell line run before the task (e.g. `module load nodejs/20`). */
  setup?: string;
  /** Print the array script and submit nothing. */
  dryRun?: boolean;
  /** Seconds between squeue polls (default 15). */
  pollSeconds?: number;
}

/** One submitted array, as kept in `slurm/jobs.json`. */
export interface SubmittedArray {
  jobId: string;
  taskFile: string;
  /** Run names by array index. */
  runs: string[];
  submitted: string;
}

/** squeue states in which a task still holds or will hold its run. */
const ACTIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'REQUEUE_HOLD', 'REQUEUE_FED']);

/**
 * `squeue -h -r -o '%i|%T'` lines → state by array task ("<job>_<index>"). `-r` lists every array task on its
 * own line; a line whose task part is still a range ("123_[4-7%2]", older SLURMs) is expanded.
 */
export function parseSqueue(text: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (!id || !state) continue;
    const m = /^(\d+)_\[([^\]%]+)(?:%\d+)?\]$/.exec(id);
    if (!m) {
      states.set(id, state);
      continue;
    }
    for (const part of m[2].split(',')) {
      const [a, b] = part.split('-').map(Number);
      for (let k = a; k <= (Number.isFinite(b) ? b : a); k++) states.set(`${m[1]}_${k}`, state);
    }
  }
  return states;
}

/** The job array script: one task per run, each `simgan sweep-task TASKFILE $SLURM_ARRAY_TASK_ID`. */
export function arrayScript(o: { taskFile: string; tasks: number; out: string; jobs?: number; slurm: SlurmOptions; node?: string; project?: string }): string {
  const s = o.slurm;
  const project = o.project ?? projectRoot;
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const lines = [
    '#!/bin/bash',
    '#SBATCH --job-name=simgan-sweep',
    `#SBATCH --array=0-${o.tasks - 1}${o.jobs ? `%${o.jobs}` : ''}`,
    `#SBATCH --output=${path.join(o.out, 'slurm', '%A_%a.out')}`,
    `#SBATCH --cpus-per-task=${s.cpusPerTask ?? 1}`,
    ...(s.partition ? [`#SBATCH --partition=${s.partition}`] : []),
    ...(s.time ? [`#SBATCH --time=${s.time}`] : []),
    ...(s.mem ? [`#SBATCH --mem=${s.mem}`] : []),
    ...(s.gpusPerTask ? [`#SBATCH --gpus-per-task=${s.gpusPerTask}`] : []),
    ...(s.sbatch ?? []).map((l) => `#SBATCH ${l}`),
    '# Written by simgan sweep --executor slurm: each array task trains then evaluates one run of the sweep.',
    'set -eu',
    ...(s.setup ? [s.setup] : []),
    `if [ ! -d ${q(o.out)} ] || [ ! -d ${q(project)} ]; then`,
    `  echo "simgan: $(hostname) does not see the sweep folder ${o.out} or the project ${project}: put both on storage every node mounts" >&2`,
    '  exit 3',
    'fi',
    `cd ${q(project)}`,
    'export SIMGAN_NATIVE_THREADS="${SIMGAN_NATIVE_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"',
    `NODE="$(command -v node || echo ${q(o.node ?? process.execPath)})"`,
    `exec "$NODE" ${q(path.join(project, 'dist', 'src', 'cli.js'))} sweep-task ${q(o.taskFile)} "$SLURM_ARRAY_TASK_ID"`,
  ];
  return lines.join('\n') + '\n';
}

function onPath(cmd: string, env: Record<string, string | undefined> = process.env): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && existsSync(path.join(d, cmd)));
}

/** Paths that are on this machine only (a one-node cluster is fine; other nodes will not see them). */
function nodeLocal(dir: string): string | undefined {
  if (/^\/(tmp|dev\/shm|run)(\/|$)/.test(dir)) return `${dir} is under ${dir.split('/')[1] === 'dev' ? '/dev/shm' : `/${dir.split('/')[1]}`}`;
  try {
    // TMPFS_MAGIC: memory-backed, never shared between nodes.
    if (statfsSync(dir).type === 0x01021994) return `${dir} is on tmpfs`;
  } catch {
    /* not there yet: its parent is checked by the path test above */
  }
  return undefined;
}

function tail(file: string, lines = 12): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** The state of a task that left the queue unfinished: sacct's where accounting exists, else the controller's
 *  (scontrol, for a few minutes after), else what the scheduler wrote into the task's output. */
function finalState(jobTask: string, outputFile: string): string {
  const r = spawnSync('sacct', ['-n', '-P', '-X', '-j', jobTask, '-o', 'State'], { encoding: 'utf8' });
  const s = r.status === 0 ? r.stdout.trim().split('\n')[0]?.trim() : '';
  if (s) return s;
  // Without accounting, the controller still knows a job for MinJobAge (5 min by default) after it ended.
  const c = spawnSync('scontrol', ['show', 'job', jobTask, '-o'], { encoding: 'utf8' });
  const state = c.status === 0 ? /JobState=(\w+)/.exec(c.stdout)?.[1] : undefined;
  if (state) return state;
  const text = existsSync(outputFile) ? readFileSync(outputFile, 'utf8') : '';
  const m = /\b(CANCELLED|DUE TO TIME LIMIT|DUE TO PREEMPTION|NODE_FAIL|OUT_OF_MEMORY|oom-kill)\b/.exec(text);
  if (m) return m[1] === 'DUE TO TIME LIMIT' ? 'TIMEOUT' : m[1] === 'DUE TO PREEMPTION' ? 'PREEMPTED' : m[1] === 'oom-kill' ? 'OUT_OF_MEMORY' : m[1];
  return 'ended unfinished (no accounting on this cluster: see the task output)';
}

export function slurmExecutor(slurm: SlurmOptions = {}): SweepExecutor {
  return {
    name: 'slurm',
    dryRun: slurm.dryRun,
    check() {
      if (slurm.dryRun) return;
      const missing = ['sbatch', 'squeue'].filter((c) => !onPath(c));
      if (missing.length) {
        throw new UserError(
          `--executor slurm: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not on PATH. Run on a SLURM login node, install SLURM's client tools ` +
            `(Debian: apt-get install slurm-client) pointing at your cluster, or use --executor local`,
        );
      }
    },
    async run(tasks: SweepTask[], ctx: ExecutorContext): Promise<{ failed: string[] }> {
      const slurmDir = path.join(ctx.out, 'slurm');
      const jobsFile = path.join(slurmDir, 'jobs.json');
      const arrays: SubmittedArray[] = existsSync(jobsFile) ? JSON.parse(readFileSync(jobsFile, 'utf8')) : [];
      const byTask = new Map<string, { name: string; output: string }>();
      for (const a of arrays) a.runs.forEach((name, i) => byTask.set(`${a.jobId}_${i}`, { name, output: path.join(slurmDir, `${a.jobId}_${i}.out`) }));
      const squeue = (): Map<string, string> => {
        const r = spawnSync('squeue', ['-h', '-r', '-o', '%i|%T'], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`squeue failed (exit ${r.status}): ${r.stderr.trim()}`);
        const all = parseSqueue(r.stdout);
        return new Map([...all].filter(([id]) => byTask.has(id)));
      };

      // Runs that a queued or running task of an earlier submission will still compute: not resubmitted.
      const activeNames = new Set<string>();
      const watched = new Set<string>(); // array tasks followed below: the earlier ones still active, then the new ones
      if (!slurm.dryRun && arrays.length) {
        for (const [id, state] of squeue()) {
          if (!ACTIVE.has(state)) continue;
          activeNames.add(byTask.get(id)!.name);
          watched.add(id);
        }
      }
      const toSubmit = tasks.filter((t) => !activeNames.has(t.name));
      if (activeNames.size) ctx.log(`[sweep] slurm: ${activeNames.size} run(s) still queued or running from an earlier submission: ${[...activeNames].join(', ')}`);
      const local = nodeLocal(ctx.out);
      if (local) ctx.log(`[sweep] slurm: warning: ${local}, which only this machine sees; on a cluster of several nodes put the sweep folder on shared storage (a one-node cluster is fine)`);

      if (toSubmit.length) {
        const n = arrays.length;
        const taskFile = path.join(slurmDir, `array-${n}.json`);
        const script = arrayScript({ taskFile, tasks: toSubmit.length, out: ctx.out, jobs: ctx.jobs, slurm });
        if (slurm.dryRun) {
          ctx.log(`[sweep] slurm --dry-run: would submit ${toSubmit.length} task(s) (${toSubmit.map((t, i) => `${i}: ${t.name}`).join(', ')}) with ${path.join(slurmDir, `array-${n}.sh`)}:`);
          ctx.log(script.trimEnd());
          return { failed: [] };
        }
        mkdirSync(slurmDir, { recursive: true });
        writeJsonAtomic(taskFile, { out: ctx.out, tasks: toSubmit } satisfies SweepTaskFile);
        const scriptFile = path.join(slurmDir, `array-${n}.sh`);
        writeFileAtomic(scriptFile, script);
        let jobId: string;
        try {
          jobId = execFileSync('sbatch', ['--parsable', scriptFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split(';')[0];
        } catch (e) {
          const err = e as { stderr?: string; message: string };
          throw new UserError(`sbatch refused the sweep's job array (${scriptFile}): ${(err.stderr ?? err.message).trim()}`);
        }
        const entry: SubmittedArray = { jobId, taskFile, runs: toSubmit.map((t) => t.name), submitted: new Date().toISOString() };
        arrays.push(entry);
        writeJsonAtomic(jobsFile, arrays);
        entry.runs.forEach((name, i) => {
          byTask.set(`${jobId}_${i}`, { name, output: path.join(slurmDir, `${jobId}_${i}.out`) });
          watched.add(`${jobId}_${i}`);
        });
        ctx.log(`[sweep] slurm: submitted job array ${jobId} with ${toSubmit.length} task(s) (${scriptFile})`);
      } else if (slurm.dryRun) {
        ctx.log('[sweep] slurm --dry-run: nothing to submit');
        return { failed: [] };
      }

      // Follow every task of ours that is still in the queue; a line per state change, as the local pool prints.
      const taskDir = new Map(tasks.map((t) => [t.name, t]));
      const last = new Map<string, string>();
      const failed: string[] = [];
      let ended = 0;
      const poll = (slurm.pollSeconds ?? 15) * 1000;
      for (;;) {
        const states = squeue();
        for (const id of [...watched]) {
          const { name, output } = byTask.get(id)!;
          const state = states.get(id);
          if (state && ACTIVE.has(state)) {
            if (last.get(id) !== state) ctx.log(`[sweep] ${name} (task ${id}): ${last.get(id) ?? 'submitted'} → ${state}`);
            last.set(id, state);
            continue;
          }
          // Left the queue (or ran and ended between two polls).
          watched.delete(id);
          ended++;
          const t = taskDir.get(name);
          if (!t || ctx.isFinished(t)) {
            ctx.log(`[sweep] done ${name} (task ${id}) — ${ended}/${tasks.length}`);
          } else {
            failed.push(name);
            const why = finalState(id, output);
            const logTail = [tail(output), tail(path.join(t.dir, 'train.log'), 5), tail(path.join(t.dir, 'eval.log'), 5)].filter((x) => x).join('\n  ---\n');
            ctx.log(`[sweep] FAILED ${name} (task ${id}): ${why}; rerun the same command to resubmit it. Log tail (${output}):\n  ${logTail.split('\n').join('\n  ')}`);
          }
          ctx.onRunEnded();
        }
        if (!watched.size || ctx.signal?.aborted) break;
        await new Promise((r) => setTimeout(r, poll));
      }
      if (ctx.signal?.aborted && watched.size) ctx.log(`[sweep] slurm: stopped following; ${watched.size} task(s) stay queued or running (rerun the same command to follow them again, or scancel them)`);
      return { failed };
    },
  };
}
