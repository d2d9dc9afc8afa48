/**
 * How a sweep's runs get computed. The sweep (sweep.ts) decides what is to be done — the grid, which runs
 * are finished, the summary — and hands the rest to an executor: `local` (a pool of child processes on this
 * machine, local-executor.ts) or `slurm` (one SLURM job array, slurm-executor.ts).
 */
import type { SweepTask } from './sweep-task';

export interface ExecutorContext {
  /** The sweep folder (absolute). */
  out: string;
  /** Runs at a time (local: processes; SLURM: the array's `%` limit; default: cores / unlimited). */
  jobs?: number;
  log: (line: string) => void;
  /** Stop starting new runs when aborted. */
  signal?: AbortSignal;
  /** Is this run trained to its last step and evaluated? */
  isFinished: (task: SweepTask) => boolean;
  /** Called after each run that ends (the sweep rewrites its summary). */
  onRunEnded: () => void;
}

export interface SweepExecutor {
  readonly name: 'local' | 'slurm';
  /** Print what would be submitted and write nothing (SLURM's --dry-run). */
  readonly dryRun?: boolean;
  /** Throw a user error, before the sweep writes anything, when the executor cannot run here. */
  check?(): void;
  /** Compute `tasks` (the unfinished runs); resolves when none is left running, with the runs that failed. */
  run(tasks: SweepTask[], ctx: ExecutorContext): Promise<{ failed: string[] }>;
}
