/**
 * The backend variants `simgan bench` compares: ONE table. Each row is run as its own worker process with
 * `env` added to the parent's environment; everything else in the benchmark only iterates this table, so
 * a new variant (another backend, a thread count, a flag) is one more row here.
 */
import { availableCores, probeNativePackages } from '../backend';
import { loadNativeConv } from '../kernels/native-conv';

export interface BenchVariant {
  /** The name `--variants` takes and the report shows. */
  label: string;
  /** Added to the worker's environment (e.g. `SIMGAN_BACKEND`, read by `selectBackend`). */
  env: Record<string, string>;
  /** `true` when it can run here; otherwise the reason, with the fix (`false`: "not available"). */
  available(): boolean | string;
  /**
   * Run by default only on these presets; the others are listed as skipped with `reason`. Naming the
   * variant in `--variants` and the preset in `--presets` forces the run.
   */
  defaultPresets?: { only: readonly string[]; reason: string };
  /** Runs on more than one core: not a candidate for the per-core headline against PyTorch's one thread. */
  multiCore?: boolean;
}

function nativeAvailable(): true | string {
  const { addon, reason } = loadNativeConv();
  return addon ? true : `native convolutions ${reason}`;
}

export const BENCH_VARIANTS: readonly BenchVariant[] = [
  // wasm alone: XNNPACK's convolutions and the composite gradient kernels (what runs without the addon).
  { label: 'wasm', env: { SIMGAN_BACKEND: 'wasm', SIMGAN_NATIVE_CONV: 'off' }, available: () => true },
  // wasm with the native oneDNN convolutions (src/kernels/native-conv.ts), on one thread: the per-core figure
  // compared with PyTorch's one thread (a sweep job's setting).
  {
    label: 'wasm+native',
    env: { SIMGAN_BACKEND: 'wasm', SIMGAN_NATIVE_CONV: 'on', SIMGAN_NATIVE_ALGO: 'auto', SIMGAN_NATIVE_THREADS: '1' },
    available: nativeAvailable,
  },
  // The same on every core: what one `simgan train` gets by default (SIMGAN_NATIVE_THREADS unset).
  {
    label: 'wasm+native-cores',
    env: { SIMGAN_BACKEND: 'wasm', SIMGAN_NATIVE_CONV: 'on', SIMGAN_NATIVE_ALGO: 'auto', SIMGAN_NATIVE_THREADS: String(availableCores()) },
    available: () => (availableCores() > 1 ? nativeAvailable() : 'one core: the same as wasm+native'),
    multiCore: true,
  },
  // Without Winograd: every convolution computed term by term, as PyTorch's CPU convolutions do.
  {
    label: 'wasm+native-direct',
    env: { SIMGAN_BACKEND: 'wasm', SIMGAN_NATIVE_CONV: 'on', SIMGAN_NATIVE_ALGO: 'direct', SIMGAN_NATIVE_THREADS: '1' },
    available: nativeAvailable,
  },
  // Only the addon's own sgemm paths (shifted GEMM, im2col), no oneDNN convolution primitives.
  {
    label: 'wasm+native-sgemm',
    env: { SIMGAN_BACKEND: 'wasm', SIMGAN_NATIVE_CONV: 'on', SIMGAN_NATIVE_ALGO: 'sgemm', SIMGAN_NATIVE_THREADS: '1' },
    available: nativeAvailable,
  },
  {
    label: 'cpu',
    env: { SIMGAN_BACKEND: 'cpu' },
    available: () => true,
    // tfjs's pure-JS reference kernels, whose convolution gradients are plain loops: measured here, a
    // cpu-digits refiner step took 159 s (wasm: well under 1 s), so a default cpu-digits run (7 steps of each kind)
    // would take over 20 minutes, and the eye networks longer. toy (4 s per refiner step) shows the gap.
    defaultPresets: { only: ['toy'], reason: 'pure-JS cpu backend: minutes per step' },
  },
  {
    label: 'tensorflow',
    env: { SIMGAN_BACKEND: 'tensorflow' },
    available: () => probeNativePackages().some((p) => p.installed) || 'not installed: npm install @tensorflow/tfjs-node (see README)',
  },
];

/** A variant's `available()` as a reason string, or undefined when it can run. */
export function unavailableReason(v: BenchVariant): string | undefined {
  const a = v.available();
  if (a === true) return undefined;
  return typeof a === 'string' && a !== '' ? a : 'not available';
}
