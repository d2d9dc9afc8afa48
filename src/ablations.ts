/**
 * The paper's ablations as library calls the notebooks make: each runs (or reloads) its part of one shared
 * sweep per domain — `eyes` (the paper's own experiment: synthetic eyes refined towards the Columbia train
 * people, gaze tested on the Columbia test people) and `digits` (a second, fast domain) — so the
 * default-setting baseline is trained once for all three ablations.
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
import { chooseExecutor } from './runs/executor-choice';
import { tf } from './backend';
import { imageGridPng } from './viz/image-grid';

export type Ablation = 'history' | 'loss' | 'lambda';

/** The two experiments: eyes (gaze; errors in degrees, lower is better) and digits (accuracy). */
export type Domain = 'eyes' | 'digits';
export const DOMAINS: readonly Domain[] = ['eyes', 'digits'];

export const ABLATION_KEY: Record<Ablation, string> = { history: 'history.enabled', loss: 'adversarial', lambda: 'lambda' };

/** Where a budget's ablation runs of one domain live (shared by the three notebooks and `npm run reproduce`). */
export function ablationDir(b: Budget, root = path.join(projectRoot, 'runs'), domain: Domain = 'digits'): string {
  return path.join(root, `ablations-${b.name}`, domain);
}

export function ablationSpec(b: Budget, which: Ablation, domain: Domain = 'digits'): SweepSpec {
  const d = b[domain];
  const values: Record<Ablation, string[]> = { history: ['true', 'false'], loss: ['local', 'global'], lambda: d.lambdas };
  return { preset: d.preset, grid: { [ABLATION_KEY[which]]: values[which] }, seeds: d.seeds, fixed: d.fixed, eval: d.eval };
}

/** Train and evaluate what is missing of an ablation (finished runs are reused), return its rows. */
export async function runAblation(b: Budget, which: Ablation, options: { log?: (l: string) => void; root?: string; domain?: Domain } = {}): Promise<SweepRow[]> {
  const domain = options.domain ?? 'digits';
  // SIMGAN_EXECUTOR=slurm (and SIMGAN_SLURM_*) sends the runs to SLURM instead of this machine's pool.
  const executor = chooseExecutor();
  // The budget's jobs size this machine's pool; on SLURM the cluster decides how many tasks run at once.
  const jobs = executor.name === 'local' ? b.jobs : undefined;
  const { rows, failed } = await runSweep(ablationSpec(b, which, domain), { out: ablationDir(b, options.root, domain), jobs, log: options.log, executor });
  if (failed.length) throw new Error(`ablation '${which}' (${domain}): ${failed.length} run(s) failed (${failed.join(', ')}); see their train.log / eval.log`);
  return rows;
}

/** Digits: accuracies (higher is better). */
export const METRICS = {
  refined: 'downstream.trainedOnRefined.mean',
  synthetic: 'downstream.trainedOnSynthetic.mean',
  real: 'downstream.trainedOnReal.mean',
  c2stRefined: 'c2st.refined.mean',
  c2stSynthetic: 'c2st.synthetic.mean',
  preserved: 'labelPreservation.onRefined.mean',
  // KID on the real-trained classifier's features (lower = more realistic); absent from runs evaluated before KID.
  kidRefined: 'kid.refined.mean',
  kidSynthetic: 'kid.synthetic.mean',
  kidFloor: 'kid.realFloor.mean',
} as const;

/**
 * Eyes: mean gaze errors in degrees on the test people (lower is better), within-7° fractions, realism, and
 * label preservation as the shift (degrees) of a synthetic-trained estimator's predictions under refinement
 * (lower = the gaze kept).
 */
