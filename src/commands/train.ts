/** `simgan train` and `simgan describe`. */
import { selectBackend } from '../backend';
import { applyOverrides, ConfigError, PRESETS, resolveConfig, SimGANConfig } from '../config';
import { UsageError } from '../util/user-error';
import { describeConfig, formatDescription } from '../nets/describe';
import { readRunConfig } from '../runs/run-dir';
import { assertTrainStart, train, StepMetrics } from '../train/train';
import { Progress } from '../util/progress';

export interface TrainCommandOptions {
  preset?: string;
  overrides: string[];
  steps?: number;
  out: string;
  resume: boolean;
}

function statusText(m: StepMetrics): string {
  const f = (v: number | undefined, d = 3) => (v === undefined ? '–' : v.toPrecision(d));
  const parts: string[] = [m.phase];
  if (m.refinerLoss !== undefined) parts.push(`L_R ${f(m.refinerLoss)}`);
  if (m.discriminatorLoss !== undefined) parts.push(`L_D ${f(m.discriminatorLoss)}`);
  if (m.accRefined !== undefined) parts.push(`D acc refined ${f(m.accRefined, 2)} real ${f(m.accReal, 2)}`);
  parts.push(`${(m.stepMs / 1000).toFixed(2)} s/step`);
  return parts.join('  ');
}

/** The config a train command runs: the preset with overrides, or (resume without preset) the run's own. */
export function commandConfig(o: TrainCommandOptions): SimGANConfig {
  const steps = o.steps === undefined ? [] : [`schedule.steps=${o.steps}`];
  if (o.resume && !o.preset) {
    if (o.overrides.length) throw new ConfigError('--set needs --preset (a resumed run keeps its config; only --steps may change)');
    return applyOverrides(readRunConfig(o.out), steps);
  }
  if (!o.preset) throw new UsageError(`train needs --preset NAME (one of ${Object.keys(PRESETS).join(', ')}), or --resume to continue the run in --out`);
  return resolveConfig(o.preset, [...o.overrides, ...steps]);
}

export async function trainCommand(o: TrainCommandOptions): Promise<number> {
  const config = commandConfig(o);
  assertTrainStart({ config, runDir: o.out, resume: o.resume });
  await selectBackend();
  const total = config.schedule.refinerPretrainSteps + config.schedule.discriminatorPretrainSteps + config.schedule.steps;
  const progress = new Progress({ total, label: `[train ${config.preset}]` });
  const abort = new AbortController();
  const onSignal = () => {
    progress.message('[simgan] interrupted: writing a checkpoint (Ctrl-C again to quit at once)');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    const result = await train({
      config,
      runDir: o.out,
      resume: o.resume,
      signal: abort.signal,
      onStep: (m) => progress.update(m.step, statusText(m)),
      log: (line) => progress.message(line),
    });
    result.trainer.dispose();
    console.log(`${result.status} at step ${result.step}/${result.totalSteps}: ${result.runDir}`);
    return result.status === 'completed' ? 0 : 130;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

export async function describeCommand(presetName: string, overrides: string[], json: boolean): Promise<number> {
  const config = resolveConfig(presetName, overrides);
  await selectBackend(undefined, { log: false });
  const desc = describeConfig(config);
  console.log(json ? JSON.stringify(desc, null, 2) : formatDescription(desc));
  return 0;
}
