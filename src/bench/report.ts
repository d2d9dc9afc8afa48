/**
 * What `simgan bench` runs and what it reports: the plan (variants × presets, with the skips), the rows,
 * the headline (paper-eyes at batch 32 on the fastest non-cpu variant, against PyTorch) and the text table.
 * Pure: the processes are started by `commands/bench.ts`.
 */
import * as os from 'node:os';
import { nativeConvCapabilities } from '../kernels/native-conv';
import { cpuInfo, type CpuIsa } from '../util/cpu';
import type { BackendInfo } from '../backend';
import { ConfigError, PRESETS, resolveConfig } from '../config';
import type { BenchStepsResult, ConvBenchResult } from './steps';
import { benchConfig } from './steps';
import { TorchOutcome, TorchResult, torchComparable } from './torch';
import { BENCH_VARIANTS, BenchVariant, unavailableReason } from './variants';

/** Presets run when `--presets` is not given, in this order (the headline first). */
export const DEFAULT_BENCH_PRESETS: readonly string[] = ['paper-eyes', 'cpu-eyes', 'cpu-digits', 'toy'];

/**
 * Batch sizes that replace a preset's own (unless `--batch` is given). The paper presets' 512 is GPU scale:
 * 32 is what the CPU presets train with and what the PyTorch reference runs. paper-hands at 224×224 with
 * 7×7 filters costs over a TFLOP per image and refiner step, so it gets a token batch (it is never run by
 * default).
 */
export const BENCH_BATCH: Readonly<Record<string, number>> = { 'paper-eyes': 32, 'paper-hands': 4 };

/** The configuration the headline reports. */
export const HEADLINE_CONFIG = { preset: 'paper-eyes', batch: 32 } as const;

export interface PlanOptions {
  /** Default `DEFAULT_BENCH_PRESETS`. */
  presets?: string[];
  /** Labels from the variants table (default: every row). */
  variants?: string[];
  /** Replaces every preset's batch size. */
  batch?: number;
}

export interface PlannedRun {
  variant: BenchVariant;
  preset: string;
  batch: number;
  /** Why this configuration is not run (the variant is unavailable or too slow for the preset). */
  skip?: string;
}

function checkNames(kind: string, flag: string, names: string[], allowed: string[]): void {
  if (!names.length) throw new ConfigError(`${flag} is empty; give one or more of ${allowed.join(', ')}, comma-separated`);
  for (const n of names) {
    if (!allowed.includes(n)) throw new ConfigError(`unknown ${kind} '${n}' in ${flag}; choose from ${allowed.join(', ')}`);
  }
}

/**
 * Every (preset × variant) of a run, presets outermost. Throws a `ConfigError` naming the allowed values for
 * an unknown preset or variant, and for a batch size a preset does not accept.
 */
export function benchPlan(o: PlanOptions = {}, table: readonly BenchVariant[] = BENCH_VARIANTS): PlannedRun[] {
  const presets = [...new Set(o.presets ?? DEFAULT_BENCH_PRESETS)];
  const labels = [...new Set(o.variants ?? table.map((v) => v.label))];
  checkNames('preset', '--presets', presets, Object.keys(PRESETS));
  checkNames('variant', '--variants', labels, table.map((v) => v.label));
  const plan: PlannedRun[] = [];
  for (const preset of presets) {
    const batch = o.batch ?? BENCH_BATCH[preset] ?? resolveConfig(preset).batchSize;
    benchConfig(preset, batch); // a bad batch (odd, < 2) fails here, naming the field, before any process starts
    for (const variant of table.filter((v) => labels.includes(v.label))) {
      let skip = unavailableReason(variant);
      const limit = variant.defaultPresets;
      const forced = o.variants?.includes(variant.label) && o.presets?.includes(preset);
      if (!skip && limit && !limit.only.includes(preset) && !forced) {
        skip = `${limit.reason}; pass --variants ${variant.label} --presets ${preset} to force`;
      }
      plan.push({ variant, preset, batch, skip });
    }
  }
  return plan;
}