export const EYE_METRICS = {
  refined: 'downstream.trainedOnRefined.meanDeg.mean',
  refined4x: 'downstream.trainedOnRefined4x.meanDeg.mean',
  synthetic: 'downstream.trainedOnSynthetic.meanDeg.mean',
  synthetic4x: 'downstream.trainedOnSynthetic4x.meanDeg.mean',
  real: 'downstream.trainedOnReal.meanDeg.mean',
  constant: 'downstream.constantPredictor.meanDeg.mean',
  refinedWithin7: 'downstream.trainedOnRefined.within7.mean',
  refined4xWithin7: 'downstream.trainedOnRefined4x.within7.mean',
  syntheticWithin7: 'downstream.trainedOnSynthetic.within7.mean',
  synthetic4xWithin7: 'downstream.trainedOnSynthetic4x.within7.mean',
  realWithin7: 'downstream.trainedOnReal.within7.mean',
  constantWithin7: 'downstream.constantPredictor.within7.mean',
  gapClosed: 'downstream.gapClosed.mean',
  gapClosed4x: 'downstream.gapClosed4x.mean',
  c2stRefined: 'c2st.refined.mean',
  c2stSynthetic: 'c2st.synthetic.mean',
  c2stRealVsReal: 'c2st.realVsReal.mean',
  preserved: 'labelPreservation.predictionShiftDeg.mean',
  // KID on a real-trained gaze estimator's features (lower = more realistic); floor = unseen training people.
  kidRefined: 'kid.refined.mean',
  kidSynthetic: 'kid.synthetic.mean',
  kidFloor: 'kid.realFloor.mean',
  // Paired per run (same estimator seed, same synthetic images): synthetic − refined error, > 0 = refinement helped.
  improvement: 'derived.improvementDeg',
  improvement4x: 'derived.improvement4xDeg',
} as const;

/**
 * Each run's paired differences: its raw-synthetic-trained minus its refined-trained estimator's error. The
 * two estimators of a run share their seed and images, so the run-to-run spread of estimator training cancels
 * out of the difference: a sharper test of "refinement helped" than comparing the two unpaired intervals.
 */
export function withPairedDifferences(rows: SweepRow[]): SweepRow[] {
  const pairs: Array<[string, string, string]> = [
    ['derived.improvementDeg', EYE_METRICS.synthetic, EYE_METRICS.refined],
    ['derived.improvement4xDeg', EYE_METRICS.synthetic4x, EYE_METRICS.refined4x],
  ];
  return rows.map((r) => {
    const metrics = { ...r.metrics };
    for (const [name, syn, ref] of pairs) {
      if (typeof r.metrics[syn] === 'number' && typeof r.metrics[ref] === 'number') metrics[name] = r.metrics[syn] - r.metrics[ref];
    }
    return { ...r, metrics };
  });
}

const EYE_BOUNDS = (m: string): [number, number] => (/Within7|c2st/.test(m) ? [0, 1] : /^(gapClosed|improvement|kid)/.test(m) ? [-Infinity, Infinity] : [0, 180]);
/** Digits: accuracies in [0, 1]; KID (an unbiased estimate, can dip below 0) unbounded. */
const DIGIT_BOUNDS = (m: string): [number, number] => (/^kid/.test(m) ? [-Infinity, Infinity] : [0, 1]);

export interface AblationTable {
  domain: Domain;
  settings: string[];
  metrics: Record<string, Array<Summary | undefined>>;
}

/** Per-setting summaries (over seeds) of the metrics the notebooks plot (`METRICS` or `EYE_METRICS`). */
export function ablationTable(rows: SweepRow[], which: Ablation, order?: string[], domain: Domain = 'digits'): AblationTable & { metrics: Record<string, Array<Summary | undefined>> } {
  const key = ABLATION_KEY[which];
  const table: Record<string, string> = domain === 'eyes' ? EYE_METRICS : METRICS;
  if (domain === 'eyes') rows = withPairedDifferences(rows);
  const settings = order ?? aggregateBy(rows, key, table.refined).settings;
  const metrics = Object.fromEntries(
    // Digits: every metric is an accuracy, intervals clipped to [0, 1]; eyes: degrees, fractions, ratios.
    Object.keys(table).map((m) => [m, aggregateBy(rows, key, table[m], settings, domain === 'eyes' ? EYE_BOUNDS(m) : DIGIT_BOUNDS(m)).summaries]),
  );
  return { domain, settings, metrics };
}

