/**
 * Execute notebooks headlessly with the tslab kernel, one after another, failing on the first cell error.
 * The work per notebook is done by `scripts/run_notebook.py` (nbclient, from Debian); this module finds
 * the notebooks, registers the kernel, shows progress and turns a failure into a readable report.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { jupyterEnv } from '../commands/doctor';
import { UserError } from '../util/user-error';
import { projectRoot } from '../paths';
import { installKernelSpec } from './kernel';

/** Largest executed notebook accepted. */
export const MAX_NOTEBOOK_MB = 10;

export interface NotebookRunOptions {
  /** Notebook files; default: every `notebooks/*.ipynb`, in name order. */
  notebooks?: string[];
  /** Where executed copies are written (default `notebooks/executed`). */
  outDir?: string;
  /** Seconds a single cell may take (default 1200). */
  cellTimeout?: number;
  /** Progress lines (default `console.log`). */
  log?: (line: string) => void;
  /** The Python that has nbclient (default Debian's `/usr/bin/python3`). */
  python?: string;
}

export interface NotebookFailure {
  cell: number;
  index: number;
  reason: string;
  source: string;
  stderr: string;
  detail: string;
}

export interface NotebookResult {
  notebook: string;
  output: string;
  ok: boolean;
  seconds: number;
  failure?: NotebookFailure;
  /** Set when the runner itself could not run (Python or nbclient missing, kernel died). */
  runnerError?: string;
}

export function listNotebooks(dir: string = path.join(projectRoot, 'notebooks')): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => path.join(dir, f));
}

export function formatFailure(r: NotebookResult): string {
  if (r.runnerError) return `${path.basename(r.notebook)}: the runner failed: ${r.runnerError}`;
  const f = r.failure;
  if (!f) return `${path.basename(r.notebook)}: ok`;
  const indent = (s: string) => s.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
  return [
    `${path.basename(r.notebook)}: code cell ${f.cell} (cell index ${f.index}) failed — ${f.reason}`,
    '  source:',
    indent(f.source),
    ...(f.stderr ? ['  stderr:', indent(f.stderr)] : []),
    ...(f.detail && !f.stderr ? ['  detail:', indent(f.detail)] : []),
    `  partial output saved to ${r.output}`,
  ].join('\n');
}

function runOne(nb: string, out: string, opts: NotebookRunOptions): Promise<NotebookResult> {
  const log = opts.log ?? console.log;
  const python = opts.python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const args = [path.join(projectRoot, 'scripts', 'run_notebook.py'), nb, out, '--timeout', String(opts.cellTimeout ?? 1200)];
  return new Promise((resolve) => {
    const child = spawn(python, args, { env: jupyterEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let done: { ok: boolean; seconds: number; failure?: NotebookFailure } | undefined;
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let ev: Record<string, unknown>;
      try { ev = JSON.parse(line); } catch { log(`  ${line}`); return; }
      if (ev.event === 'cell') log(`  ${path.basename(nb)}: cell ${ev.cell}/${ev.of} ${ev.ok ? 'ok' : 'FAILED'} (${ev.seconds} s)`);
      if (ev.event === 'done') done = ev as unknown as typeof done;
    });
    child.on('error', (e) => resolve({ notebook: nb, output: out, ok: false, seconds: 0, runnerError: `cannot start ${python}: ${e.message}` }));
    child.on('close', (code) => {
      if (done) resolve({ notebook: nb, output: out, ok: done.ok && code === 0, seconds: done.seconds, failure: done.failure ?? undefined });
      else resolve({ notebook: nb, output: out, ok: false, seconds: 0, runnerError: `exit ${code}; ${stderr.trim().split('\n').slice(-15).join('\n')}` });
    });
  });
}

/** Run notebooks in order; stops at the first failing one. */
export async function runNotebooks(opts: NotebookRunOptions = {}): Promise<NotebookResult[]> {
  const log = opts.log ?? console.log;
  const notebooks = opts.notebooks ?? listNotebooks();
  const absent = notebooks.filter((nb) => !existsSync(path.resolve(nb)));
  if (absent.length) throw new UserError(`no such notebook: ${absent.join(', ')} (the notebooks are ${listNotebooks().map((n) => path.basename(n)).join(', ')} in notebooks/)`);
  const outDir = path.resolve(opts.outDir ?? path.join(projectRoot, 'notebooks', 'executed'));
  mkdirSync(outDir, { recursive: true });
  installKernelSpec();
  const results: NotebookResult[] = [];
  for (const [i, nb] of notebooks.entries()) {
    const out = path.join(outDir, path.basename(nb));
    log(`[notebooks] ${i + 1}/${notebooks.length} ${path.relative(process.cwd(), nb)}`);
    const r = await runOne(path.resolve(nb), out, opts);
    // Executed notebooks must stay openable and diffable: one inlined plotly.js plus PNGs fits well within this.
    const mb = existsSync(out) ? statSync(out).size / 2 ** 20 : 0;
    if (r.ok && mb > MAX_NOTEBOOK_MB) {
      r.ok = false;
      r.runnerError = `the executed notebook is ${mb.toFixed(1)} MB, over the ${MAX_NOTEBOOK_MB} MB limit (plot bins, not raw values; fewer or smaller images)`;
    }
    results.push(r);
    if (!r.ok) break;
    log(`[notebooks] ${path.basename(nb)} ok in ${r.seconds.toFixed(1)} s → ${path.relative(process.cwd(), out)}`);
  }
  return results;
}
