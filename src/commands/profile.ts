/**
 * `simgan profile`: per-kernel time of a preset's refiner and discriminator steps on the backend this
 * process selects (the environment's `SIMGAN_BACKEND`, `SIMGAN_NATIVE_*`, `ONEDNN_MAX_CPU_ISA`), in this
 * process: what to make faster next. `simgan bench` is the command that times steps.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { selectBackend, tf } from '../backend';
import { formatProfile, profileSteps } from '../bench/profile';
import { writeJsonAtomic } from '../runs/atomic';

export interface ProfileCommandOptions {
  preset: string;
  batch?: number;
  /** Profiled steps of each kind (default 3). */
  steps?: number;
  /** Untimed steps first (default 2). */
  warmup?: number;
  /** Kernels listed per step kind in the text output (default 15; the JSON has every one). */
  top?: number;
  json: boolean;
  /** Also write the JSON (atomically). */
  out?: string;
}

export async function profileCommand(o: ProfileCommandOptions): Promise<number> {
  const info = await selectBackend(undefined, { logger: (l) => console.error(l) });
  process.stderr.write(`[profile] ${o.preset}: ${o.warmup ?? 2} warm-up step(s), then ${o.steps ?? 3} profiled step(s) of each kind\n`);
  const result = await profileSteps({ preset: o.preset, batch: o.batch, steps: o.steps, warmup: o.warmup });
  const report = { backend: tf.getBackend(), backendInfo: info, ...result };
  if (o.out) {
    mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    writeJsonAtomic(o.out, report);
  }
  console.log(o.json ? JSON.stringify(report, null, 2) : formatProfile(result, o.top));
  return 0;
}