/** "a beats b", "b beats a" or "no clear difference", judged by non-overlapping 95% intervals. */
export function compare(a: Summary | undefined, b: Summary | undefined, higherIsBetter = true): 'a' | 'b' | 'tie' | 'unknown' {
  if (!a || !b) return 'unknown';
  if (!intervalsSeparate(a, b)) return 'tie';
  return (a.mean > b.mean) === higherIsBetter ? 'a' : 'b';
}

const pct = (s: Summary | undefined) => (s ? `${(s.mean * 100).toFixed(1)}% [${(s.low * 100).toFixed(1)}, ${(s.high * 100).toFixed(1)}]` : 'n/a');
const deg = (s: Summary | undefined) => (s ? `${s.mean.toFixed(2)}° [${s.low.toFixed(2)}, ${s.high.toFixed(2)}]` : 'n/a');

/** A markdown paragraph stating what the numbers show for a two-setting ablation. */
export function twoWayFinding(which: Ablation, table: AblationTable, names: [string, string]): string {
  const [i, j] = [0, 1];
  const m = table.metrics;
  const eyes = table.domain === 'eyes';
  const down = compare(m.refined[i], m.refined[j], !eyes);
  const real = compare(m.c2stRefined[i], m.c2stRefined[j], false);
  const nSeeds = m.refined[i]?.n ?? 0;
  const verdict = (v: string, what: string) =>
    v === 'a' ? `${names[0]} is better on ${what}` : v === 'b' ? `${names[1]} is better on ${what}` : v === 'tie' ? `the 95% intervals of ${what} overlap (no clear difference at n=${nSeeds})` : `${what} is missing`;
  if (eyes) {
    const keep = compare(m.preserved[i], m.preserved[j], false);
    return [
      `**Finding (${which}, eyes, ${nSeeds} seeds, generated from the numbers above).** `,
      `Mean gaze error on the held-out Columbia people of an estimator trained on refined eyes: ${names[0]} ${deg(m.refined[i])}, ${names[1]} ${deg(m.refined[j])} `,
      `(raw synthetic: ${deg(m.synthetic[i])}; real: ${deg(m.real[i])}); `,
      `realism (C2ST accuracy, lower = more realistic): ${names[0]} ${pct(m.c2stRefined[i])}, ${names[1]} ${pct(m.c2stRefined[j])}; `,
      `gaze kept (shift of a synthetic-trained estimator's predictions under refinement, lower = kept): ${names[0]} ${deg(m.preserved[i])}, ${names[1]} ${deg(m.preserved[j])}. `,
      `So ${verdict(down, 'gaze error')}, ${verdict(real, 'realism')}, and ${verdict(keep, 'gaze preservation')}.`,
    ].join('');
  }
  return [
    `**Finding (${which}, digits, ${nSeeds} seeds, generated from the numbers above).** `,
    `Downstream accuracy on real test digits when trained on refined images: ${names[0]} ${pct(m.refined[i])}, ${names[1]} ${pct(m.refined[j])}; `,
    `realism (C2ST accuracy, lower = more realistic): ${names[0]} ${pct(m.c2stRefined[i])}, ${names[1]} ${pct(m.c2stRefined[j])}. `,
    `So ${verdict(down, 'downstream accuracy')}, and ${verdict(real, 'realism')}.`,
  ].join('');
}

