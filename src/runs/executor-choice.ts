/**
 * Which executor a sweep uses, from the command line or (for `runAblation`, the notebooks and
 * `npm run reproduce`) the environment: `SIMGAN_EXECUTOR=local|slurm` and `SIMGAN_SLURM_PARTITION`,
 * `SIMGAN_SLURM_TIME`, `SIMGAN_SLURM_CPUS`, `SIMGAN_SLURM_GPUS`, `SIMGAN_SLURM_MEM`, `SIMGAN_SLURM_SETUP`,
 * `SIMGAN_SLURM_SBATCH` (extra #SBATCH lines separated by `;`), `SIMGAN_SLURM_POLL` (seconds). Flags win.
 */
import { UserError } from '../util/user-error';
import type { SweepExecutor } from './executor';
import { localExecutor } from './local-executor';
import { SlurmOptions, slurmExecutor } from './slurm-executor';

export const EXECUTORS = ['local', 'slurm'] as const;

export interface ExecutorFlags {
  executor?: string;
  partition?: string;
  time?: string;
  cpusPerTask?: string;
  gpusPerTask?: string;
  mem?: string;
  sbatch?: string[];
  setup?: string;
  dryRun?: boolean;
  poll?: string;
}

function positive(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= min && (min === 0 || Number.isInteger(n)))) throw new UserError(`${name} ${v}: give a ${min === 0 ? 'number ≥ 0' : `whole number ≥ ${min}`}`);
  return n;
}

export function chooseExecutor(f: ExecutorFlags = {}, env: Record<string, string | undefined> = process.env): SweepExecutor {
  const name = (f.executor ?? env.SIMGAN_EXECUTOR ?? 'local').trim().toLowerCase();
  if (!(EXECUTORS as readonly string[]).includes(name)) throw new UserError(`--executor ${name}: use one of ${EXECUTORS.join(', ')} (or SIMGAN_EXECUTOR)`);
  const slurmOnly = Object.entries(f).filter(([k, v]) => k !== 'executor' && v !== undefined && v !== false && !(Array.isArray(v) && !v.length));
  if (name === 'local') {
    if (slurmOnly.length) throw new UserError(`--${slurmOnly[0][0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is an option of --executor slurm`);
    return localExecutor;
  }
  const o: SlurmOptions = {
    partition: f.partition ?? env.SIMGAN_SLURM_PARTITION,
    time: f.time ?? env.SIMGAN_SLURM_TIME,
    cpusPerTask: positive('--cpus-per-task', f.cpusPerTask ?? env.SIMGAN_SLURM_CPUS, 1),
    gpusPerTask: positive('--gpus-per-task', f.gpusPerTask ?? env.SIMGAN_SLURM_GPUS, 1),
    mem: f.mem ?? env.SIMGAN_SLURM_MEM,
    sbatch: f.sbatch?.length ? f.sbatch : env.SIMGAN_SLURM_SBATCH?.split(';').map((l) => l.trim()).filter((l) => l),
    setup: f.setup ?? env.SIMGAN_SLURM_SETUP,
    dryRun: f.dryRun,
    pollSeconds: positive('--poll', f.poll ?? env.SIMGAN_SLURM_POLL, 0),
  };
  for (const l of o.sbatch ?? []) if (/^\s*--array\b/.test(l)) throw new UserError(`--sbatch ${l}: the array is the sweep's own (one task per unfinished run)`);
  return slurmExecutor(o);
}
