#!/usr/bin/env node
/**
 * The `simgan` command. Each subcommand lives in `commands/` and calls the same library functions the
 * notebooks use.
 */
import { benchCommand, benchWorker } from './commands/bench';
import { profileCommand } from './commands/profile';
import { doctorReport, formatDoctor } from './commands/doctor';
import { dataBuild, dataInfo, dataShow, knownDatasets, parseSize } from './commands/data';
import { evalCommand, evalFlags } from './commands/eval';
import { reproduceCommand } from './commands/reproduce';
import { refineCommand } from './commands/refine';
import { labCommand } from './commands/lab';
import { turingCommand } from './commands/turing';
import { parseGrid, runSweep } from './runs/sweep';
import { chooseExecutor } from './runs/executor-choice';
import { sweepTaskCommand } from './commands/sweep-task';
import { readMetrics, readRunConfig, runPaths } from './runs/run-dir';
import { formatMemoryReport, memoryReport, memoryRows } from './bench/memory';
import { existsSync } from 'node:fs';
import { datasetCatalog } from './data/catalog';
import { describeCommand, trainCommand } from './commands/train';
import { ARCHITECTURE_ONLY, PRESETS } from './config';
import { UsageError, UserError } from './util/user-error';
import { installKernelSpec, userJupyterDataDir } from './notebooks/kernel';
import { formatFailure, runNotebooks } from './notebooks/runner';

