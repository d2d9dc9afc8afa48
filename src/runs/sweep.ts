/**
 * Sweeps: a grid of config overrides × training seeds, each point trained and evaluated in its own process
 * (`simgan train`, then `simgan eval`) by an executor: the local pool (`jobs` at a time) or a SLURM job
 * array (executor.ts). Resumable: a finished run (its last
 * checkpoint at the final step and an eval.json) is skipped; an interrupted one continues from its
 * checkpoint. After every run, `summary.json` and `summary.csv` are rewritten with one row per finished
 * run: its overrides, seed and metrics.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../config';
import { assertDataAvailable } from '../data/registry';
import { assertEvalOptions } from '../eval/options';
import { UserError } from '../util/user-error';
import { projectRoot } from '../paths';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import { latestCheckpoint } from './checkpoint';
import type { SweepExecutor } from './executor';
import { localExecutor } from './local-executor';
import { runPaths } from './run-dir';
import type { SweepTask } from './sweep-task';
export { childNativeThreads } from './local-executor';

export interface SweepSpec {
  preset: string;
  /** key → values, e.g. { 'history.enabled': ['true', 'false'], lambda: ['0', '0.1'] }. */
  grid: Record<string, string[]>;
  /** Training seeds 1…seeds. */
  seeds: number;
  /** Overrides applied to every point (e.g. a budget's step counts). */
  fixed?: string[];
  /** Evaluation options passed to `simgan eval`. */
  eval?: { seeds?: number; epochs?: number; syntheticCount?: number; c2stPerSide?: number };
}

export interface SweepPoint {
  /** Folder name under the sweep's directory. */
  name: string;
  overrides: Record<string, string>;
  seed: number;
}

export interface SweepOptions {
  out: string;
  /** Runs at a time (default: the number of cores). */
  jobs?: number;
  log?: (line: string) => void;
  /** Stop starting new runs when aborted (running ones are left to finish their step and checkpoint). */
  signal?: AbortSignal;
  /** Where the runs are computed (default: the local pool). */
  executor?: SweepExecutor;
}

export interface SweepRow {
  run: string;
  seed: number;
  overrides: Record<string, string>;
  metrics: Record<string, number>;
}

/** The value at a dotted path of a config, as a string ('true', '0.05', 'local'). */
function valueAt(config: unknown, key: string): string {
  const v = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], config);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Cartesian product of the grid, times seeds. A run's name lists only the overrides that differ from the
 * preset (with the sweep's fixed overrides), then its seed: names are stable, so a rerun finds its runs
 * again, and sweeps sharing an output folder share their common runs — e.g. the default-setting baseline of
 * a history-buffer sweep and of a λ sweep is one run, `seed=1`.
 */
export function expandGrid(spec: SweepSpec): SweepPoint[] {
  const base = resolveConfig(spec.preset, spec.fixed ?? []);
  let combos: Array<Record<string, string>> = [{}];
  for (const [key, values] of Object.entries(spec.grid)) {
    if (!values.length) throw new UserError(`--grid ${key}= has no values`);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  const differs = (key: string, v: string) => {
    const d = valueAt(base, key);
    return !(d === v || (v.trim() !== '' && !Number.isNaN(Number(v)) && Number(v) === Number(d)));
  };
  const points: SweepPoint[] = [];
  for (const c of combos) {
    for (let seed = 1; seed <= spec.seeds; seed++) {
      const parts = [...Object.entries(c).filter(([k, v]) => differs(k, v)).map(([k, v]) => `${k}=${v}`), `seed=${seed}`];
      points.push({ name: parts.join('__').replace(/[^\w.=-]/g, '_'), overrides: c, seed });
    }
  }
  return points;
}

/** Parse `key=v1,v2,…` (the CLI's --grid). */
export function parseGrid(arg: string): [string, string[]] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UserError(`--grid ${arg}: expected key=value1,value2,…`);
  return [arg.slice(0, eq), arg.slice(eq + 1).split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

function pointOverrides(spec: SweepSpec, p: SweepPoint): string[] {
  return [...(spec.fixed ?? []), ...Object.entries(p.overrides).map(([k, v]) => `${k}=${v}`), `seed=${p.seed}`];
}

/** Is this run trained to its last step and evaluated? */
export function isFinished(dir: string): boolean {
  const paths = runPaths(dir);
  if (!existsSync(paths.config) || !existsSync(path.join(paths.root, 'eval.json'))) return false;
  const config = JSON.parse(readFileSync(paths.config, 'utf8'));
  const total = config.schedule.refinerPretrainSteps + config.schedule.discriminatorPretrainSteps + config.schedule.steps;
  const ckpt = latestCheckpoint(paths.checkpoints);
  return ckpt !== undefined && Number(/step-(\d+)/.exec(ckpt)?.[1]) === total;
}

/** Numbers of an eval.json, flattened: `downstream.trainedOnRefined.mean`, `c2st.refined.mean`, … */
export function flattenMetrics(value: unknown, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (k === 'values' || k === 'std') continue;
    if (typeof v === 'number') out[key] = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) Object.assign(out, flattenMetrics(v, key));
  }
  return out;
}

function csvCell(v: unknown): string {
  const s = v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rewrite summary.json and summary.csv from the finished runs' eval.json files. */
export function writeSummary(out: string, spec: SweepSpec, points: SweepPoint[]): SweepRow[] {
  const rows: SweepRow[] = [];
  for (const p of points) {
    const dir = path.join(out, p.name);
    if (!isFinished(dir)) continue;
    const report = JSON.parse(readFileSync(path.join(dir, 'eval.json'), 'utf8'));
    rows.push({
      run: p.name,
      seed: p.seed,
      overrides: p.overrides,
      metrics: flattenMetrics({
        downstream: report.downstream, c2st: report.c2st, labelPreservation: report.labelPreservation,
        kid: report.kid, frechet: report.frechet, refinerCheck: report.refinerCheck,
      }),
    });
  }
  writeJsonAtomic(path.join(out, 'summary.json'), { preset: spec.preset, grid: spec.grid, seeds: spec.seeds, fixed: spec.fixed ?? [], rows });
  const keys = Object.keys(spec.grid);
  const metricKeys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].filter((k) => !k.endsWith('.n')).sort();
  const header = ['run', ...keys, 'seed', ...metricKeys];
  const lines = [header.join(','), ...rows.map((r) => [r.run, ...keys.map((k) => r.overrides[k]), r.seed, ...metricKeys.map((k) => r.metrics[k])].map(csvCell).join(','))];
  writeFileAtomic(path.join(out, 'summary.csv'), lines.join('\n') + '\n');
  return rows;
}

/** The train and eval arguments of one point (the eval sharing the sweep's cache). */
export function sweepTask(spec: SweepSpec, p: SweepPoint, out: string): SweepTask {
  const dir = path.resolve(out, p.name);
  const e = spec.eval ?? {};
  return {
    name: p.name,
    dir,
    train: ['train', '--preset', spec.preset, ...pointOverrides(spec, p).flatMap((s) => ['--set', s]), '--out', dir],
    // One cache per sweep: the points share seeds and data, so networks trained on raw synthetic and real
    // images (and their C2STs) are computed by the first point of each seed and reused by the rest.
    eval: ['eval', dir, '--json', '--cache', path.resolve(out, 'eval-cache'),
      ...Object.entries({ '--seeds': e.seeds, '--epochs': e.epochs, '--synthetic-count': e.syntheticCount, '--c2st-per-side': e.c2stPerSide }).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]))],
  };
}

