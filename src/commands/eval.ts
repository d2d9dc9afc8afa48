/** `simgan eval RUN_DIR`: compute, store (eval.json) and print every metric the run's data allows. */
import { existsSync, statSync } from 'node:fs';
import { selectBackend } from '../backend';
import { evaluateRun, EvalReport, EVAL_OPTION_MIN } from '../eval/evaluate';
import { assertTrainedRun } from '../runs/checkpoint';
import { UsageError } from '../util/user-error';
import { formatSummary, Summary } from '../eval/stats';

function isSummary(v: unknown): v is Summary {
  return typeof v === 'object' && v !== null && 'mean' in v && 'low' in v && 'high' in v;
}

/** Indented "key: mean [low, high] (n)" lines for a report section. */
function lines(value: unknown, indent = '  '): string[] {
  if (isSummary(value)) return [`${indent}${formatSummary(value)}`];
  if (typeof value !== 'object' || value === null) return [`${indent}${String(value)}`];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (isSummary(v)) out.push(`${indent}${k}: ${formatSummary(v)}`);
    else if (typeof v === 'object' && v !== null) out.push(`${indent}${k}:`, ...lines(v, indent + '  '));
    else out.push(`${indent}${k}: ${String(v)}`);
  }
  return out;
}

export function formatEval(r: EvalReport): string {
  return [
    `${r.run} (preset ${r.preset}, step ${r.step}, task ${r.task}, ${r.seeds} seed${r.seeds === 1 ? '' : 's'}, ${r.seconds} s); mean [95% interval] (n seeds)`,
    'downstream:',
    ...lines(r.downstream),
    'c2st (held-out accuracy telling images from held-out real ones; 0.5 = indistinguishable):',
    ...lines(r.c2st),
    'labelPreservation:',
    ...lines(r.labelPreservation),
    'kid (KID on real-trained network features vs held-out real; realFloor = unseen real training images; interval = subset spread):',
    ...lines('unavailable' in r.kid ? r.kid : { synthetic: r.kid.synthetic, refined: r.kid.refined, realFloor: r.kid.realFloor }),
    'frechet (Fréchet distance, same features and subsets):',
    ...lines('unavailable' in r.frechet ? r.frechet : { synthetic: r.frechet.synthetic, refined: r.frechet.refined, realFloor: r.frechet.realFloor }),
    `refinerCheck: ${r.refinerCheck.verdict}` +
      ` (change ${r.refinerCheck.change.toFixed(4)} per pixel vs domain gap ${r.refinerCheck.reference.gap.toFixed(3)}; saturated ${(r.refinerCheck.refinedSaturated * 100).toFixed(0)}% vs real ${(r.refinerCheck.reference.realSaturated * 100).toFixed(0)}%)`,
    ...(r.refinerCheck.warning ? [`  warning: ${r.refinerCheck.warning}`] : []),
  ].join('\n');
}

export interface EvalFlags {
  seeds?: number;
  epochs?: number;
  syntheticCount?: number;
  c2stPerSide?: number;
}

/**
 * The evaluation options from `--seeds`, `--epochs`, `--synthetic-count`, `--c2st-per-side` (eval) or the
 * same names after `--eval-` (sweep): one parser, so both commands accept, default and reject alike.
 * Unset options are left undefined: evaluateRun's defaults (3 seeds, 3 epochs, all synthetic, 1,000 a side).
 */
export function evalFlags(values: Record<string, string | undefined>, prefix: '--' | '--eval-'): EvalFlags {
  const num = (name: string, min: number): number | undefined => {
    const flag = `${prefix}${name}`, v = values[flag];
    if (v === undefined) return undefined;
    if (!(Number.isInteger(Number(v)) && Number(v) >= min)) throw new UsageError(`${flag} ${v}: give a whole number ≥ ${min}`);
    return Number(v);
  };
  return {
    seeds: num('seeds', EVAL_OPTION_MIN.seeds),
    epochs: num('epochs', EVAL_OPTION_MIN.epochs),
    syntheticCount: num('synthetic-count', 1),
    c2stPerSide: num('c2st-per-side', EVAL_OPTION_MIN.c2stPerSide),
  };
}

export async function evalCommand(runDir: string, o: EvalFlags & { json: boolean; cacheDir?: string }): Promise<number> {
  assertTrainedRun(runDir);
  if (o.cacheDir !== undefined && existsSync(o.cacheDir) && !statSync(o.cacheDir).isDirectory()) {
    throw new UsageError(`--cache ${o.cacheDir} is a file: give a folder (it is created if absent)`);
  }
  await selectBackend(undefined, { log: !o.json });
  const report = await evaluateRun(runDir, { seeds: o.seeds, epochs: o.epochs, syntheticCount: o.syntheticCount, c2stPerSide: o.c2stPerSide, cacheDir: o.cacheDir, log: (l) => console.error(l) });
  console.log(o.json ? JSON.stringify(report, null, 2) : formatEval(report));
  return 0;
}
