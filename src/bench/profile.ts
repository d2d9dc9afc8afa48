/**
 * Where a training step's time goes: every kernel the backend ran during a preset's refiner and
 * discriminator steps, with its calls and time per step (`tf.profile`), as `simgan profile` prints it.
 *
 * `simgan bench` says how fast a step is; this says what to make faster. Kernel times are the backend's
 * own timing of each kernel call (on wasm, the wall time of the synchronous call), so what is not in any
 * kernel — JavaScript between kernels, the gradient tape's bookkeeping, the profiler itself — shows as the
 * gap between the kernels' sum and the profiled step's wall time.
 */
import { tf } from '../backend';
import { checkCount, warmedBenchTrainer } from './steps';

/** One kernel's share of a step, averaged over the profiled steps. */
export interface KernelTime {
  /** The tfjs kernel name (`FusedConv2D`, `Conv2DBackpropFilter`, `Add`, …). */
  kernel: string;
  /** Calls per step. */
  calls: number;
  /** Time per step, ms (0.01 ms resolution). */
  ms: number;
}

export interface StepProfile {
  /** Wall time per profiled step, ms: the kernels, what runs between them and the profiler's overhead. */
  wallMs: number;
  /** Sum of every kernel's time per step, ms. */
  kernelMs: number;
  /** Every kernel that ran, slowest first. */
  kernels: KernelTime[];
}

export interface ProfileResult {
  preset: string;
  batch: number;
  /** Profiled steps of each kind (after `warmup` untimed ones). */
  steps: number;
  warmup: number;
  refiner: StepProfile;
  disc: StepProfile;
}

export interface ProfileOptions {
  preset: string;
  /** Default: the preset's `batchSize`. */
  batch?: number;
  /** Profiled steps of each kind (default 3). */
  steps?: number;
  /** Untimed refiner + discriminator steps first (default 2, at least 1: the first creates the optimizers' slots). */
  warmup?: number;
  seed?: number;
}

/** A kernel record as `tf.profile` returns it (after its timings have resolved). */
export interface ProfiledKernel {
  name: string;
  kernelTimeMs: number | { error: string };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Group `kernels` (recorded over `steps` steps) by name: calls and time per step, slowest first (ties by
 * name, so the order is reproducible). Records `isKernel` rejects are left out: `tf.profile` also records
 * each custom-gradient op (`fusedConv2d__op`, …) as one entry around the kernels it runs, which would count
 * those kernels twice. A kernel whose timer failed (`{error}`) throws: a profile that silently counted it
 * as 0 ms would point at the wrong place.
 */
export function aggregateKernels(
  kernels: ProfiledKernel[],
  steps: number,
  isKernel: (name: string) => boolean = () => true,
): { kernels: KernelTime[]; kernelMs: number } {
  checkCount('steps', steps, 1);
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const k of kernels) {
    if (!isKernel(k.name)) continue;
    if (typeof k.kernelTimeMs !== 'number') throw new Error(`kernel ${k.name}: the backend could not time it (${k.kernelTimeMs.error})`);
    const e = byName.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += k.kernelTimeMs;
    byName.set(k.name, e);
  }
  const rows = [...byName.entries()].map(([kernel, e]) => ({ kernel, calls: round2(e.calls / steps), ms: e.ms / steps }));
  rows.sort((a, b) => b.ms - a.ms || (a.kernel < b.kernel ? -1 : a.kernel > b.kernel ? 1 : 0));
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  return { kernels: rows.map((r) => ({ ...r, ms: round2(r.ms) })), kernelMs: round2(kernelMs) };
}

async function profileKind(steps: number, step: () => Promise<unknown>): Promise<StepProfile> {
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    for (let i = 0; i < steps; i++) await step();
    return [];
  });
  const wallMs = round2((performance.now() - t0) / steps);
  const kernels: ProfiledKernel[] = info.kernels.map((k) => ({ name: k.name, kernelTimeMs: k.kernelTimeMs as number | { error: string } }));
  // A registered kernel of the active backend, not a custom-gradient op's scope around kernels.
  const backend = tf.getBackend();
  return { wallMs, ...aggregateKernels(kernels, steps, (name) => tf.getKernel(name, backend) !== undefined) };
}

/** Profile `steps` adversarial refiner steps, then `steps` discriminator steps, of `preset` on the active backend. */
export async function profileSteps(o: ProfileOptions): Promise<ProfileResult> {
  const steps = o.steps ?? 3;
  const warmup = o.warmup ?? 2;
  checkCount('steps', steps, 1);
  const trainer = await warmedBenchTrainer(o.preset, o.batch, o.seed ?? 1, warmup);
  try {
    const refiner = await profileKind(steps, () => trainer.refinerStep(true));
    const disc = await profileKind(steps, () => trainer.discriminatorStep());
    return { preset: o.preset, batch: trainer.config.batchSize, steps, warmup, refiner, disc };
  } finally {
    trainer.dispose();
  }
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** The profile as text: per step kind, its wall and kernel time, then the `top` slowest kernels with their share. */
export function formatProfile(r: ProfileResult, top = 15): string {
  const lines = [`${r.preset} at batch ${r.batch}: ${r.steps} profiled step(s) of each kind after ${r.warmup} warm-up; per step:`];
  for (const [label, p] of [['refiner step', r.refiner], ['discriminator step', r.disc]] as const) {
    lines.push('', `${label}: ${fmtMs(p.wallMs)} ms wall, ${fmtMs(p.kernelMs)} ms in kernels (the rest: JavaScript between kernels, the tape, the profiler)`);
    lines.push(`  ${'kernel'.padEnd(28)} ${'calls'.padStart(6)} ${'ms'.padStart(8)} ${'share'.padStart(6)}`);
    for (const k of p.kernels.slice(0, top)) {
      const share = p.kernelMs > 0 ? `${((100 * k.ms) / p.kernelMs).toFixed(1)}%` : '-';
      lines.push(`  ${k.kernel.padEnd(28)} ${String(k.calls).padStart(6)} ${fmtMs(k.ms).padStart(8)} ${share.padStart(6)}`);
    }
    const rest = p.kernels.slice(top);
    if (rest.length) {
      const ms = rest.reduce((s, k) => s + k.ms, 0);
      lines.push(`  ${`(${rest.length} more kernels)`.padEnd(28)} ${''.padStart(6)} ${fmtMs(ms).padStart(8)}`);
    }
  }
  return lines.join('\n');
}
