/**
 * `simgan doctor`: what this machine offers the project — backend, tfjs, native bindings, Jupyter and the
 * tslab kernel, datasets. Always exits 0: it reports, it does not judge.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { BackendInfo, nativeConvSettings, parsePreference, probeNativePackages, NativeProbe, selectBackend, tf } from '../backend';
import { UserError } from '../util/user-error';
import { datasetCatalog, DatasetStatus } from '../data/catalog';
import { loadNativeConv, nativeConvCapabilities, nativeConvState } from '../kernels/native-conv';
import { cpuInfo, CpuInfo, formatCpu } from '../util/cpu';
import { jupyterDir } from '../paths';

export interface JupyterStatus {
  found: boolean;
  /** The `jupyter` executable used. */
  executable?: string;
  /** `jupyter --version` lines, e.g. `notebook : 6.4.12`. */
  versions?: Record<string, string>;
  /** The tslab kernelspec Jupyter would start, if registered. */
  tslabKernel?: { name: string; resourceDir: string; argv: string[] };
  /** How to fix what is missing. */
  hint?: string;
}

export interface DoctorReport {
  /** Settings this machine cannot honour (bad or unusable SIMGAN_* variables), each with its fix; empty when all is well. */
  problems: string[];
  backend: BackendInfo;
  tfjs: { tfjs: string; core: string; wasm: string };
  /** `threads` is null if wasm failed to start; `multithreadSupport` is tfjs's WASM_HAS_MULTITHREAD_SUPPORT flag. */
  wasm: { simd: boolean; threads: number | null; multithreadSupport: boolean };
  native: NativeProbe[];
  /** The native oneDNN convolutions for wasm (`npm run build:native`): in use, or why not. */
  nativeConv:
    | { active: true; library: string; algorithm: string; threads: number; isa: string; winograd: boolean; winogradKernel?: string; winogradAvailable: boolean; kernels: { direct: string; winograd: string; ownWinograd: string } }
    | { active: false; reason: string; isa?: string; winogradAvailable?: boolean };
  jupyter: JupyterStatus;
  datasets: DatasetStatus[];
  machine: { node: string; platform: string; cpus: number; memoryGiB: number };
  /** CPU model, its widest vector ISA, cores and any ONEDNN_MAX_CPU_ISA cap: what speed figures depend on. */
  cpu: CpuInfo;
}

/** Jupyter as the project's scripts run it: Debian's `/usr/bin/jupyter` first, with the project kernel dir. */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const prior = base.JUPYTER_PATH ? path.delimiter + base.JUPYTER_PATH : '';
  return { ...base, JUPYTER_PATH: jupyterDir + prior };
}

export function findJupyter(): string | undefined {
  for (const exe of ['/usr/bin/jupyter', 'jupyter']) {
    const r = spawnSync(exe, ['--version'], { encoding: 'utf8', timeout: 20000 });
    if (r.status === 0) return exe;
  }
  return undefined;
}

export function jupyterStatus(): JupyterStatus {
  const exe = findJupyter();
  if (!exe) {
    return { found: false, hint: 'install Debian packages: apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipython (or run scripts/setup.sh)' };
  }
  const versions: Record<string, string> = {};
  const v = spawnSync(exe, ['--version'], { encoding: 'utf8', timeout: 20000 });
  for (const line of v.stdout.split('\n')) {
    const m = /^\s*([\w-]+)\s*:\s*(\S+)/.exec(line);
    if (m) versions[m[1]] = m[2];
  }
  const list = spawnSync(exe, ['kernelspec', 'list', '--json'], { encoding: 'utf8', env: jupyterEnv(), timeout: 20000 });
  let tslabKernel: JupyterStatus['tslabKernel'];
  try {
    const specs = JSON.parse(list.stdout).kernelspecs as Record<string, { resource_dir: string; spec: { argv: string[] } }>;
    if (specs.tslab) tslabKernel = { name: 'tslab', resourceDir: specs.tslab.resource_dir, argv: specs.tslab.spec.argv };
  } catch {
    /* reported as missing below */
  }
  return {
    found: true,
    executable: exe,
    versions,
    tslabKernel,
    hint: tslabKernel ? undefined : 'register the kernel: npm run kernel:install (writes .jupyter/kernels/tslab)',
  };
}

/** wasm's thread count; initialises wasm briefly when another backend is active, then switches back. */
async function wasmThreads(active: string): Promise<number | null> {
  if (active === 'wasm') return wasm.getThreadsCount();
  try {
    await tf.setBackend('wasm');
    return wasm.getThreadsCount();
  } catch {
    return null;
  } finally {
    await tf.setBackend(active);
  }
}

