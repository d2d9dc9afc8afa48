/**
 * The paper's ablations as library calls the notebooks make: each runs (or reloads) its part of one shared
 * sweep of the digit experiment, so the default-setting baseline is trained once for all of them.
 *   history  — history buffer on / off            (paper Fig. 8: no buffer → artifacts)
 *   loss     — local (per-patch) / global          (paper Fig. 7: global → boundary artifacts)
 *   lambda   — the self-regularisation weight λ    (realism vs label preservation)
 * Also: side-by-side refined images of every variant on the same synthetic inputs, and findings written
 * from the numbers (never a fixed claim).
 */
import * as path from 'node:path';
import { Budget } from './budget';
import { resolveConfig } from './config';
import { loadDataset } from './data/registry';
import { loadRunRefiner } from './eval/evaluate';
import { formatSummary, intervalsSeparate, Summary } from './eval/stats';
import { projectRoot } from './paths';
import { aggregateBy } from './runs/aggregate';
import { runSweep, SweepRow, SweepSpec } from './runs/sweep';
import { tf } from './backend';
import { imageGridPng } from './viz/image-grid';

export type Ablation = 'history' | 'loss' | 'lambda';

export const ABLATION_KEY: Record<Ablation, string> = { history: 'history.enabled', loss: 'adversarial', lambda: 'lambda' };

/** Where a budget's ablation runs live (shared by the three notebooks and `npm run reproduce`). */
export function ablationDir(b: Budget, root = path.join(projectRoot, 'runs')): string {
  return path.join(root, `ablations-${b.name}`, 'digits');
}

export function ablationSpec(b: Budget, which: Ablation): SweepSpec {
  const values: Record<Ablation, string[]> = { history: ['true', 'false'], loss: ['local', 'global'], lambda: b.digits.lambdas };
  return { preset: b.digits.preset, grid: { [ABLATION_KEY[which]]: values[which] }, seeds: b.digits.seeds, fixed: b.digits.fixed, eval: b.digits.eval };
}

/** Train and evaluate what is missing of an ablation (finished runs are reused), return its rows. */
export async function runAblation(b: Budget, which: Ablation, options: { log?: (l: string) => void; root?: string } = {}): Promise<SweepRow[]> {
  const { rows, failed } = await runSweep(ablationSpec(b, which), { out: ablationDir(b, options.root), jobs: b.jobs, log: options.log });
  if (failed.length) throw new Error(`ablation '${which}': ${failed.length} run(s) failed (${failed.join(', ')}); see their train.log / eval.log`);
  return rows;
}

export const METRICS = {
  refined: 'downstream.trainedOnRefined.mean',
  synthetic: 'downstream.trainedOnSynthetic.mean',
  real: 'downstream.trainedOnReal.mean',
  c2stRefined: 'c2st.refined.mean',
  c2stSynthetic: 'c2st.synthetic.mean',
  preserved: 'labelPreservation.onRefined.mean',
} as const;

/** Per-setting summaries (over seeds) of the metrics the notebooks plot. */
export function ablationTable(rows: SweepRow[], which: Ablation, order?: string[]): { settings: string[]; metrics: Record<keyof typeof METRICS, Array<Summary | undefined>> } {
  const key = ABLATION_KEY[which];
  const settings = order ?? aggregateBy(rows, key, METRICS.refined).settings;
  const metrics = Object.fromEntries(
    // Every metric here is an accuracy: intervals are clipped to [0, 1].
    (Object.keys(METRICS) as Array<keyof typeof METRICS>).map((m) => [m, aggregateBy(rows, key, METRICS[m], settings, [0, 1]).summaries]),
  ) as Record<keyof typeof METRICS, Array<Summary | undefined>>;
  return { settings, metrics };
}

/** "a beats b", "b beats a" or "no clear difference", judged by non-overlapping 95% intervals. */
export function compare(a: Summary | undefined, b: Summary | undefined, higherIsBetter = true): 'a' | 'b' | 'tie' | 'unknown' {
  if (!a || !b) return 'unknown';
  if (!intervalsSeparate(a, b)) return 'tie';
  return (a.mean > b.mean) === higherIsBetter ? 'a' : 'b';
}

const pct = (s: Summary | undefined) => (s ? `${(s.mean * 100).toFixed(1)}% [${(s.low * 100).toFixed(1)}, ${(s.high * 100).toFixed(1)}]` : 'n/a');

