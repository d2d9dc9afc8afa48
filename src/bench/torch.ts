/**
 * The PyTorch reference: `../shared/bench/torch_reference.py` times one refiner and one discriminator step
 * of the paper's eye networks on the CPU, so a bench run can state "ours / PyTorch" on the same machine in
 * the same run. It runs on Debian's python3-torch (`/usr/bin/python3`).
 *
 * What it builds, against `paper-eyes` here: the same refiner (conv3×3 64 → 4 ResNet blocks → conv1×1,
 * tanh) and discriminator at 35×55, plain SGD, per-patch cross-entropy. One architectural difference:
 * torch's max-pool pads (`MaxPool2d(3, 1, 1)`: 'same', a 9×14 map) while ours is 'valid' (7×12, as in the
 * public TensorFlow port), so our D's last three layers do slightly less work. Smaller differences, in
 * work outside the networks: ours draws each batch from the dataset (a copy into a new tensor), computes
 * the refined images' std and saturation for monitoring, and mixes/updates the history buffer in D's
 * step; torch reuses two fixed random batches and has no buffer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { resolveConfig, SimGANConfig } from '../config';
import { projectRoot } from '../paths';

/** The script's JSON line (medians in ms), plus how it was run. */
export interface TorchResult {
  impl: string;
  torch: string;
  batch: number;
  threads: number;
  width: number;
  blocks: number;
  refiner_step_ms: number;
  disc_step_ms: number;
  steps: number;
  script: string;
  python: string;
  /** ONEDNN_MAX_CPU_ISA / ATEN_CPU_CAPABILITY the script ran under (absent: the CPU's own best). */
  isaEnv?: Record<string, string>;
}

export type TorchOutcome = TorchResult | { unavailable: string };

/** The preset whose networks the script builds. */
export const TORCH_REFERENCE_PRESET = 'paper-eyes';

export const TORCH_FIX = 'apt-get install -y python3-torch';

export interface TorchOptions {
  /** Default: `../shared/bench/torch_reference.py` beside the package root. */
  script?: string;
  /** Default `/usr/bin/python3` (Debian's, which python3-torch installs into). */
  python?: string;
  /** Default 32. */
  batch?: number;
  /** Timed steps of each kind (default 5; the script warms up with 2 of each). */
  steps?: number;
  /** Default 1: wasm in Node computes on one thread. */
  threads?: number;
  /** Default 10 minutes. */
  timeoutMs?: number;
}

export function defaultTorchScript(): string {
  return path.resolve(projectRoot, '..', 'shared', 'bench', 'torch_reference.py');
}

/**
 * Does `config` at `batch` do the work the torch script measures? Same image, refiner and D trunk as
 * `paper-eyes` (so `cpu-eyes` qualifies; its Adam only adds a few element-wise ops), same batch.
 */
export function torchComparable(config: SimGANConfig, batch: number, torchBatch: number): boolean {
  const ref = resolveConfig(TORCH_REFERENCE_PRESET);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return (
    batch === torchBatch &&
    config.adversarial === ref.adversarial &&
    same(config.image, ref.image) &&
    same(config.refiner, ref.refiner) &&
    same(config.discriminator.layers, ref.discriminator.layers)
  );
}

/**
 * The environment that caps PyTorch at the same ISA as our kernels: oneDNN reads ONEDNN_MAX_CPU_ISA (passed
 * on as it is), PyTorch's own kernels read ATEN_CPU_CAPABILITY, which is set to match when not given (avx2
 * under an AVX2 cap, default below it). Without a cap nothing is added.
 */
export function torchIsaEnv(env: Record<string, string | undefined>): Record<string, string> {
  const cap = env.ONEDNN_MAX_CPU_ISA?.trim();
  if (!cap || cap.toUpperCase() === 'ALL') return {};
  const out: Record<string, string> = { ONEDNN_MAX_CPU_ISA: cap };
  const aten = env.ATEN_CPU_CAPABILITY ?? (/^AVX512/i.test(cap) ? undefined : /^AVX2/i.test(cap) ? 'avx2' : 'default');
  if (aten) out.ATEN_CPU_CAPABILITY = aten;
  return out;
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/** Run the reference, or say why it cannot run and how to fix that. Never throws. */
export function runTorchReference(o: TorchOptions = {}): TorchOutcome {
  const script = path.resolve(o.script ?? defaultTorchScript());
  const python = o.python ?? '/usr/bin/python3';
  if (!existsSync(script)) return { unavailable: `torch reference script not found at ${script}; pass --torch-script PATH` };
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120000 });
  if (probe.error) return { unavailable: `cannot run ${python} (${probe.error.message}); ${TORCH_FIX}` };
  if (probe.status !== 0) return { unavailable: `PyTorch is not importable by ${python} (${lastLines(probe.stderr, 1)}); ${TORCH_FIX}` };
  const ref = resolveConfig(TORCH_REFERENCE_PRESET);
  const batch = o.batch ?? 32;
  const steps = o.steps ?? 5;
  const threads = o.threads ?? 1;
  const args = [script, '--batch', String(batch), '--threads', String(threads), '--width', String(ref.refiner.filters), '--blocks', String(ref.refiner.blocks), '--steps', String(steps)];
  const isaEnv = torchIsaEnv(process.env);
  const r = spawnSync(python, args, { encoding: 'utf8', timeout: o.timeoutMs ?? 600000, env: { ...process.env, ...isaEnv } });
  if (r.error || r.status !== 0) {
    return { unavailable: `${python} ${path.basename(script)} failed (${r.error?.message ?? `exit ${r.status}`}): ${lastLines(r.stderr ?? '')}` };
  }
  const line = r.stdout.trim().split('\n').filter((l) => l.trim().startsWith('{')).pop();
  try {
    const parsed = JSON.parse(line ?? '');
    if (typeof parsed.refiner_step_ms !== 'number' || typeof parsed.disc_step_ms !== 'number') throw new Error('no refiner_step_ms/disc_step_ms');
    return { ...parsed, steps, script, python, ...(Object.keys(isaEnv).length ? { isaEnv } : {}) };
  } catch (e) {
    return { unavailable: `${path.basename(script)} printed no usable JSON line (${(e as Error).message}): ${lastLines(r.stdout)}` };
  }
}