function nativeConvStatus(): DoctorReport['nativeConv'] {
  const state = nativeConvState();
  if (state) {
    const c = state.capabilities;
    return {
      active: true, library: state.library, algorithm: state.algorithm, threads: state.threads, isa: c.isa,
      winograd: state.winograd, ...(state.winogradKernel ? { winogradKernel: state.winogradKernel } : {}), winogradAvailable: c.winograd,
      kernels: { direct: c.directKernel, winograd: c.winogradKernel, ownWinograd: c.ownWinogradKernel },
    };
  }
  const { addon, reason } = loadNativeConv();
  if (!addon) return { active: false, reason: reason ?? 'unavailable' };
  const c = nativeConvCapabilities();
  const why = process.env.SIMGAN_NATIVE_CONV ? `SIMGAN_NATIVE_CONV=${process.env.SIMGAN_NATIVE_CONV}` : 'wasm is not the active backend';
  return { active: false, reason: why, isa: c?.isa, winogradAvailable: c?.winograd };
}

/** The environment variables that choose a backend and its kernels. */
const BACKEND_VARIABLES = ['SIMGAN_BACKEND', 'SIMGAN_NATIVE_CONV', 'SIMGAN_NATIVE_THREADS', 'SIMGAN_NATIVE_ALGO'] as const;

/**
 * Each backend variable in `env` whose value is not a setting, with the user error that names the fix.
 * Pure: doctor reports them instead of failing on them.
 */
export function backendSettingProblems(env: Record<string, string | undefined>): Array<{ variable: string; message: string }> {
  const out: Array<{ variable: string; message: string }> = [];
  for (const variable of BACKEND_VARIABLES) {
    const value = env[variable];
    if (value === undefined || value.trim() === '') continue;
    try {
      if (variable === 'SIMGAN_BACKEND') parsePreference(value, variable);
      else nativeConvSettings({ [variable]: value });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      out.push({ variable, message: e.message });
    }
  }
  return out;
}

/**
 * Doctor explains the setups that stop other commands instead of stopping on them: a bad or unusable
 * backend setting becomes a problem line, and the rest of the report shows what simgan does without it.
 * (It edits process.env for that: doctor is a one-shot command.)
 */
async function backendDespiteSettings(problems: string[]): Promise<BackendInfo> {
  for (const p of backendSettingProblems(process.env)) {
    problems.push(`${p.message} — the report below is without ${p.variable}`);
    delete process.env[p.variable];
  }
  try {
    return await selectBackend(undefined, { log: false });
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    const set = ['SIMGAN_BACKEND', 'SIMGAN_NATIVE_CONV'].filter((v) => process.env[v] !== undefined);
    problems.push(`${e.message} — the report below is without ${set.join(' and ') || 'it'}`);
    for (const v of set) delete process.env[v];
    return selectBackend(undefined, { log: false });
  }
}

export async function doctorReport(): Promise<DoctorReport> {
  const problems: string[] = [];
  const backend = await backendDespiteSettings(problems);
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const multithreadSupport = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  return {
    problems,
    backend,
    tfjs: { tfjs: tf.version.tfjs, core: tf.version_core, wasm: wasm.version_wasm },
    wasm: { simd, threads: await wasmThreads(backend.name), multithreadSupport },
    native: probeNativePackages(),
    nativeConv: nativeConvStatus(),
    jupyter: jupyterStatus(),
    datasets: datasetCatalog(),
    machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    cpu: cpuInfo(),
  };
}

export function formatDoctor(r: DoctorReport): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const lines = [
    ...r.problems.map((p) => `problem        ${p}`),
    `backend        ${r.backend.name} (${r.backend.package}) — ${r.backend.reason}`,
    `tfjs           ${r.tfjs.tfjs} (core ${r.tfjs.core}, wasm ${r.tfjs.wasm})`,
    `wasm           simd ${yes(r.wasm.simd)}, threads ${r.wasm.threads}, multithread support ${yes(r.wasm.multithreadSupport)}`,
    `native conv    ${r.nativeConv.active ? `${r.nativeConv.library} (${r.nativeConv.algorithm} kernels, ${r.nativeConv.isa}, Winograd ${r.nativeConv.winograd ? `on: ${r.nativeConv.winogradAvailable ? "oneDNN's" : "the addon's (oneDNN has none on this CPU)"} ${r.nativeConv.winogradKernel}` : 'off'}), ${r.nativeConv.threads} thread${r.nativeConv.threads === 1 ? '' : 's'} (wasm's convolutions run natively)` : `off — ${r.nativeConv.reason}`}`,
    ...r.native.map((n) => `native         ${n.package}: ${n.installed ? 'installed' : 'not installed'}${n.error ? ` (${n.error})` : ''}`),
    `jupyter        ${r.jupyter.found ? `${r.jupyter.executable} (notebook ${r.jupyter.versions?.notebook ?? '?'}, nbconvert ${r.jupyter.versions?.nbconvert ?? '?'})` : 'not found'}`,
    `tslab kernel   ${r.jupyter.tslabKernel ? r.jupyter.tslabKernel.resourceDir : 'not registered'}`,
    ...(r.jupyter.hint ? [`               → ${r.jupyter.hint}`] : []),
    ...r.datasets.map((d) => `dataset        ${d.name.padEnd(20)} ${d.present ? `present: ${d.path}` : `absent — ${d.howToGet}`}`),
    `machine        node ${r.machine.node}, ${r.machine.platform}, ${r.machine.cpus} cores, ${r.machine.memoryGiB} GiB`,
    `cpu            ${formatCpu(r.cpu)}`,
  ];
  return lines.join('\n');
}