const USAGE = `usage: simgan <command> [options]

commands:
  doctor [--json]   what this machine offers: backend, tfjs, native bindings, Jupyter/tslab, datasets
  reproduce         the main job: the budget's sweeps (SIMGAN_BUDGET=smoke|default|paper), then every
                    notebook executed into notebooks/executed/
  lab [--port N]    Jupyter on 127.0.0.1 with the tslab kernel, in notebooks/ (prints the URL and token)
  kernel-install [--user]
                    write the tslab kernelspec: project-local (.jupyter/kernels/tslab, used by lab,
                    notebooks and reproduce), or with --user into your Jupyter data folder
                    (jupyter --data-dir), where your own Jupyter, JupyterLab or VS Code find it
  notebooks [NB.ipynb ...] [--out DIR] [--cell-timeout SECONDS]
                    execute notebooks (default: all in notebooks/) with the tslab kernel, saving
                    executed copies in DIR (default notebooks/executed); fails on the first cell error
  train --preset P [--set key=value ...] [--steps N] --out DIR [--resume]
                    train SimGAN (Algorithm 1); writes config.json, metrics.jsonl, checkpoints/ and
                    samples/ in DIR. --steps N sets the adversarial iterations (schedule.steps); the
                    preset's pretraining steps come first and the progress line counts all of them
                    (toy --steps 60: 30 pretraining + 60 = "90/90"). --resume continues DIR from its
                    latest checkpoint (only --steps may change).
  describe --preset P [--set key=value ...] [--json]
                    each network's layers, output shapes and parameter counts
  eval RUN_DIR [--json] [--seeds N] [--epochs N] [--synthetic-count N] [--c2st-per-side N]
       [--cache DIR]
                    downstream task accuracy, realism (C2ST) and label preservation over N seeds
                    (default 3) with 95% intervals; stored as RUN_DIR/eval.json. --cache DIR keeps
                    what does not depend on the refiner (networks trained on raw synthetic or real
                    images, their C2STs) and reuses it when another run has the same data, seed and
                    numerics; sweeps use DIR/eval-cache
  sweep --preset P --grid key=v1,v2 [--grid …] [--seeds N] [--jobs N] [--set key=value …]
        [--steps N] [--eval-seeds N] [--eval-epochs N] [--eval-synthetic-count N]
        [--eval-c2st-per-side N] [--executor local|slurm] --out DIR
                    train and evaluate every grid point × seed, each in its own process; resumable;
                    writes DIR/summary.json and DIR/summary.csv. --steps as for train; the
                    --eval-* options are eval's, with eval's defaults (3 seeds …); all are checked
                    before the first run starts. --executor local (default): --jobs processes here.
                    --executor slurm: one sbatch job array of the unfinished runs, followed with
                    squeue (a rerun submits only runs neither finished nor queued/running), with
                    [--partition P] [--time T] [--cpus-per-task N] [--gpus-per-task N] [--mem M]
                    [--sbatch 'LINE' …] [--setup 'SHELL LINE'] [--poll SECONDS] [--dry-run];
                    --jobs caps tasks at a time; DIR must be on storage every node mounts
  sweep-task TASKFILE INDEX
                    one array task of a SLURM sweep (what its job script runs)
  bench [--presets a,b] [--variants a,b] [--steps N] [--warmup N] [--batch N] [--json] [--out FILE]
        [--no-torch] [--torch-script PATH]
                    training-step speed: median ms per refiner and discriminator step, images/s, tensor
                    counts, peak RSS and conv GFLOP/s for each backend variant (wasm, wasm+native[-direct|-sgemm],
                    cpu, tensorflow)
                    × preset (default paper-eyes at batch 32, cpu-eyes, cpu-digits, toy), each in its own
                    process, against the PyTorch reference (../shared/bench/torch_reference.py)
  profile --preset P [--batch N] [--steps N] [--warmup N] [--top K] [--json] [--out FILE]
                    where a step's time goes: every kernel of N refiner and N discriminator steps
                    (default 3 after 2 warm-up) with calls and ms per step, slowest first, on the
                    backend the environment selects (e.g. SIMGAN_NATIVE_THREADS=1, ONEDNN_MAX_CPU_ISA)
  refine RUN_DIR --source SOURCE|FOLDER [--count N] [--seed S] --out DIR
                    apply the run's refiner to a source (simgan data info) or a folder of your own
                    images at the run's size; writes DIR/images/*.png, labels.csv, refined.bin and
                    info.json (default 1,000 images; DIR appears only when complete)
  memory RUN_DIR [--json]
                    memory over a training run (from its metrics.jsonl): numTensors after warm-up (the
                    history buffer full) and RSS growth since then
  turing RUN_DIR [--port N] [--count N] [--seed S]
                    the visual Turing test (paper Sec. 4.1) on 127.0.0.1: N images (default 20, even),
                    half real and half refined by the run's refiner, one at a time, "real or refined?";
                    answers go to RUN_DIR/turing/answers.jsonl, a restart continues the test;
                    --port 0 (default) picks a free port; prints the URL
  data info [--json]
                    the data sources: present or not, counts, sizes, licences, how to get them
  data build SOURCE [--count N] [--size WxH] [--seed S] --out DIR
                    render or load SOURCE into DIR (binary dataset, preview.png, info.json); prints the rate
  data show SOURCE[,SOURCE...] [--count N] [--size WxH] --out GRID.png
                    a grid of each source's images, one block of rows per source
  help              this text

presets: ${Object.keys(PRESETS).map((p) => (ARCHITECTURE_ONLY[p] ? `${p} (architecture only: describe, bench)` : p)).join(', ')}
overrides use dotted paths, e.g. --set lambda=0.1 --set history.enabled=false --set adversarial=global

environment:
  SIMGAN_BACKEND=tensorflow|wasm|cpu   force a backend (default: native → wasm → cpu)
  SIMGAN_NATIVE_CONV=on|off            wasm's convolutions through the oneDNN addon (default: on when
                                       built by npm run build:native; on makes a missing build an error)
  SIMGAN_NATIVE_THREADS=N              threads for those convolutions (default 1)
  SIMGAN_NATIVE_ALGO=auto|direct|sgemm their kernels: oneDNN's with Winograd for 3×3 (auto, default;
                                       oneDNN's Winograd on AVX-512 CPUs, the addon's own elsewhere:
                                       doctor says which), oneDNN's without Winograd, or the addon's
                                       sgemm paths only
  ONEDNN_MAX_CPU_ISA=AVX2|SSE41|…      cap oneDNN's kernels (emulates a smaller CPU; bench passes it to PyTorch)
  SIMGAN_BUDGET=smoke|default|paper    how much reproduce and the notebooks run
  SIMGAN_EXECUTOR=local|slurm          where reproduce's and the notebooks' sweeps run; with slurm,
                                       SIMGAN_SLURM_PARTITION, _TIME, _CPUS, _GPUS, _MEM, _SETUP,
                                       _SBATCH ('LINE;LINE'), _POLL as the sweep flags
  SIMGAN_DATA_DIR=DIR                  where datasets and caches live (default data/ in the project)
  SIMGAN_SHARED_DATA=DIR               the read-only shared data (default data/shared, else ../shared/data)

errors: a mistake in the command line, a setting, a run folder or the data prints one line
"simgan: …" and exits with status 2, before anything is written.
`;

