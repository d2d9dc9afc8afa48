/**
 * Summaries over seeds: mean and a 95% confidence interval from Student's t (small n is the norm here:
 * 3–5 seeds), so a reader can tell whether two settings really differ.
 */

/** Two-sided 95% critical values of Student's t for 1…30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tCritical95(df: number): number {
  if (!(df >= 1)) return NaN;
  return df <= 30 ? T95[Math.floor(df) - 1] : 1.96;
}

export interface Summary {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  std: number;
  /** 95% interval of the mean: mean ± t·std/√n (equal to the mean for one value: no spread is known). */
  low: number;
  high: number;
  n: number;
  values: number[];
}

/**
 * @param bounds the metric's possible range (e.g. [0, 1] for an accuracy): the interval is clipped to it,
 *   since with 2–3 seeds a t interval easily reaches past what the metric can take.
 */
export function summarize(values: number[], bounds: [number, number] = [-Infinity, Infinity]): Summary {
  const n = values.length;
  if (n === 0) throw new Error('summarize: no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const half = n > 1 ? (tCritical95(n - 1) * std) / Math.sqrt(n) : 0;
  return { mean, std, low: Math.max(bounds[0], mean - half), high: Math.min(bounds[1], mean + half), n, values: values.slice() };
}

/** Do two 95% intervals fail to overlap (a conservative "different" verdict)? */
export function intervalsSeparate(a: Summary, b: Summary): boolean {
  return a.high < b.low || b.high < a.low;
}

/** "0.792 [0.781, 0.803] (n=3)" */
export function formatSummary(s: Summary, digits = 3): string {
  return `${s.mean.toFixed(digits)} [${s.low.toFixed(digits)}, ${s.high.toFixed(digits)}] (n=${s.n})`;
}
