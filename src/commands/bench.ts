/**
 * `simgan bench`: training-step speed of each (backend variant × preset), each in its own worker process
 * (`simgan bench --worker …`, one JSON line on stdout) so that peak RSS and backend state belong to one
 * configuration, then the PyTorch reference in the same run. Configurations run one after another: two at
 * once would share the cores and time each other.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { selectBackend, tf } from '../backend';
import { assembleReport, BenchRow, benchPlan, formatReport, HEADLINE_CONFIG, isMeasured, PlannedRun, rowSummary, torchLine, WorkerResult } from '../bench/report';
import { benchmarkSteps, convForward } from '../bench/steps';
import { runTorchReference, TORCH_REFERENCE_PRESET, TorchOutcome } from '../bench/torch';
import { projectRoot } from '../paths';
import { writeJsonAtomic } from '../runs/atomic';

export interface BenchCommandOptions {
  /** Default: paper-eyes (batch 32), cpu-eyes, cpu-digits, toy. */
  presets?: string[];
  /** Default: every row of `BENCH_VARIANTS`. */
  variants?: string[];
  /** Timed steps of each kind (default 5). */
  steps?: number;
  /** Untimed steps first (default 2). */
  warmup?: number;
  /** Replaces every preset's batch size. */
  batch?: number;
  /** Print the JSON report instead of the table. */
  json: boolean;
  /** Also write the JSON report here (atomically). */
  out?: string;
  /** Run the PyTorch reference (default true). */
  torch?: boolean;
  /** Default `../shared/bench/torch_reference.py` beside the package root. */
  torchScript?: string;
  /** Default `/usr/bin/python3`. */
  python?: string;
  /** Progress lines (default: stderr). */
  progress?: (text: string) => void;
}

/** Run one planned configuration in a worker process with the variant's environment. */
export function runWorker(run: PlannedRun, steps: number, warmup: number): Promise<BenchRow> {
  const { variant, preset, batch } = run;
  const args = [path.join(projectRoot, 'dist', 'src', 'cli.js'), 'bench', '--worker', '--preset', preset, '--batch', String(batch), '--steps', String(steps), '--warmup', String(warmup)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...variant.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 100000) stderr = stderr.slice(-50000);
    });
    const fail = (why: string) => resolve({ variant: variant.label, preset, batch, failed: why });
    child.on('error', (e) => fail(`could not start the worker: ${e.message}`));
    child.on('close', (code, signal) => {
      // The error's message, without its stack frames (they name node internals, not the problem).
      const tail = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at ')).slice(-2).join(' | ');
      if (code !== 0) return fail(`worker exited ${signal ?? code}${tail ? `: ${tail}` : ''}`);
      // The result is the last JSON line: a backend may print its own notices on stdout first.
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      try {
        const result = JSON.parse(line ?? '') as WorkerResult;
        resolve({ variant: variant.label, ...result });
      } catch {
        fail(`worker printed no JSON result${tail ? ` (stderr: ${tail})` : ''}`);
      }
    });
  });
}

export async function benchCommand(o: BenchCommandOptions): Promise<number> {
  const steps = o.steps ?? 5;
  const warmup = o.warmup ?? 2;
  const progress = o.progress ?? ((t: string) => process.stderr.write(t));
  const plan = benchPlan({ presets: o.presets, variants: o.variants, batch: o.batch });
  const rows: BenchRow[] = [];
  for (const [i, run] of plan.entries()) {
    progress(`[bench] ${i + 1}/${plan.length} ${run.variant.label} ${run.preset} batch ${run.batch}: `);
    const t0 = Date.now();
    const row: BenchRow = run.skip ? { variant: run.variant.label, preset: run.preset, batch: run.batch, skipped: run.skip } : await runWorker(run, steps, warmup);
    rows.push(row);
    progress(`${rowSummary(row)}${run.skip ? '' : ` (${((Date.now() - t0) / 1000).toFixed(1)} s)`}\n`);
  }
  let torch: TorchOutcome;
  if (o.torch === false) {
    torch = { unavailable: 'not run (--no-torch)' };
  } else {
    // Batch 32 and one thread: the headline's batch, and the one thread wasm computes with in Node.
    progress(`[bench] torch reference (${TORCH_REFERENCE_PRESET} networks, batch ${HEADLINE_CONFIG.batch}, 1 thread): `);
    torch = runTorchReference({ script: o.torchScript, python: o.python, batch: HEADLINE_CONFIG.batch, threads: 1, steps });
    progress(`${torchLine(torch)}\n`);
  }
  const report = assembleReport({ rows, torch, steps, warmup });
  if (o.out) {
    mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    writeJsonAtomic(o.out, report);
  }
  console.log(o.json ? JSON.stringify(report, null, 2) : formatReport(report));
  if (o.out) progress(`[bench] report written to ${path.resolve(o.out)}\n`);
  return rows.some((r) => !isMeasured(r) && 'failed' in r) ? 1 : 0;
}

/**
 * The worker: one configuration on the backend its environment selects (`SIMGAN_BACKEND`), printed as one
 * JSON line. The convolution micro-benchmark runs first, so the reported peak RSS (the process's, read at
 * the end of the steps) covers both.
 */
export async function benchWorker(o: { preset: string; batch?: number; steps?: number; warmup?: number }): Promise<number> {
  const info = await selectBackend(undefined, { logger: (l) => console.error(l) });
  const conv = await convForward({ preset: o.preset, batch: o.batch });
  const stepsResult = await benchmarkSteps({ preset: o.preset, batch: o.batch, steps: o.steps, warmup: o.warmup });
  const result: WorkerResult = { backend: tf.getBackend(), threads: info.threads, simd: info.simd, ...stepsResult, backendInfo: info, conv };
  console.log(JSON.stringify(result));
  return 0;
}