/** The λ sweep's finding: where realism and label preservation pull, and which λ served the task best. */
export function lambdaFinding(table: AblationTable): string {
  const m = table.metrics;
  const eyes = table.domain === 'eyes';
  const score = (k: number) => (eyes ? -(m.refined[k]?.mean ?? Infinity) : m.refined[k]?.mean ?? -1);
  const best = table.settings.reduce((b, _s, k) => (score(k) > score(b) ? k : b), 0);
  const raw = m.synthetic[best] ?? m.synthetic.find((s) => s !== undefined);
  const beats = compare(m.refined[best], raw, !eyes);
  const fmt = eyes ? deg : pct;
  const lines = table.settings.map((s, k) =>
    eyes
      ? `| ${s} | ${deg(m.refined[k])} | ${deg(m.improvement?.[k])} | ${pct(m.c2stRefined[k])} | ${deg(m.preserved[k])} |`
      : `| ${s} | ${pct(m.refined[k])} | ${pct(m.c2stRefined[k])} | ${pct(m.preserved[k])} |`,
  );
  const what = eyes ? 'mean gaze error on the held-out people' : 'downstream accuracy';
  return [
    `**Finding (λ sweep, ${table.domain}, generated from the numbers).** The best ${what} came at λ = ${table.settings[best]}: ${fmt(m.refined[best])}, against ${fmt(raw)} for ` +
      `${eyes ? 'an estimator' : 'a classifier'} trained on raw synthetic ${eyes ? 'eyes' : 'digits'} — ` +
      (beats === 'a' ? 'refinement helped, with non-overlapping 95% intervals.' : beats === 'b' ? 'refinement hurt.' : 'the intervals overlap: no clear gain from refinement at this budget.') +
      (eyes ? ' (The best λ is picked on the test people here, so it is an optimistic choice; the other rows show how much it matters.)' : ''),
    '',
    eyes
      ? '| λ | gaze error, trained on refined | synthetic − refined, paired per run (> 0 = helped) | C2ST (refined vs real) | prediction shift under refinement |\n| --- | --- | --- | --- | --- |'
      : '| λ | trained on refined | C2ST (refined vs real) | synthetic-trained classifier on refined |\n| --- | --- | --- | --- |',
    ...lines,
  ].join('\n');
}

/** The left and right `width` columns of each image, side by side (the eye corners, Fig. 8's view). */
export function eyeCorners(images: tf.Tensor4D, width = 16): tf.Tensor4D {
  return tf.tidy(() => {
    const w = images.shape[2];
    const left = images.slice([0, 0, 0, 0], [-1, -1, width, -1]);
    const right = images.slice([0, 0, w - width, 0], [-1, -1, width, -1]);
    const gap = tf.ones([images.shape[0], images.shape[1], 1, images.shape[3]]);
    return tf.concat([left, gap, right], 2) as tf.Tensor4D;
  });
}

export interface VariantsOptions {
  count?: number;
  root?: string;
  domain?: Domain;
  /** Show only the eye corners, enlarged (for the history-buffer ablation; eyes only). */
  corners?: boolean;
  scale?: number;
}

/** Refined versions of the same synthetic images by each setting's seed-1 run, one row per setting. */
export async function variantsGrid(b: Budget, which: Ablation, settings: string[], options: VariantsOptions | number = {}, legacyRoot?: string): Promise<Buffer> {
  const o: VariantsOptions = typeof options === 'number' ? { count: options, root: legacyRoot } : options;
  const domain = o.domain ?? 'digits', count = o.count ?? 8;
  const d = b[domain];
  const config = resolveConfig(d.preset, d.fixed);
  const synthetic = await loadDataset(config.data.synthetic, { config });
  const idx = Array.from({ length: count }, (_, i) => Math.floor((i * synthetic.size) / count));
  const inputs = synthetic.batch(idx);
  const view = (t: tf.Tensor4D) => (o.corners ? eyeCorners(t) : t);
  const rows: tf.Tensor[] = [view(inputs)];
  const captions: string[] = ['synthetic', ...Array(count - 1).fill('')];
  const spec = ablationSpec(b, which, domain);
  const { expandGrid } = await import('./runs/sweep');
  try {
    for (const s of settings) {
      const point = expandGrid({ ...spec, grid: { [ABLATION_KEY[which]]: [s] }, seeds: 1 })[0];
      const dir = path.join(ablationDir(b, o.root, domain), point.name);
      const { refiner } = loadRunRefiner(dir, resolveConfig(d.preset, [...d.fixed, `${ABLATION_KEY[which]}=${s}`, 'seed=1']));
      const refined = tf.tidy(() => refiner.predict(inputs) as tf.Tensor4D);
      rows.push(view(refined));
      if (o.corners) refined.dispose();
      refiner.dispose();
      captions.push(`${ABLATION_KEY[which]}=${s}`, ...Array(count - 1).fill(''));
    }
    return await imageGridPng(rows, { cols: count, range: [-1, 1], captions, scale: o.scale ?? (o.corners ? 5 : 3) });
  } finally {
    tf.dispose(rows);
    if (o.corners) inputs.dispose();
  }
}