/** What a worker process prints (one JSON line): the step benchmark, the conv benchmark, the backend. */
export interface WorkerResult extends BenchStepsResult {
  /** The tfjs backend that actually ran (`tf.getBackend()`). */
  backend: string;
  /** Threads it computes with (0: the native backend's own choice). */
  threads: number;
  simd?: boolean;
  /** Everything `selectBackend` reported (package, why it was chosen, backend-specific settings). */
  backendInfo: BackendInfo;
  conv: ConvBenchResult;
}

export interface Ratio {
  refiner: number;
  disc: number;
}

export interface MeasuredRow extends WorkerResult {
  variant: string;
  /** ours / PyTorch, when this configuration does the work the torch reference measures. */
  vsTorch?: Ratio;
}

export interface SkippedRow {
  variant: string;
  preset: string;
  batch: number;
  skipped: string;
}

/** The worker exited non-zero or printed no result. */
export interface FailedRow {
  variant: string;
  preset: string;
  batch: number;
  failed: string;
}

export type BenchRow = MeasuredRow | SkippedRow | FailedRow;

export const isMeasured = (r: BenchRow): r is MeasuredRow => !('skipped' in r) && !('failed' in r);

export interface Headline {
  backend: string;
  variant: string;
  preset: string;
  batch: number;
  refinerStepMs: number;
  discStepMs: number;
  torch?: { refinerStepMs: number; discStepMs: number };
  ratio?: Ratio;
  /** The ISA both sides ran at (see Machine) and whether our side had Winograd kernels. */
  isa?: CpuIsa;
  winograd?: boolean;
  winogradKernel?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  /** The CPU's widest vector ISA, the one oneDNN ran at (lower under ONEDNN_MAX_CPU_ISA) and the cap itself:
   *  figures from different ISAs are not comparable, so every report carries them. */
  isa?: CpuIsa;
  effectiveIsa?: CpuIsa;
  onednnMaxIsa?: string;
  /** Whether oneDNN's Winograd kernels exist here (AVX-512 only); undefined without the native addon. */
  winograd?: boolean;
  /** The Winograd kernel wasm+native's default runs here: oneDNN's, or the addon's own where oneDNN has none. */
  winogradKernel?: string;
  totalMemGiB: number;
  node: string;
  platform: string;
}