export { UsageError };

/** Split `--flag value` options (as declared) from positional arguments; unknown flags are errors. */
export function parseOptions(
  args: string[],
  spec: Record<string, 'value' | 'flag' | 'multi'>,
): { values: Record<string, string | undefined>; multi: Record<string, string[]>; flags: Set<string>; positional: string[] } {
  const values: Record<string, string | undefined> = {};
  const multi: Record<string, string[]> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option ${name} (allowed: ${Object.keys(spec).join(', ') || 'none'})`);
    if (kind === 'flag') { flags.add(name); continue; }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`option ${name} needs a value`);
    if (kind === 'multi') (multi[name] ??= []).push(value);
    else values[name] = value;
  }
  return { values, multi, flags, positional };
}

/** An optional whole-number option ≥ `min`, or a usage error naming it. */
export function wholeNumber(values: Record<string, string | undefined>, flag: string, min: number): number | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  if (!(Number.isInteger(Number(v)) && Number(v) >= min)) throw new UsageError(`${flag} ${v}: give a whole number ≥ ${min}`);
  return Number(v);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'doctor': {
      const unknown = rest.filter((a) => a !== '--json');
      if (unknown.length) throw new UsageError(`doctor: unknown option ${unknown[0]} (allowed: --json)`);
      const report = await doctorReport();
      console.log(rest.includes('--json') ? JSON.stringify(report, null, 2) : formatDoctor(report));
      return 0;
    }
    case 'train': {
      const o = parseOptions(rest, { '--preset': 'value', '--set': 'multi', '--steps': 'value', '--out': 'value', '--resume': 'flag' });
      if (o.positional.length) throw new UsageError(`train: unexpected argument ${o.positional[0]}`);
      const out = o.values['--out'];
      if (!out) throw new UsageError('train needs --out DIR (the run directory)');
      const stepsRaw = o.values['--steps'];
      const steps = stepsRaw === undefined ? undefined : Number(stepsRaw);
      if (steps !== undefined && !(Number.isInteger(steps) && steps >= 0)) throw new UsageError(`--steps ${stepsRaw}: give a whole number ≥ 0`);
      return trainCommand({ preset: o.values['--preset'], overrides: o.multi['--set'] ?? [], steps, out, resume: o.flags.has('--resume') });
    }
    case 'describe': {
      const o = parseOptions(rest, { '--preset': 'value', '--set': 'multi', '--json': 'flag' });
      const presetName = o.values['--preset'];
      if (!presetName) throw new UsageError(`describe needs --preset (one of ${Object.keys(PRESETS).join(', ')})`);
      return describeCommand(presetName, o.multi['--set'] ?? [], o.flags.has('--json'));
    }
    case 'eval': {
      const o = parseOptions(rest, { '--json': 'flag', '--seeds': 'value', '--epochs': 'value', '--synthetic-count': 'value', '--c2st-per-side': 'value', '--cache': 'value' });
      if (o.positional.length !== 1) throw new UsageError('eval needs one RUN_DIR');
      return evalCommand(o.positional[0], { json: o.flags.has('--json'), cacheDir: o.values['--cache'], ...evalFlags(o.values, '--') });
    }
    case 'sweep': {
      const o = parseOptions(rest, {
        '--preset': 'value', '--grid': 'multi', '--seeds': 'value', '--jobs': 'value', '--set': 'multi', '--steps': 'value', '--eval-seeds': 'value',
        '--eval-epochs': 'value', '--eval-synthetic-count': 'value', '--eval-c2st-per-side': 'value', '--out': 'value',
        '--executor': 'value', '--partition': 'value', '--time': 'value', '--cpus-per-task': 'value', '--gpus-per-task': 'value', '--mem': 'value',
        '--sbatch': 'multi', '--setup': 'value', '--dry-run': 'flag', '--poll': 'value',
      });
      const presetName = o.values['--preset'];
      const out = o.values['--out'];
      if (!presetName || !out) throw new UsageError('sweep needs --preset P and --out DIR');
      let grid: Record<string, string[]>;
      try {
        grid = Object.fromEntries((o.multi['--grid'] ?? []).map(parseGrid));
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const steps = wholeNumber(o.values, '--steps', 0);
      const executor = chooseExecutor({
        executor: o.values['--executor'], partition: o.values['--partition'], time: o.values['--time'], cpusPerTask: o.values['--cpus-per-task'],
        gpusPerTask: o.values['--gpus-per-task'], mem: o.values['--mem'], sbatch: o.multi['--sbatch'], setup: o.values['--setup'],
        dryRun: o.flags.has('--dry-run') || undefined, poll: o.values['--poll'],
      });
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const { failed } = await runSweep(
        {
          preset: presetName,
          grid,
          seeds: wholeNumber(o.values, '--seeds', 1) ?? 1,
          fixed: [...(o.multi['--set'] ?? []), ...(steps === undefined ? [] : [`schedule.steps=${steps}`])],
          eval: evalFlags(o.values, '--eval-'),
        },
        { out, jobs: wholeNumber(o.values, '--jobs', 1), signal: abort.signal, executor },
      );
      return failed.length ? 1 : 0;
    }
    case 'sweep-task': {
      const o = parseOptions(rest, {});
      if (o.positional.length !== 2 || !/^\d+$/.test(o.positional[1])) throw new UsageError('sweep-task needs TASKFILE INDEX (it is what a SLURM sweep\'s array tasks run)');
      return sweepTaskCommand(o.positional[0], Number(o.positional[1]));
    }
    case 'refine': {
      const o = parseOptions(rest, { '--source': 'value', '--count': 'value', '--seed': 'value', '--out': 'value' });
      if (o.positional.length !== 1) throw new UsageError('refine needs one RUN_DIR (the --out folder of a simgan train run)');
      const source = o.values['--source'], out = o.values['--out'];
      if (!source || !out) throw new UsageError('refine needs --source SOURCE (a source of simgan data info, or a folder of images) and --out DIR');
      return refineCommand(o.positional[0], { source, out, count: wholeNumber(o.values, '--count', 1), seed: wholeNumber(o.values, '--seed', 0) });
    }
    case 'memory': {
      const o = parseOptions(rest, { '--json': 'flag' });
      const runDir = o.positional[0];
      if (!runDir || o.positional.length > 1) throw new UsageError('memory needs one RUN_DIR (a directory written by simgan train)');
      const paths = runPaths(runDir);
      if (!existsSync(paths.config) || !existsSync(paths.metrics)) throw new UsageError(`${runDir} is not a run directory (no config.json or metrics.jsonl)`);
      const config = readRunConfig(runDir);
      const report = memoryReport(memoryRows(readMetrics(paths.metrics)), config.history.enabled ? config.history.size : 0);
      console.log(o.flags.has('--json') ? JSON.stringify(report, null, 2) : formatMemoryReport(report));
      return 0;
    }
    case 'bench': {
      const o = parseOptions(rest, {
        '--presets': 'value', '--variants': 'value', '--steps': 'value', '--warmup': 'value', '--batch': 'value',
        '--json': 'flag', '--out': 'value', '--no-torch': 'flag', '--torch-script': 'value', '--worker': 'flag', '--preset': 'value',
      });
      if (o.positional.length) throw new UsageError(`bench: unexpected argument ${o.positional[0]}`);
      const counts = { steps: wholeNumber(o.values, '--steps', 1), warmup: wholeNumber(o.values, '--warmup', 1), batch: wholeNumber(o.values, '--batch', 2) };
      if (o.flags.has('--worker')) {
        // What `simgan bench` starts for each configuration; prints one JSON line.
        const presetName = o.values['--preset'];
        if (!presetName) throw new UsageError(`bench --worker needs --preset (one of ${Object.keys(PRESETS).join(', ')})`);
        return benchWorker({ preset: presetName, ...counts });
      }
      if (o.values['--preset'] !== undefined) throw new UsageError('bench takes --presets a,b (--preset is for --worker)');
      const list = (flag: string) => o.values[flag]?.split(',').map((s) => s.trim()).filter((s) => s !== '');
      return benchCommand({
        presets: list('--presets'),
        variants: list('--variants'),
        ...counts,
        json: o.flags.has('--json'),
        out: o.values['--out'],
        torch: !o.flags.has('--no-torch'),
        torchScript: o.values['--torch-script'],
      });
    }
    case 'profile': {
      const o = parseOptions(rest, { '--preset': 'value', '--batch': 'value', '--steps': 'value', '--warmup': 'value', '--top': 'value', '--json': 'flag', '--out': 'value' });
      if (o.positional.length) throw new UsageError(`profile: unexpected argument ${o.positional[0]}`);
      const presetName = o.values['--preset'];
      if (!presetName || !(presetName in PRESETS)) throw new UsageError(`profile needs --preset, one of ${Object.keys(PRESETS).join(', ')}${presetName ? ` (not ${presetName})` : ''}`);
      return profileCommand({
        preset: presetName,
        batch: wholeNumber(o.values, '--batch', 2),
        steps: wholeNumber(o.values, '--steps', 1),
        warmup: wholeNumber(o.values, '--warmup', 1),
        top: wholeNumber(o.values, '--top', 1),
        json: o.flags.has('--json'),
        out: o.values['--out'],
      });
    }
    case 'data': {
      const [sub, ...args] = rest;
      if (sub === 'info') {
        const o = parseOptions(args, { '--json': 'flag' });
        console.log(dataInfo(o.flags.has('--json')));
        return 0;
      }
      if (sub === 'build' || sub === 'show') {
        const o = parseOptions(args, { '--count': 'value', '--size': 'value', '--seed': 'value', '--out': 'value' });
        if (o.positional.length !== 1) throw new UsageError(`data ${sub} needs one SOURCE (${knownDatasets().join(', ')})`);
        const out = o.values['--out'];
        if (!out) throw new UsageError(`data ${sub} needs --out ${sub === 'build' ? 'DIR' : 'GRID.png'}`);
        const num = (flag: string, min: number) => wholeNumber(o.values, flag, min);
        let size;
        try {
          size = o.values['--size'] ? parseSize(o.values['--size']) : undefined;
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        const sources = o.positional[0].split(',');
        for (const s of sources) {
          if (knownDatasets().includes(s)) continue;
          const libraryOnly = datasetCatalog().some((d) => d.name === s) ? `: '${s}' is a data folder the library reads (see simgan data info), not a source simgan can ${sub}` : '';
          throw new UsageError(`unknown source '${s}'${libraryOnly}; sources: ${knownDatasets().join(', ')}`);
        }
        if (sub === 'build') {
          if (sources.length !== 1) throw new UsageError('data build takes one source');
          const r = await dataBuild(sources[0], { count: num('--count', 1), size, seed: num('--seed', 0), out });
          console.log(`built ${r.count.toLocaleString('en-US')} ${r.source} images (${r.size.width}×${r.size.height}) in ${r.seconds} s — ${r.imagesPerSecond.toLocaleString('en-US')} images/s → ${r.out}`);
        } else {
          if (o.values['--seed'] !== undefined) throw new UsageError('data show takes no --seed');
          console.log(`wrote ${await dataShow(sources, { count: num('--count', 1), size, out })}`);
        }
        return 0;
      }
      throw new UsageError(`data needs info, build or show (got ${sub ?? 'nothing'})`);
    }
    case 'reproduce': {
      if (rest.length) throw new UsageError(`reproduce takes no arguments (set SIMGAN_BUDGET), got ${rest[0]}`);
      return reproduceCommand();
    }
    case 'lab': {
      const o = parseOptions(rest, { '--port': 'value' });
      return labCommand(wholeNumber(o.values, '--port', 1));
    }
    case 'turing': {
      const o = parseOptions(rest, { '--port': 'value', '--count': 'value', '--seed': 'value' });
      if (o.positional.length !== 1) throw new UsageError('turing needs one RUN_DIR (the --out folder of a simgan train run)');
      const port = wholeNumber(o.values, '--port', 0);
      if (port !== undefined && port > 65535) throw new UsageError(`--port ${port}: give a port from 0 to 65535 (0 picks a free one)`);
      const count = wholeNumber(o.values, '--count', 2);
      if (count !== undefined && count % 2 !== 0) throw new UsageError(`--count ${count}: give an even number (half the images are real, half refined)`);
      return turingCommand(o.positional[0], { port, count, seed: wholeNumber(o.values, '--seed', 0) });
    }
    case 'kernel-install': {
      const o = parseOptions(rest, { '--user': 'flag' });
      if (o.positional.length) throw new UsageError(`kernel-install takes only --user, got ${o.positional[0]}`);
      if (o.flags.has('--user')) {
        console.log(`wrote ${installKernelSpec(userJupyterDataDir())} (any Jupyter, JupyterLab or VS Code of this user now lists "TypeScript (simgan-ts)"; it runs this project's tslab)`);
      } else {
        console.log(`wrote ${installKernelSpec()} (Jupyter finds it with JUPYTER_PATH=.jupyter; the project's commands set it)`);
      }
      return 0;
    }
    case 'notebooks': {
      const opts = parseOptions(rest, { '--out': 'value', '--cell-timeout': 'value' });
      const timeout = opts.values['--cell-timeout'];
      if (timeout !== undefined && !(Number(timeout) > 0)) {
        throw new UsageError(`--cell-timeout ${timeout}: give a positive number of seconds`);
      }
      const results = await runNotebooks({
        notebooks: opts.positional.length ? opts.positional : undefined,
        outDir: opts.values['--out'],
        cellTimeout: timeout === undefined ? undefined : Number(timeout),
      });
      const failed = results.find((r) => !r.ok);
      if (failed) console.error(formatFailure(failed));
      const passed = results.filter((r) => r.ok).length;
      console.log(`notebooks: ${passed} passed, ${results.length - passed} failed`);
      return failed ? 1 : 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}'\n\n${USAGE}`);
  }
}

/**
 * How the CLI ends on an error: a user's mistake is one `simgan: …` line and status 2; anything else is a
 * bug in simgan, shown with its stack and a request to report it, status 1.
 */
export function reportError(err: unknown, print: (line: string) => void): number {
  if (err instanceof UserError) {
    print(`simgan: ${err.message}`);
    return 2;
  }
  print(err instanceof Error ? err.stack ?? err.message : String(err));
  print('simgan: this looks like a bug in simgan, not in what you typed; please report it with the command line and the output of `simgan doctor --json`.');
  return 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.exitCode = reportError(err, (l) => console.error(l));
    },
  );
}