/** Train and evaluate every point not yet finished (on `o.executor`, default local); returns the summary rows. */
export async function runSweep(spec: SweepSpec, o: SweepOptions): Promise<{ rows: SweepRow[]; failed: string[] }> {
  const log = o.log ?? console.log;
  const executor = o.executor ?? localExecutor;
  const points = expandGrid(spec);
  // Everything a user can get wrong is rejected before the first run starts and before the folder is made:
  // a bad grid or --set, absent data, evaluation options eval would refuse, another sweep's folder, an
  // executor that cannot run here.
  for (const p of points) assertDataAvailable(resolveConfig(spec.preset, pointOverrides(spec, p)));
  assertEvalOptions(spec.eval ?? {});
  executor.check?.();
  const specFile = path.join(o.out, 'sweep.json');
  if (existsSync(specFile)) {
    const prior = JSON.parse(readFileSync(specFile, 'utf8')) as SweepSpec;
    if (prior.preset !== spec.preset || JSON.stringify(prior.fixed ?? []) !== JSON.stringify(spec.fixed ?? [])) {
      throw new UserError(`${o.out} holds runs of preset ${prior.preset} with --set ${JSON.stringify(prior.fixed ?? [])}; use another --out for preset ${spec.preset} with ${JSON.stringify(spec.fixed ?? [])}`);
    }
  }
  const out = path.resolve(o.out);
  if (!executor.dryRun) {
    mkdirSync(out, { recursive: true });
    writeJsonAtomic(specFile, spec);
  }
  const todo = points.filter((p) => !isFinished(path.join(out, p.name)));
  log(`[sweep] ${points.length} runs (${points.length - todo.length} already finished) on the ${executor.name} executor → ${out}`);
  const { failed } = await executor.run(todo.map((p) => sweepTask(spec, p, out)), {
    out,
    jobs: o.jobs,
    log,
    signal: o.signal,
    isFinished: (t) => isFinished(t.dir),
    onRunEnded: () => writeSummary(out, spec, points),
  });
  if (executor.dryRun) return { rows: [], failed: [] };
  const rows = writeSummary(out, spec, points);
  log(`[sweep] ${rows.length}/${points.length} runs finished${failed.length ? `, ${failed.length} failed` : ''}; summary: ${path.join(out, 'summary.csv')}`);
  return { rows, failed };
}
