/**
 * Budgets for the notebooks and `npm run reproduce`: one knob, `SIMGAN_BUDGET`, sets steps, seeds, grids
 * and evaluation sizes.
 *  - `smoke`: every notebook end to end in minutes (CI); numbers are not meant to be read.
 *  - `default`: results worth reading on 2 CPU cores (the whole reproduction ≤ 90 min).
 *  - `paper`: the paper's presets and schedules, for GPU machines.
 */
import type { SweepSpec } from './runs/sweep';

/** The paper's eye discriminator (Sec. 4.1), for the paper budget's eye runs. */
const PAPER_EYE_D = [
  { type: 'conv', filters: 96, kernel: 3, stride: 2 },
  { type: 'conv', filters: 64, kernel: 3, stride: 2 },
  { type: 'maxpool', size: 3, stride: 1 },
  { type: 'conv', filters: 32, kernel: 3, stride: 1 },
  { type: 'conv', filters: 32, kernel: 1, stride: 1 },
];

export type BudgetName = 'smoke' | 'default' | 'paper';

export interface Budget {
  name: BudgetName;
  /** The digit experiment (the embedded default). */
  digits: { preset: string; fixed: string[]; seeds: number; lambdas: string[]; eval: NonNullable<SweepSpec['eval']> };
  /** The eye experiment (Columbia Gaze: synthetic eyes refined towards the train people, tested on others). */
  eyes: { preset: string; fixed: string[]; seeds: number; lambdas: string[]; eval: NonNullable<SweepSpec['eval']> };
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
      preset: 'columbia-eyes',
      fixed: ['schedule.refinerPretrainSteps=6', 'schedule.discriminatorPretrainSteps=3', 'schedule.steps=6', 'batchSize=8', 'history.size=64', 'logging.checkpointEvery=5', 'logging.sampleEvery=5'],
      seeds: 2,
      lambdas: ['0', '0.5', '2'],
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
    // columbia-eyes' own schedule (100 + 50 pretraining, 600 adversarial iterations at batch 16). The
    // estimators see 6,000 synthetic eyes: 4,800 to train the 4× conditions, 1,200 (≈ the 1,176 real
    // training eyes) the 1× ones; C2ST uses all 504 test-people eyes.
    eyes: {
      preset: 'columbia-eyes',
      fixed: [],
      seeds: 3,
      lambdas: ['0.1', '0.5', '2'],
      eval: { seeds: 1, epochs: 3, syntheticCount: 6000, c2stPerSide: 504 },
    },
    jobs: 2,
    quickstart: { preset: 'cpu-digits', fixed: ['schedule.refinerPretrainSteps=50', 'schedule.discriminatorPretrainSteps=20', 'schedule.steps=150', 'logging.sampleEvery=20'] },
  },
  paper: {
    name: 'paper',
    digits: { preset: 'cpu-digits', fixed: [], seeds: 5, lambdas: ['0', '0.01', '0.05', '0.2', '1'], eval: { seeds: 3, epochs: 5 } },
    // The paper's eye networks and schedule on the same data (batch 512 needs a native or GPU backend).
    eyes: {
      preset: 'columbia-eyes',
      fixed: [
        'refiner.filters=64', 'refiner.blocks=4', `discriminator.layers=${JSON.stringify(PAPER_EYE_D)}`, 'batchSize=512', 'history.size=51200',
        'schedule.refinerPretrainSteps=1000', 'schedule.discriminatorPretrainSteps=200', 'schedule.steps=10000',
      ],
      seeds: 5,
      lambdas: ['0.01', '0.1', '0.5', '2', '10'],
      eval: { seeds: 1, epochs: 5 },
    },
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
