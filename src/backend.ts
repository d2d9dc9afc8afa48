/**
 * Backend selection: native TensorFlow (tfjs-node-gpu, then tfjs-node) → wasm → cpu.
 *
 * The native packages download libtensorflow when they are installed, so they are never dependencies of
 * this package: they are looked up at run time and used when a user has installed one. The wasm backend
 * ships inside its npm package and is the CPU path this project makes trainable (see `kernels/`).
 */
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as os from 'node:os';
import { registerWasmConvGradients } from './kernels/wasm-conv-grads';
import { registerZeroCopyCast, registerZeroCopyIdentity } from './kernels/wasm-identity';
import { enableNativeConv, NATIVE_CONV_ALGORITHMS, nativeConvState, type NativeConvAlgorithm, type NativeConvState } from './kernels/native-conv';
import { UserError } from './util/user-error';

export { tf };

/** What the caller may ask for. `tensorflow` means a native binding (GPU package first). */
export type BackendPreference = 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['tensorflow', 'wasm', 'cpu'];

/** Which native package backs the `tensorflow` backend, if any. */
export type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

export const NATIVE_PACKAGES: readonly NativePackage[] = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

export interface BackendInfo {
  /** The tfjs backend name now active: `tensorflow`, `wasm` or `cpu`. */
  name: string;
  /** True for the native TensorFlow binding (C++ kernels, possibly a GPU). */
  native: boolean;
  /** Threads the backend computes with (1 for cpu; wasm in Node is single-threaded). */
  threads: number;
  /** wasm only: whether the SIMD build is running. */
  simd?: boolean;
  /** The npm package that provides the backend. */
  package: string;
  /** One human sentence: why this backend was chosen. */
  reason: string;
  /** wasm only: the native (oneDNN) convolution kernels in use, or why not (see `kernels/native-conv.ts`). */
  nativeConv?: NativeConvState | { off: string };
}

/** The line `selectBackend` prints: what it chose and why. */
export function describeBackend(info: BackendInfo): string {
  let extra = '';
  if (info.name === 'wasm') {
    extra = `, simd ${info.simd ? 'on' : 'off'}`;
    const nc = info.nativeConv;
    if (nc) extra += 'off' in nc ? `; native conv off: ${nc.off}` : `; native conv: ${nc.library} (${nc.algorithm}), ${nc.threads} thread${nc.threads === 1 ? '' : 's'}`;
  }
  return `[simgan] backend: ${info.name} (${info.package}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${extra}) — ${info.reason}`;
}

/** Result of looking for one native package. */
export interface NativeProbe {
  package: NativePackage;
  installed: boolean;
  /** Why it cannot be used, when installed but unusable (load error, a second tfjs-core copy, …). */
  error?: string;
}

function isResolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Is each native package installed? Does not load them (loading one registers its backend). */
export function probeNativePackages(): NativeProbe[] {
  return NATIVE_PACKAGES.map((p) => ({ package: p, installed: isResolvable(p) }));
}

/**
 * Load a native package and check that it registered `tensorflow` in *our* tfjs engine. A native package
 * that resolved its own copy of tfjs-core would register into a different engine, and `tf` exported here
 * would silently keep running on wasm; that case is reported instead of used.
 */
