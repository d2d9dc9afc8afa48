/**
 * One run of a sweep as the executors run it: `simgan train` (with `--resume` when the run folder already
 * has a config: an interrupted run continues from its checkpoint), then `simgan eval`, each in a child
 * process whose output goes to the run's train.log / eval.log. The local pool calls it directly; on SLURM
 * each array task calls it through `simgan sweep-task`, from a task file the executor wrote.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../paths';
import { UserError } from '../util/user-error';
import { writeFileAtomic } from './atomic';
import { runPaths } from './run-dir';

export interface SweepTask {
  /** The run's folder name under the sweep folder. */
  name: string;
  /** Absolute run folder. */
  dir: string;
  /** `simgan train …` arguments, without `--resume` (added when the run folder has a config). */
  train: string[];
  /** `simgan eval …` arguments. */
  eval: string[];
}

/** What an executor writes for `simgan sweep-task`: the sweep folder and the tasks, by array index. */
export interface SweepTaskFile {
  out: string;
  tasks: SweepTask[];
}

function runChild(args: string[], logFile: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let text = '';
    const keep = (d: Buffer) => {
      text += d.toString();
      if (text.length > 200000) text = text.slice(-100000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code, signal) => {
      writeFileAtomic(logFile, text + (signal ? `\n[simgan] stopped by ${signal}\n` : ''));
      resolve(code ?? 1);
    });
  });
}

/** Train (or resume) then evaluate one run; the exit status of the step that failed, or 0. */
export async function runSweepTask(task: SweepTask, env: Record<string, string> = {}): Promise<{ code: number; resumed: boolean }> {
  const resumed = existsSync(runPaths(task.dir).config);
  let code = await runChild([...task.train, ...(resumed ? ['--resume'] : [])], path.join(task.dir, 'train.log'), env);
  if (code === 0) code = await runChild(task.eval, path.join(task.dir, 'eval.log'), env);
  return { code, resumed };
}

/** Read a task file and pick task `index` (an array task id), or a user error saying what is wrong. */
export function readSweepTask(file: string, index: number): SweepTask {
  if (!existsSync(file)) throw new UserError(`sweep-task: no task file ${file} (it is written by simgan sweep --executor slurm)`);
  const spec = JSON.parse(readFileSync(file, 'utf8')) as SweepTaskFile;
  const task = spec.tasks[index];
  if (!task) throw new UserError(`sweep-task: ${file} has ${spec.tasks.length} task(s); index ${index} is not one of them`);
  if (!existsSync(spec.out)) throw new UserError(`sweep-task: the sweep folder ${spec.out} is not visible on this node: put it on storage every node mounts`);
  return task;
}