/** A markdown paragraph stating what the numbers show for a two-setting ablation. */
export function twoWayFinding(which: Ablation, table: ReturnType<typeof ablationTable>, names: [string, string]): string {
  const [i, j] = [0, 1];
  const m = table.metrics;
  const down = compare(m.refined[i], m.refined[j]);
  const real = compare(m.c2stRefined[i], m.c2stRefined[j], false);
  const nSeeds = m.refined[i]?.n ?? 0;
  const verdict = (v: string, what: string) =>
    v === 'a' ? `${names[0]} is better on ${what}` : v === 'b' ? `${names[1]} is better on ${what}` : v === 'tie' ? `the 95% intervals of ${what} overlap (no clear difference at n=${nSeeds})` : `${what} is missing`;
  return [
    `**Finding (${which}, ${nSeeds} seeds, generated from the numbers above).** `,
    `Downstream accuracy on real test digits when trained on refined images: ${names[0]} ${pct(m.refined[i])}, ${names[1]} ${pct(m.refined[j])}; `,
    `realism (C2ST accuracy, lower = more realistic): ${names[0]} ${pct(m.c2stRefined[i])}, ${names[1]} ${pct(m.c2stRefined[j])}. `,
    `So ${verdict(down, 'downstream accuracy')}, and ${verdict(real, 'realism')}.`,
  ].join('');
}

/** The λ sweep's finding: where realism and label preservation pull, and which λ served the task best. */
export function lambdaFinding(table: ReturnType<typeof ablationTable>): string {
  const m = table.metrics;
  const best = table.settings.reduce((b, s, k) => ((m.refined[k]?.mean ?? -1) > (m.refined[b]?.mean ?? -1) ? k : b), 0);
  const raw = m.synthetic.find((s) => s !== undefined);
  const beats = compare(m.refined[best], raw);
  const lines = table.settings.map(
    (s, k) => `| ${s} | ${pct(m.refined[k])} | ${pct(m.c2stRefined[k])} | ${pct(m.preserved[k])} |`,
  );
  return [
    `**Finding (λ sweep, generated from the numbers).** The best downstream accuracy came at λ = ${table.settings[best]}: ${pct(m.refined[best])}, against ${pct(raw)} for a classifier trained on raw synthetic digits — ` +
      (beats === 'a' ? 'refinement helped, with non-overlapping 95% intervals.' : beats === 'b' ? 'refinement hurt.' : 'the intervals overlap: no clear gain from refinement at this budget.'),
    '',
    '| λ | trained on refined | C2ST (refined vs real) | synthetic-trained classifier on refined |',
    '| --- | --- | --- | --- |',
    ...lines,
  ].join('\n');
}

/** Refined versions of the same synthetic digits by each setting's seed-1 run, one row per setting. */
export async function variantsGrid(b: Budget, which: Ablation, settings: string[], count = 8, root?: string): Promise<Buffer> {
  const config = resolveConfig(b.digits.preset, b.digits.fixed);
  const synthetic = await loadDataset(config.data.synthetic, { config });
  const idx = Array.from({ length: count }, (_, i) => Math.floor((i * synthetic.size) / count));
  const inputs = synthetic.batch(idx);
  const rows: tf.Tensor[] = [inputs];
  const captions: string[] = ['synthetic', ...Array(count - 1).fill('')];
  const spec = ablationSpec(b, which);
  const { expandGrid } = await import('./runs/sweep');
  for (const s of settings) {
    const point = expandGrid({ ...spec, grid: { [ABLATION_KEY[which]]: [s] }, seeds: 1 })[0];
    const dir = path.join(ablationDir(b, root), point.name);
    const { refiner } = loadRunRefiner(dir, resolveConfig(b.digits.preset, [...b.digits.fixed, `${ABLATION_KEY[which]}=${s}`, 'seed=1']));
    rows.push(tf.tidy(() => refiner.predict(inputs) as tf.Tensor));
    refiner.dispose();
    captions.push(`${ABLATION_KEY[which]}=${s}`, ...Array(count - 1).fill(''));
  }
  try {
    return await imageGridPng(rows, { cols: count, range: [-1, 1], captions, scale: 3 });
  } finally {
    tf.dispose(rows);
  }
}

export { formatSummary };
