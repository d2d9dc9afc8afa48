/**
 * What CPU this is, in the terms that decide the project's speed: the model, the widest vector ISA it has
 * (AVX-512, AVX2, …), the cores, and whether `ONEDNN_MAX_CPU_ISA` caps what oneDNN may use (an AVX-512
 * machine capped at AVX2 runs the AVX2 kernels: an emulated AVX2 machine). oneDNN's Winograd convolution
 * exists only on AVX-512 cores, so a speed figure without the ISA beside it cannot be compared with another.
 *
 * Pure parsing (`cpuFromCpuinfo`) is separate from reading the machine (`cpuInfo`) so it can be tested on
 * text from other CPUs.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';

/** Vector ISA levels, widest first (names as the README and ONEDNN_MAX_CPU_ISA spell them). */
export type CpuIsa = 'AVX-512' | 'AVX2' | 'AVX' | 'SSE4.1' | 'baseline';

export interface CpuInfo {
  /** e.g. "AMD EPYC 9R14" (what /proc/cpuinfo or the OS reports). */
  model: string;
  /** The widest vector ISA the CPU has (AVX2 requires FMA too: every AVX2 kernel uses both). */
  isa: CpuIsa;
  /** Logical cores the OS gives this process. */
  cores: number;
  /** `ONEDNN_MAX_CPU_ISA` when set (oneDNN then dispatches no kernel above it). */
  onednnMaxIsa?: string;
  /** The ISA oneDNN's kernels use here: `isa`, or lower when capped. This is the one speed depends on. */
  effectiveIsa: CpuIsa;
  /** True when the cap is below the CPU's own ISA (figures then emulate a smaller CPU). */
  emulated: boolean;
}

const ORDER: CpuIsa[] = ['baseline', 'SSE4.1', 'AVX', 'AVX2', 'AVX-512'];

/** The widest ISA a /proc/cpuinfo `flags` line shows. */
export function isaFromFlags(flags: readonly string[]): CpuIsa {
  const has = new Set(flags);
  if (has.has('avx512f') && has.has('avx512bw') && has.has('avx512vl') && has.has('avx512dq')) return 'AVX-512';
  if (has.has('avx2') && has.has('fma')) return 'AVX2';
  if (has.has('avx')) return 'AVX';
  if (has.has('sse4_1')) return 'SSE4.1';
  return 'baseline';
}

/** ONEDNN_MAX_CPU_ISA's value (SSE41, AVX, AVX2, AVX2_VNNI, AVX512_CORE…, ALL) as one of our levels. */
export function isaFromOnednnCap(cap: string): CpuIsa | undefined {
  const c = cap.trim().toUpperCase();
  if (c === '' || c === 'ALL') return undefined;
  if (c.startsWith('AVX512')) return 'AVX-512';
  if (c.startsWith('AVX2')) return 'AVX2';
  if (c === 'AVX') return 'AVX';
  if (c === 'SSE41') return 'SSE4.1';
  return undefined;
}

const lower = (a: CpuIsa, b: CpuIsa): CpuIsa => (ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b);

/** Parse /proc/cpuinfo text (the first processor's model and flags). */
export function cpuFromCpuinfo(text: string, cores: number, env: Record<string, string | undefined> = {}): CpuInfo {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const flags = (field('flags') ?? '').split(/\s+/).filter(Boolean);
  const isa = isaFromFlags(flags);
  const onednnMaxIsa = env.ONEDNN_MAX_CPU_ISA || env.DNNL_MAX_CPU_ISA || undefined;
  const cap = onednnMaxIsa ? isaFromOnednnCap(onednnMaxIsa) : undefined;
  const effectiveIsa = cap ? lower(isa, cap) : isa;
  return { model: field('model name') ?? 'unknown', isa, cores, onednnMaxIsa, effectiveIsa, emulated: effectiveIsa !== isa };
}

/** This machine's CPU (Linux reads /proc/cpuinfo; elsewhere the model only, ISA 'baseline'). */
export function cpuInfo(env: Record<string, string | undefined> = process.env): CpuInfo {
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    text = `model name : ${os.cpus()[0]?.model ?? 'unknown'}\n`;
  }
  return cpuFromCpuinfo(text, os.cpus().length, env);
}

/** "AMD EPYC, AVX2 (ONEDNN_MAX_CPU_ISA=AVX2 on an AVX-512 CPU), 2 cores" */
export function formatCpu(c: CpuInfo): string {
  const isa = c.emulated ? `${c.effectiveIsa} (ONEDNN_MAX_CPU_ISA=${c.onednnMaxIsa} on an ${c.isa} CPU)` : c.isa;
  return `${c.model}, ${isa}, ${c.cores} core${c.cores === 1 ? '' : 's'}`;
}
