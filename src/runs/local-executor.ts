/**
 * The default executor: the sweep's runs as child processes on this machine, `jobs` at a time, with a
 * progress line per run and an ETA. Each job's native convolutions get cores ÷ jobs threads.
 */
import { availableCores } from '../backend';
import { formatDuration } from '../util/progress';
import type { ExecutorContext, SweepExecutor } from './executor';
import { runSweepTask, SweepTask } from './sweep-task';

/**
 * The threads each child's native convolutions get: SIMGAN_NATIVE_THREADS when the user set it, else the
 * available cores ÷ jobs (at least 1), so that the jobs together use the machine without oversubscribing it.
 */
export function childNativeThreads(jobs: number, env: Record<string, string | undefined> = process.env, cores = availableCores()): string {
  return env.SIMGAN_NATIVE_THREADS ?? String(Math.max(1, Math.floor(cores / Math.max(1, jobs))));
}

export const localExecutor: SweepExecutor = {
  name: 'local',
  async run(tasks: SweepTask[], ctx: ExecutorContext): Promise<{ failed: string[] }> {
    const jobs = Math.max(1, ctx.jobs ?? availableCores());
    // From --jobs alone (not from how many runs are left), so a resumed sweep computes with the same threads.
    const threads = childNativeThreads(jobs);
    ctx.log(`[sweep] local: ${Math.min(jobs, Math.max(1, tasks.length))} at a time, ${threads} native thread${threads === '1' ? '' : 's'} each`);
    const failed: string[] = [];
    let done = 0, next = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < tasks.length && !ctx.signal?.aborted) {
        const task = tasks[next++];
        const tRun = Date.now();
        ctx.log(`[sweep] start ${task.name}`);
        const { code, resumed } = await runSweepTask(task, { SIMGAN_NATIVE_THREADS: threads });
        done++;
        const elapsed = (Date.now() - t0) / 1000;
        const eta = formatDuration((elapsed / done) * (tasks.length - done));
        if (code !== 0) {
          failed.push(task.name);
          ctx.log(`[sweep] FAILED ${task.name} (exit ${code}; see ${task.dir}/train.log / eval.log) — ${done}/${tasks.length}, ETA ${eta}`);
        } else {
          ctx.log(`[sweep] done ${task.name}${resumed ? ' (resumed)' : ''} in ${formatDuration((Date.now() - tRun) / 1000)} — ${done}/${tasks.length}, ETA ${eta}`);
        }
        ctx.onRunEnded();
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, tasks.length)) }, worker));
    return { failed };
  },
};
