/**
 * Budgets for the notebooks and `npm run reproduce`: one knob, `SIMGAN_BUDGET`, sets steps, seeds, grids
 * and evaluation sizes.
 *  - `smoke`: every notebook end to end in minutes (CI); numbers are not meant to be read.
 *  - `default`: results worth reading on 2 CPU cores (the whole reproduction ≤ 90 min).
 *  - `paper`: the paper's presets and schedules, for GPU machines.
 */
import type { SweepSpec } from './runs/sweep';

export type BudgetName = 'smoke' | 'default' | 'paper';

export interface Budget {
  name: BudgetName;
  /** The digit experiment (the embedded default). */
  digits: { preset: string; fixed: string[]; seeds: number; lambdas: string[]; eval: NonNullable<SweepSpec['eval']> };
  /** The eye experiment, run when real eyes are present. */
  eyes: { preset: string; fixed: string[]; seeds: number; eval: NonNullable<SweepSpec['eval']> };
  /** Sweep parallelism. */
  jobs: number;
  /** The quickstart notebook's live training run. */
  quickstart: { preset: string; fixed: string[] };
}

const BUDGETS: Record<BudgetName, Budget> = {
  smoke: {
    name: 'smoke',
    digits: {
      preset: 'cpu-digits',
      fixed: ['schedule.refinerPretrainSteps=10', 'schedule.discriminatorPretrainSteps=5', 'schedule.steps=15', 'logging.checkpointEvery=10', 'logging.sampleEvery=10'],
      seeds: 2,
      lambdas: ['0', '0.05', '1'],
      eval: { seeds: 1, epochs: 1, syntheticCount: 1000, c2stPerSide: 150 },
    },
    eyes: {
      preset: 'cpu-eyes',
      fixed: ['schedule.refinerPretrainSteps=3', 'schedule.discriminatorPretrainSteps=2', 'schedule.steps=3', 'batchSize=8'],
      seeds: 1,
      eval: { seeds: 1, epochs: 1, syntheticCount: 400, c2stPerSide: 100 },
    },
    jobs: 2,
    quickstart: { preset: 'cpu-digits', fixed: ['schedule.refinerPretrainSteps=5', 'schedule.discriminatorPretrainSteps=5', 'schedule.steps=10', 'logging.sampleEvery=5'] },
  },
  default: {
    name: 'default',
    digits: {
      preset: 'cpu-digits',
      fixed: ['schedule.refinerPretrainSteps=100', 'schedule.discriminatorPretrainSteps=50', 'schedule.steps=400'],
      seeds: 3,
      lambdas: ['0', '0.05', '0.5'],
      eval: { seeds: 1, epochs: 3, syntheticCount: 10000, c2stPerSide: 1000 },
    },
    eyes: {
      preset: 'cpu-eyes',
      fixed: ['schedule.refinerPretrainSteps=50', 'schedule.discriminatorPretrainSteps=20', 'schedule.steps=100', 'batchSize=16'],
      seeds: 1,
      eval: { seeds: 2, epochs: 2, syntheticCount: 4000, c2stPerSide: 500 },
    },
    jobs: 2,
    quickstart: { preset: 'cpu-digits', fixed: ['schedule.refinerPretrainSteps=50', 'schedule.discriminatorPretrainSteps=20', 'schedule.steps=150', 'logging.sampleEvery=20'] },
  },
  paper: {
    name: 'paper',
    digits: { preset: 'cpu-digits', fixed: [], seeds: 5, lambdas: ['0', '0.01', '0.05', '0.2', '1'], eval: { seeds: 3, epochs: 5 } },
    eyes: { preset: 'paper-eyes', fixed: [], seeds: 3, eval: { seeds: 3, epochs: 5 } },
    jobs: 1,
    quickstart: { preset: 'cpu-digits', fixed: [] },
  },
};

export function budgetName(env: Record<string, string | undefined> = process.env): BudgetName {
  const v = (env.SIMGAN_BUDGET ?? 'default').trim().toLowerCase();
  if (v === 'smoke' || v === 'default' || v === 'paper') return v;
  throw new Error(`SIMGAN_BUDGET=${JSON.stringify(env.SIMGAN_BUDGET)} is not a budget; use smoke, default or paper`);
}

export function budget(env: Record<string, string | undefined> = process.env): Budget {
  return BUDGETS[budgetName(env)];
}