export interface BenchReport {
  machine: Machine;
  date: string;
  steps: number;
  warmup: number;
  results: BenchRow[];
  torch: TorchOutcome;
  /** Present only when paper-eyes at batch 32 was measured on a non-cpu variant; otherwise why not. */
  headline: Headline | { unavailable: string };
  /** Per preset run on both: how many times faster a step was on every core (wasm+native-cores) than on one
   *  (wasm+native), refiner and discriminator; empty when the run lacked either variant. */
  coresSpeedup: ReturnType<typeof coresSpeedup>;
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  const c = cpuInfo();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    isa: c.isa,
    effectiveIsa: c.effectiveIsa,
    ...(c.onednnMaxIsa ? { onednnMaxIsa: c.onednnMaxIsa } : {}),
    winograd: nativeConvCapabilities()?.winograd,
    winogradKernel: ((c) => (c ? (c.winograd ? c.winogradKernel : c.ownWinogradKernel) : undefined))(nativeConvCapabilities()),
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function isTorchResult(t: TorchOutcome): t is TorchResult {
  return !('unavailable' in t);
}

function ratio(r: { refinerStepMs: number; discStepMs: number }, t: TorchResult): Ratio {
  return { refiner: round2(r.refinerStepMs / t.refiner_step_ms), disc: round2(r.discStepMs / t.disc_step_ms) };
}

/** Rows with `vsTorch` filled in where the torch reference measured the same networks at the same batch. */
export function withTorchRatios(rows: BenchRow[], torch: TorchOutcome): BenchRow[] {
  if (!isTorchResult(torch)) return rows;
  return rows.map((r) => (isMeasured(r) && torchComparable(resolveConfig(r.preset), r.batch, torch.batch) ? { ...r, vsTorch: ratio(r, torch) } : r));
}

/**
 * paper-eyes at batch 32 on the fastest variant (smallest refiner + discriminator step) that is not the
 * pure-JS cpu backend: that one is tfjs's reference implementation, not a way anyone trains.
 */
export function headline(rows: BenchRow[], torch: TorchOutcome): Headline | { unavailable: string } {
  const { preset, batch } = HEADLINE_CONFIG;
  const here = rows.filter((r) => r.preset === preset && r.batch === batch);
  // Per core: PyTorch runs one thread, so multi-core variants are reported beside it (coresSpeedup), not in it.
  const multiCore = new Set(BENCH_VARIANTS.filter((v) => v.multiCore).map((v) => v.label));
  const candidates = here.filter(isMeasured).filter((r) => r.backend !== 'cpu' && !multiCore.has(r.variant));
  if (!candidates.length) {
    if (!here.length) {
      return { unavailable: `${preset} at batch ${batch} was not in this run's plan (--presets without ${preset}, or --batch other than ${batch}); the headline is measured there` };
    }
    const what = here.map((r) => `${r.variant}: ${'skipped' in r ? `skipped (${r.skipped})` : 'failed' in r ? 'failed' : `backend ${r.backend}`}`);
    return { unavailable: `no variant other than the pure-JS cpu backend measured ${preset} at batch ${batch} (${what.join('; ')})` };
  }
  const best = candidates.reduce((a, b) => (b.refinerStepMs + b.discStepMs < a.refinerStepMs + a.discStepMs ? b : a));
  const h: Headline = { backend: best.backend, variant: best.variant, preset, batch, refinerStepMs: best.refinerStepMs, discStepMs: best.discStepMs };
  if (isTorchResult(torch) && torchComparable(resolveConfig(preset), batch, torch.batch)) {
    h.torch = { refinerStepMs: torch.refiner_step_ms, discStepMs: torch.disc_step_ms };
    h.ratio = ratio(best, torch);
  }
  return h;
}

export function assembleReport(o: { rows: BenchRow[]; torch: TorchOutcome; steps: number; warmup: number; machine?: Machine; date?: Date }): BenchReport {
  const results = withTorchRatios(o.rows, o.torch);
  const machine = o.machine ?? machineInfo();
  const h = headline(results, o.torch);
  return {
    machine,
    date: (o.date ?? new Date()).toISOString(),
    steps: o.steps,
    warmup: o.warmup,
    results,
    torch: o.torch,
    headline: 'unavailable' in h ? h : { ...h, isa: machine.effectiveIsa ?? machine.isa, winograd: machine.winograd, winogradKernel: machine.winogradKernel },
    coresSpeedup: coresSpeedup(results).map((s) => ({ ...s, refiner: Math.round(s.refiner * 100) / 100, disc: Math.round(s.disc * 100) / 100 })),
  };
}

/** A row's result as one progress line (after "[bench] variant preset batch N: "). */
export function rowSummary(r: BenchRow): string {
  if ('skipped' in r) return `skipped (${r.skipped})`;
  if ('failed' in r) return `FAILED: ${r.failed}`;
  return (
    `R ${r.refinerStepMs} ms, D ${r.discStepMs} ms (${r.refinerImagesPerSec} / ${r.discImagesPerSec} img/s), ` +
    `tensors ${r.numTensorsBefore}→${r.numTensorsAfter}, peak ${r.peakRssMiB} MiB, conv ${r.conv.gflops} GFLOP/s${r.backend === r.variant ? '' : ` [backend ${r.backend}]`}`
  );
}

export function torchLine(t: TorchOutcome): string {
  if (!isTorchResult(t)) return `unavailable — ${t.unavailable}`;
  const env = t.isaEnv ? `, ${Object.entries(t.isaEnv).map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
  return `PyTorch ${t.torch} (CPU, ${t.threads} thread${t.threads === 1 ? '' : 's'}${env}, batch ${t.batch}, paper-eyes networks): R ${t.refiner_step_ms} ms, D ${t.disc_step_ms} ms`;
}

/** "AVX2 (ONEDNN_MAX_CPU_ISA=AVX2 on an AVX-512 CPU: emulated), no Winograd" */
export function isaText(m: Machine): string {
  if (!m.isa) return 'unknown (a report from before the ISA was recorded)';
  const eff = m.effectiveIsa ?? m.isa;
  const isa = eff !== m.isa ? `${eff} (ONEDNN_MAX_CPU_ISA=${m.onednnMaxIsa} on an ${m.isa} CPU: emulated)` : m.isa;
  const wino = m.winograd === undefined ? 'native addon absent'
    : m.winograd ? "oneDNN's Winograd kernels"
    : m.winogradKernel ? `no oneDNN Winograd: the addon's own (${m.winogradKernel})` : 'no Winograd kernels';
  return `${isa}, ${wino}`;
}

/** How much faster each preset's step ran on every core (wasm+native-cores) than on one (wasm+native). */
export function coresSpeedup(rows: BenchRow[]): Array<{ preset: string; batch: number; variant: string; cores: number; refiner: number; disc: number }> {
  const out = [];
  for (const multi of rows.filter(isMeasured).filter((r) => r.variant === 'wasm+native-cores')) {
    const one = rows.filter(isMeasured).find((r) => r.variant === 'wasm+native' && r.preset === multi.preset && r.batch === multi.batch);
    const cores = Number(BENCH_VARIANTS.find((v) => v.label === multi.variant)?.env.SIMGAN_NATIVE_THREADS ?? 0);
    if (one) out.push({ preset: multi.preset, batch: multi.batch, variant: multi.variant, cores, refiner: one.refinerStepMs / multi.refinerStepMs, disc: one.discStepMs / multi.discStepMs });
  }
  return out;
}

export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const header = ['variant', 'preset', 'batch', 'R step ms', 'D step ms', 'R img/s', 'tensors before→after', 'peak RSS MiB', 'conv GFLOP/s'];
  const right = [false, false, true, true, true, true, false, true, true];
  const rows: string[][] = r.results.map((row) => {
    const lead = [row.variant, row.preset, String(row.batch)];
    if (!isMeasured(row)) return [...lead, 'skipped' in row ? `skipped (${row.skipped})` : `FAILED: ${row.failed}`];
    return [...lead, row.refinerStepMs.toFixed(1), row.discStepMs.toFixed(1), row.refinerImagesPerSec.toFixed(1), `${row.numTensorsBefore}→${row.numTensorsAfter}`, String(row.peakRssMiB), row.conv.gflops.toFixed(1)];
  });
  // A skipped or failed row's text runs on from its lead columns and does not widen the table.
  const full = (cells: string[]) => cells.length === header.length;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((c) => full(c) || i < 3).map((c) => c[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (!full(cells) && i === cells.length - 1 ? c : right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const h = r.headline;
  const ratioText =
    'unavailable' in h
      ? `– (${h.unavailable})`
      : h.ratio
        ? `ours/torch on ${h.preset} at batch ${h.batch} (${h.variant}${h.backend === h.variant ? '' : `, backend ${h.backend}`}): R ${h.ratio.refiner.toFixed(2)}×, D ${h.ratio.disc.toFixed(2)}× (R ${h.refinerStepMs} vs ${h.torch!.refinerStepMs} ms, D ${h.discStepMs} vs ${h.torch!.discStepMs} ms)`
        : `– (${h.variant} on ${h.preset} at batch ${h.batch}: R ${h.refinerStepMs} ms, D ${h.discStepMs} ms; no torch reference to compare with)`;
  return [
    `machine  ${m.cpu}, ${m.cores} cores, ${m.totalMemGiB} GiB, node ${m.node}, ${m.platform}; ${r.date}`,
    `isa      ${isaText(m)}`,
    `steps    median of ${r.steps} timed steps of each kind after ${r.warmup} warm-up; R = adversarial refiner step, D = discriminator step`,
    '',
    fmt(header),
    ...rows.map(fmt),
    '',
    `torch    ${torchLine(r.torch)}`,
    `ratio    ${ratioText}`,
    ...coresSpeedup(r.results).map((s) => `cores    ${s.cores} threads vs 1 on ${s.preset} at batch ${s.batch}: R ${s.refiner.toFixed(2)}×, D ${s.disc.toFixed(2)}× faster (${s.variant} vs wasm+native)`),
  ].join('\n');
}
