/**
 * The visual Turing test's numbers (paper Sec. 4.1, Table 1): a confusion table of ground truth × the
 * subject's choice, the accuracy, and an exact binomial test of that accuracy against chance (0.5).
 *
 * Pure: answers in, numbers and an HTML table out. The table is the same on the test page and in a
 * notebook (`turingSummaryHtml` in commands/turing.ts).
 */

export type TuringLabel = 'real' | 'refined';
export const TURING_LABELS: readonly TuringLabel[] = ['real', 'refined'];

/** One answer as stored in `RUN_DIR/turing/answers.jsonl`. */
export interface TuringAnswer {
  /** The opaque image id shown to the subject (e.g. `img-07`). */
  id: string;
  /** What the image is. */
  truth: TuringLabel;
  /** What the subject chose. */
  answer: TuringLabel;
  /** Milliseconds from the image being shown to the answer, as the page measured it. */
  ms?: number;
  /** ISO time the server accepted the answer. */
  at: string;
}

export interface TuringStats {
  /** confusion[truth][answer]: rows ground truth, columns selected as (the paper's Table 1 layout). */
  confusion: Record<TuringLabel, Record<TuringLabel, number>>;
  n: number;
  correct: number;
  /** correct / n (NaN when n = 0). */
  accuracy: number;
  /**
   * Two-sided exact binomial test against 0.5: the probability, under guessing, of an outcome at most as
   * likely as the one observed (either direction).
   */
  pTwoSided: number;
  /**
   * One-sided exact test, P(X ≥ correct) under guessing: "are subjects better than chance?". We assume
   * this is the p the paper reports; it does not name its test, but its 517 correct of 1,000 gives 0.1483
   * one-sided and 0.297 two-sided, so only a one-sided reading fits its p = 0.148. (The one-sided normal
   * approximation with continuity correction also rounds to 0.148, so it may have used that instead.)
   */
  pOneSided: number;
}

/** log(i!) for i = 0…n, by summing logs: exact enough for n up to millions, no lgamma needed. */
function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) out[i] = out[i - 1] + Math.log(i);
  return out;
}

/** log Σ exp(x) over the values, without overflow or needless underflow. */
function logSumExp(xs: number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

function checkCounts(k: number, n: number): void {
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(k) && k >= 0 && k <= n)) {
    throw new Error(`binomial test: k=${k} of n=${n} is not a count (need whole numbers 0 ≤ k ≤ n)`);
  }
}

/** log P(X = i) for X ~ Binomial(n, 1/2), i = 0…n. */
function logPmfHalf(n: number): number[] {
  const lf = logFactorials(n);
  const logHalfN = n * Math.log(0.5);
  return Array.from({ length: n + 1 }, (_, i) => lf[n] - lf[i] - lf[n - i] + logHalfN);
}

/**
 * Σ exp(part) / Σ exp(all): dividing by the computed total (1 in exact arithmetic) cancels the rounding
 * of the log-factorials, so a p that is exactly 1 (every outcome counted) comes out as exactly 1.
 */
function fractionOfTotal(part: number[], all: number[]): number {
  return Math.min(1, Math.exp(logSumExp(part) - logSumExp(all)));
}

/**
 * Two-sided exact binomial p-value of k successes in n trials against p = 0.5: Σ P(X = i) over every i
 * with P(X = i) ≤ P(X = k) (R's `binom.test` rule, with its relative tolerance so ties in exact
 * arithmetic are not lost to rounding). Computed in log space, so n of many thousands is fine; a p below
 * ~1e-308 underflows to 0. n = 0 gives 1 (no evidence).
 */
export function binomialTestTwoSided(k: number, n: number): number {
  checkCounts(k, n);
  const lp = logPmfHalf(n);
  const limit = lp[k] + Math.log1p(1e-7);
  return fractionOfTotal(lp.filter((v) => v <= limit), lp);
}

/** One-sided exact binomial p-value, P(X ≥ k) for X ~ Binomial(n, 1/2). */
export function binomialTestGreater(k: number, n: number): number {
  checkCounts(k, n);
  const lp = logPmfHalf(n);
  return fractionOfTotal(lp.slice(k), lp);
}

/** The confusion table, accuracy and both p-values of a list of answers. */
export function turingStats(answers: readonly Pick<TuringAnswer, 'truth' | 'answer'>[]): TuringStats {
  const confusion = { real: { real: 0, refined: 0 }, refined: { real: 0, refined: 0 } };
  for (const a of answers) {
    if (!TURING_LABELS.includes(a.truth) || !TURING_LABELS.includes(a.answer)) {
      throw new Error(`answer ${JSON.stringify(a)}: truth and answer must each be 'real' or 'refined'`);
    }
    confusion[a.truth][a.answer]++;
  }
  const n = answers.length;
  const correct = confusion.real.real + confusion.refined.refined;
  return { confusion, n, correct, accuracy: n ? correct / n : NaN, pTwoSided: binomialTestTwoSided(correct, n), pOneSided: binomialTestGreater(correct, n) };
}

/** "0.109", "3.1e-9": enough digits to compare with the paper's p = 0.148 or p ≤ 1e-8. */
export function formatP(p: number): string {
  return p >= 0.001 ? p.toFixed(3) : p === 0 ? '< 1e-300' : p.toExponential(1);
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

/**
 * The summary as an HTML fragment laid out like the paper's Table 1, with stable element ids
 * (`#confusion`, `#accuracy`, `#pvalue`, `#total-correct`) for the page and browser tests. Only numbers
 * and fixed text go in, so nothing needs escaping.
 */
export function turingSummaryTableHtml(s: TuringStats): string {
  const cell = 'style="border:1px solid #999;padding:4px 10px;text-align:right"';
  const head = 'style="border:1px solid #999;padding:4px 10px;text-align:left"';
  const row = (t: TuringLabel) =>
    `<tr><th scope="row" ${head}>ground truth ${t}</th><td ${cell}>${s.confusion[t].real}</td><td ${cell}>${s.confusion[t].refined}</td></tr>`;
  return [
    '<div class="turing-summary">',
    '<table id="confusion" style="border-collapse:collapse">',
    `<thead><tr><th ${head}></th><th scope="col" ${head}>selected as real</th><th scope="col" ${head}>selected as refined</th></tr></thead>`,
    `<tbody>${row('real')}${row('refined')}</tbody>`,
    '</table>',
    `<p id="total-correct">Total correct: ${s.correct} of ${s.n} (${pct(s.accuracy)})</p>`,
    `<p id="accuracy">Accuracy: ${pct(s.accuracy)} (chance: 50%)</p>`,
    `<p id="pvalue">p = ${formatP(s.pTwoSided)} (exact binomial test against 50%, two-sided); ` +
      `p = ${formatP(s.pOneSided)} one-sided (accuracy &gt; 50%, the paper's test: 517 of 1,000 gave 0.148)</p>`,
    '</div>',
  ].join('\n');
}