export { formatSummary };

/**
 * The eye Table-2 analogue of one setting (e.g. the default λ) as markdown, from an eye ablation table:
 * each estimator's mean error and within-7° with 95% intervals, the gap closed, and a verdict for 1× and 4×
 * generated from the intervals (lower error is better).
 */
export function eyeTable2Markdown(table: AblationTable, setting: string): string {
  if (table.domain !== 'eyes') throw new Error(`eyeTable2Markdown: needs an eye table, got ${table.domain}`);
  const k = table.settings.indexOf(setting);
  if (k < 0) throw new Error(`eyeTable2Markdown: setting ${setting} is not in the table (${table.settings.join(', ')})`);
  const m = table.metrics;
  const row = (name: string, err: string, w7: string) => `| ${name} | ${deg(m[err][k])} | ${pct(m[w7][k])} |`;
  const gap = (s: Summary | undefined) => (s ? `${(s.mean * 100).toFixed(0)}% [${(s.low * 100).toFixed(0)}, ${(s.high * 100).toFixed(0)}]` : 'n/a');
  const verdict = (ref: string, syn: string, what: string) => {
    const v = compare(m[ref][k], m[syn][k], false);
    return v === 'a' ? `refined beats raw synthetic at ${what} (non-overlapping 95% intervals)` : v === 'b' ? `raw synthetic beats refined at ${what}` : v === 'tie' ? `refined and raw synthetic overlap at ${what}` : `${what}: missing`;
  };
  const n = m.refined[k]?.n ?? 0;
  const paired = (s: Summary | undefined) =>
    !s ? 'n/a' : `${s.mean.toFixed(2)}° [${s.low.toFixed(2)}, ${s.high.toFixed(2)}] (${s.n > 1 && s.low > 0 ? 'helped' : s.n > 1 && s.high < 0 ? 'hurt' : 'interval includes 0'})`;
  return [
    '| gaze estimator trained on | mean angular error on the test people, ° [95% interval] | within 7° [95% interval] |',
    '| --- | --- | --- |',
    row('raw synthetic (1×)', 'synthetic', 'syntheticWithin7'),
    row('raw synthetic 4×', 'synthetic4x', 'synthetic4xWithin7'),
    row('refined synthetic (1×)', 'refined', 'refinedWithin7'),
    row('refined synthetic 4×', 'refined4x', 'refined4xWithin7'),
    row('real (train people; the upper bound)', 'real', 'realWithin7'),
    row('constant predictor: always the mean direction', 'constant', 'constantWithin7'),
    '',
    `Gap closed, (synthetic − refined) / (synthetic − real): 1× ${gap(m.gapClosed[k])}, 4× ${gap(m.gapClosed4x[k])}. ` +
      `**Verdict (generated, n=${n} pipeline seeds):** ${verdict('refined', 'synthetic', '1×')}; ${verdict('refined4x', 'synthetic4x', '4×')}. ` +
      `Paired per run (synthetic − refined error, same estimator seed and images; > 0 = refinement helped): 1× ${paired(m.improvement[k])}, 4× ${paired(m.improvement4x[k])}.`,
  ].join('\n');
}
