/**
 * Memory over a long training run, from its metrics.jsonl (each step records `numTensors`, `historyImages`
 * and `rssMiB`): is the tensor count flat and how much did the process grow after warm-up?
 *
 * Warm-up ends at the first adversarial step at which the history buffer is full: before that, the buffer
 * adds one tensor per stored image and its memory, and the optimizers create their slot variables.
 */
export interface MemoryRow {
  step: number;
  phase: string;
  numTensors: number;
  historyImages: number;
  rssMiB: number;
}

export interface MemoryReport {
  steps: number;
  /** First step after warm-up (undefined when the run never got there). */
  warmupEndStep?: number;
  /** tf.memory().numTensors after warm-up: min and max (equal when flat). */
  tensorsAfterWarmup?: { min: number; max: number };
  rssMiB?: {
    /** At the end of warm-up. */
    atWarmup: number;
    /** At the last step. */
    end: number;
    /** Highest after warm-up. */
    max: number;
    /** (max − atWarmup) / atWarmup, in percent. */
    growthPct: number;
  };
}

/** Rows from metrics.jsonl lines (rows without the memory fields, from runs before they existed, are skipped). */
export function memoryRows(rows: ReadonlyArray<Record<string, unknown>>): MemoryRow[] {
  return rows
    .filter((r) => typeof r.numTensors === 'number' && typeof r.rssMiB === 'number')
    .map((r) => ({ step: r.step as number, phase: String(r.phase), numTensors: r.numTensors as number, historyImages: (r.historyImages as number) ?? 0, rssMiB: r.rssMiB as number }));
}

export function memoryReport(rows: readonly MemoryRow[], historyCapacity: number): MemoryReport {
  const full = (r: MemoryRow) => r.phase === 'adversarial' && r.historyImages >= historyCapacity;
  const start = rows.findIndex(full);
  if (start < 0) return { steps: rows.length };
  const after = rows.slice(start);
  const tensors = after.map((r) => r.numTensors);
  const rss = after.map((r) => r.rssMiB);
  const atWarmup = rss[0];
  const max = Math.max(...rss);
  return {
    steps: rows.length,
    warmupEndStep: after[0].step,
    tensorsAfterWarmup: { min: Math.min(...tensors), max: Math.max(...tensors) },
    rssMiB: { atWarmup, end: rss[rss.length - 1], max, growthPct: Math.round(((max - atWarmup) / atWarmup) * 1000) / 10 },
  };
}

export function formatMemoryReport(r: MemoryReport): string {
  if (r.warmupEndStep === undefined) return `${r.steps} steps; the history buffer never filled, so warm-up did not end: train longer`;
  const t = r.tensorsAfterWarmup!, m = r.rssMiB!;
  return [
    `steps            ${r.steps} (warm-up ends at step ${r.warmupEndStep}: history buffer full)`,
    `numTensors       ${t.min === t.max ? `flat at ${t.min}` : `${t.min} … ${t.max} (NOT flat)`} after warm-up`,
    `RSS              ${m.atWarmup} MiB after warm-up, ${m.end} MiB at the end, ${m.max} MiB at most: growth ${m.growthPct}%`,
  ].join('\n');
}