function loadNative(pkg: NativePackage): NativeProbe {
  try {
    require(pkg);
  } catch (e) {
    return { package: pkg, installed: true, error: `failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
  if (tf.findBackend('tensorflow') == null) {
    return {
      package: pkg,
      installed: true,
      error: `loaded, but it registered into another copy of @tensorflow/tfjs-core; install the same version as @tensorflow/tfjs (${tf.version.tfjs})`,
    };
  }
  return { package: pkg, installed: true };
}

let wasmKernelsRegistered = false;
let nativeConvOff: string | undefined;

export interface NativeConvSettings {
  /** `SIMGAN_NATIVE_CONV`: 'off', 'on' (asked for: a missing build is an error) or 'auto' (unset). */
  mode: 'auto' | 'on' | 'off';
  threads: number;
  algorithm: NativeConvAlgorithm;
}

/** The cores this process may use (its CPU affinity, where Node can read it). */
export function availableCores(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/**
 * The native-convolution settings from the environment, or a user error naming the bad variable. Pure, so
 * that `simgan doctor` can check them without starting a backend.
 */
export function nativeConvSettings(env: Record<string, string | undefined> = process.env): NativeConvSettings {
  const setting = (env.SIMGAN_NATIVE_CONV ?? '').trim().toLowerCase();
  let mode: NativeConvSettings['mode'];
  if (setting === 'off' || setting === '0' || setting === 'false') mode = 'off';
  else if (setting === 'on' || setting === '1' || setting === 'true') mode = 'on';
  else if (setting === '') mode = 'auto';
  else throw new UserError(`SIMGAN_NATIVE_CONV=${JSON.stringify(env.SIMGAN_NATIVE_CONV)} is not a setting; use on or off (or leave it unset)`);
  // Unset: every core the process may use — one run (a `simgan train`, a notebook's live run) has the machine.
  // Sweeps set it for their children: cores ÷ jobs, so that jobs × threads = cores.
  const threads = env.SIMGAN_NATIVE_THREADS ? Number(env.SIMGAN_NATIVE_THREADS) : availableCores();
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw new UserError(`SIMGAN_NATIVE_THREADS=${JSON.stringify(env.SIMGAN_NATIVE_THREADS)} must be an integer ≥ 1`);
  }
  const algorithm = (env.SIMGAN_NATIVE_ALGO ?? 'auto').trim().toLowerCase() as NativeConvAlgorithm;
  if (!NATIVE_CONV_ALGORITHMS.includes(algorithm)) {
    throw new UserError(`SIMGAN_NATIVE_ALGO=${JSON.stringify(env.SIMGAN_NATIVE_ALGO)} is not a setting; use one of ${NATIVE_CONV_ALGORITHMS.join(', ')}`);
  }
  return { mode, threads, algorithm };
}

/**
 * Make the wasm backend trainable: register the convolution-gradient kernels it lacks or runs slowly, then,
 * unless `SIMGAN_NATIVE_CONV=off`, the native oneDNN convolutions on top (when `npm run build:native` built them).
 * `SIMGAN_NATIVE_THREADS` sets their threads (default: every available core), `SIMGAN_NATIVE_ALGO` their kernels (auto | direct | sgemm,
 * see NativeConvAlgorithm). Settings are checked before anything is registered, so a bad one changes nothing.
 */
function ensureWasmKernels(env: Record<string, string | undefined> = process.env): void {
  if (wasmKernelsRegistered) return;
  const settings = nativeConvSettings(env);
  registerWasmConvGradients();
  registerZeroCopyIdentity();
  registerZeroCopyCast();
  wasmKernelsRegistered = true;
  if (settings.mode === 'off') {
    nativeConvOff = `SIMGAN_NATIVE_CONV=${env.SIMGAN_NATIVE_CONV}`;
    return;
  }
  const { reason } = enableNativeConv({ threads: settings.threads, algorithm: settings.algorithm });
  if (reason) {
    // Asked for explicitly: a missing build is an error, not a silent slowdown.
    if (settings.mode === 'on') throw new UserError(`SIMGAN_NATIVE_CONV=${env.SIMGAN_NATIVE_CONV}: native convolutions ${reason}`);
    nativeConvOff = reason;
  }
}

async function activate(name: string): Promise<boolean> {
  if (name === 'wasm') ensureWasmKernels();
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** A backend name from `source` (e.g. SIMGAN_BACKEND), or a user error listing the choices. */
export function parsePreference(value: string, source: string): BackendPreference {
  const v = value.trim().toLowerCase();
  if ((BACKEND_PREFERENCES as readonly string[]).includes(v)) return v as BackendPreference;
  throw new UserError(`${source}=${JSON.stringify(value)} is not a backend; use one of ${BACKEND_PREFERENCES.join(', ')}`);
}

async function infoFor(name: string, reason: string, nativePkg?: NativePackage): Promise<BackendInfo> {
  if (name === 'wasm') {
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const nc = nativeConvState();
    const nativeConv = nc ? { ...nc } : nativeConvOff ? { off: nativeConvOff } : undefined;
    return { name, native: false, threads: wasm.getThreadsCount(), simd, package: '@tensorflow/tfjs-backend-wasm', reason, nativeConv };
  }
  if (name === 'tensorflow') {
    return { name, native: true, threads: 0, package: nativePkg ?? '@tensorflow/tfjs-node', reason };
  }
  return { name, native: false, threads: 1, package: '@tensorflow/tfjs-backend-cpu', reason };
}

export interface SelectOptions {
  /** Print the one-line summary (default true). */
  log?: boolean;
  /** Where the line goes (default `console.log`). */
  logger?: (line: string) => void;
  /** Environment to read `SIMGAN_BACKEND` from (default `process.env`); tests pass their own. */
  env?: Record<string, string | undefined>;
}

/**
 * Choose and activate a tfjs backend.
 *
 * Precedence: the `preferred` argument, else the `SIMGAN_BACKEND` environment variable, else the automatic
 * order native → wasm → cpu. An explicitly requested backend that cannot start is an error (silently
 * training on another backend would make timings and results misleading); the automatic order falls through.
 */
export async function selectBackend(preferred?: BackendPreference, options: SelectOptions = {}): Promise<BackendInfo> {
  const env = options.env ?? process.env;
  let wanted: BackendPreference | undefined;
  let why: string;
  if (preferred !== undefined) {
    wanted = parsePreference(preferred, 'selectBackend(preferred)');
    why = 'requested by the caller';
  } else if (env.SIMGAN_BACKEND && env.SIMGAN_BACKEND.trim() !== '') {
    wanted = parsePreference(env.SIMGAN_BACKEND, 'SIMGAN_BACKEND');
    why = `SIMGAN_BACKEND=${env.SIMGAN_BACKEND}`;
  } else {
    why = '';
  }

  let info: BackendInfo;
  if (wanted === 'tensorflow') {
    const probes = probeNativePackages();
    const pkg = probes.find((p) => p.installed)?.package;
    if (!pkg) {
      throw new UserError(
        `backend 'tensorflow' (${why}) needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node; neither is installed. ` +
          `Install one (see README, "Data and backends") or choose 'wasm'.`,
      );
    }
    const loaded = loadNative(pkg);
    if (loaded.error || !(await activate('tensorflow'))) {
      throw new UserError(`backend 'tensorflow' (${why}): ${pkg} ${loaded.error ?? 'did not initialise'}`);
    }
    info = await infoFor('tensorflow', why, pkg);
  } else if (wanted === 'wasm' || wanted === 'cpu') {
    if (!(await activate(wanted))) throw new Error(`backend '${wanted}' (${why}) failed to initialise`);
    info = await infoFor(wanted, why);
  } else {
    info = await autoSelect();
  }
  if (options.log ?? true) (options.logger ?? console.log)(describeBackend(info));
  return info;
}

async function autoSelect(): Promise<BackendInfo> {
  const skipped: string[] = [];
  for (const probe of probeNativePackages()) {
    if (!probe.installed) continue;
    const loaded = loadNative(probe.package);
    if (!loaded.error && (await activate('tensorflow'))) {
      return infoFor('tensorflow', `native binding found (${probe.package})`, probe.package);
    }
    skipped.push(`${probe.package}: ${loaded.error ?? 'did not initialise'}`);
  }
  const nativeNote = skipped.length ? `native unusable (${skipped.join('; ')})` : 'no native tfjs-node(-gpu) installed';
  if (await activate('wasm')) return infoFor('wasm', `${nativeNote}; wasm is the fastest available`);
  await activate('cpu');
  return infoFor('cpu', `${nativeNote}; wasm failed to initialise, falling back to the slow pure-JS cpu backend`);
}
