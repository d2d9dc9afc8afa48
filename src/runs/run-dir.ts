/**
 * A run directory:
 *   config.json      the resolved config (written once, atomically)
 *   metrics.jsonl    one JSON object per step: {step, phase, …losses, accuracies, stepMs, numTensors, historyImages, rssMiB, warnings?}
 *   checkpoints/     see checkpoint.ts; `latest.json` names the newest complete one
 *   samples/         step-NNNNNNN.png grids: synthetic | refined | difference rows
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SimGANConfig } from '../config';
import { UserError } from '../util/user-error';
import { writeFileAtomic, writeJsonAtomic } from './atomic';

export interface RunPaths {
  root: string;
  config: string;
  metrics: string;
  checkpoints: string;
  samples: string;
}

export function runPaths(root: string): RunPaths {
  const r = path.resolve(root);
  return {
    root: r,
    config: path.join(r, 'config.json'),
    metrics: path.join(r, 'metrics.jsonl'),
    checkpoints: path.join(r, 'checkpoints'),
    samples: path.join(r, 'samples'),
  };
}

/** A user error unless `root` can take a new run: a run there is resumed, never overwritten. */
export function assertNoRun(root: string): void {
  const p = runPaths(root);
  if (existsSync(p.config)) {
    throw new UserError(`${p.root} already holds a run (config.json exists): continue it with --resume, or choose another --out`);
  }
}

/** Create a new run; refuses to overwrite an existing run (resume it instead). */
export function createRun(root: string, config: SimGANConfig): RunPaths {
  assertNoRun(root);
  const p = runPaths(root);
  mkdirSync(p.checkpoints, { recursive: true });
  mkdirSync(p.samples, { recursive: true });
  writeJsonAtomic(p.config, config);
  writeFileAtomic(p.metrics, '');
  return p;
}

export function readRunConfig(root: string): SimGANConfig {
  const p = runPaths(root);
  if (!existsSync(p.config)) throw new UserError(`${p.root} is not a run directory (no config.json): give the --out folder of a simgan train run`);
  return JSON.parse(readFileSync(p.config, 'utf8')) as SimGANConfig;
}

/** Parsed metric lines; a torn last line (a crash mid-write) is dropped. */
export function readMetrics(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  const out: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      break;
    }
  }
  return out;
}

/**
 * Keep only the metric lines up to `step` (those a resumed run will not write again), rewriting the file
 * atomically: lines after the last checkpoint are produced again on resume, so none is lost or duplicated.
 */
export function truncateMetrics(file: string, step: number): number {
  const kept = readMetrics(file).filter((m) => typeof m.step === 'number' && (m.step as number) <= step);
  writeFileAtomic(file, kept.map((m) => JSON.stringify(m)).join('\n') + (kept.length ? '\n' : ''));
  return kept.length;
}

export function appendMetric(file: string, metric: Record<string, unknown>): void {
  appendFileSync(file, JSON.stringify(metric) + '\n');
}
