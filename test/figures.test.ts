/** Figure builders, budgets and generated findings: pure functions checked on hand-made inputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ablationTable, compare, eyeTable2Markdown, lambdaFinding, twoWayFinding } from '../src/ablations';
import { budget, budgetName } from '../src/budget';
import { summarize } from '../src/eval/stats';
import type { SweepRow } from '../src/runs/sweep';
import { fittedRange, histogramCounts, histogramFigure, lossCurvesFigure, metricVsSettingFigure, smooth, tradeoffFigure } from '../src/viz/figures';

test('smooth: a trailing moving average', () => {
  assert.deepEqual(smooth([2, 4, 6, 8], 2), [2, 3, 5, 7]);
});

test('loss curves: one trace per quantity, pretraining shaded, accuracies on the right axis', () => {
  const m = [
    { step: 1, phase: 'pretrain-refiner' as const, refinerLoss: 10 },
    { step: 2, phase: 'pretrain-discriminator' as const, discriminatorLoss: 5, accRefined: 0.5, accReal: 0.5 },
    { step: 3, phase: 'adversarial' as const, refinerLoss: 8, discriminatorLoss: 4, accRefined: 0.6, accReal: 0.7 },
  ];
  const fig = lossCurvesFigure(m, { window: 1 });
  const byName = Object.fromEntries(fig.data.map((t) => [t.name as string, t]));
  assert.deepEqual(byName['L_R (refiner)'].x, [1, 3]);
  assert.deepEqual(byName['L_R (refiner)'].y, [10, 8]);
  assert.equal(byName['D accuracy on real'].yaxis, 'y2');
  assert.equal((fig.layout!.shapes as unknown[]).length, 2);
});

test('metric vs setting: asymmetric error bars from the 95% interval', () => {
  const s = summarize([0.5, 0.7], [0, 1]);
  const fig = metricVsSettingFigure(['on', 'off'], [{ name: 'acc', values: [s, undefined] }], { title: 't', xTitle: 'x', yTitle: 'y' });
  const tr = fig.data[0] as { x: string[]; y: number[]; error_y: { array: number[]; arrayminus: number[] } };
  assert.deepEqual(tr.x, ['on'], 'a missing setting is left out');
  assert.equal(tr.y[0], 0.6);
  assert.equal(tr.error_y.array[0], 1 - 0.6, 'clipped at 1');
  assert.ok(Math.abs(tr.error_y.arrayminus[0] - (0.6 - s.low)) < 1e-12);
  const t = tradeoffFigure([{ label: 'λ=0', x: s, y: s }], { title: 't', xTitle: 'x', yTitle: 'y' });
  assert.deepEqual((t.data[0] as { text: string[] }).text, ['λ=0']);
});

function row(setting: string, seed: number, refined: number, c2st: number): SweepRow {
  const raw = [0.7, 0.705, 0.71][seed - 1];
  return { run: `${setting}-${seed}`, seed, overrides: { 'history.enabled': setting }, metrics: { 'downstream.trainedOnRefined.mean': refined, 'downstream.trainedOnSynthetic.mean': raw, 'c2st.refined.mean': c2st } };
}

test('findings are written from the numbers: a clear win, and overlapping intervals', () => {
  const clear = ablationTable([row('true', 1, 0.90, 0.6), row('true', 2, 0.91, 0.61), row('true', 3, 0.92, 0.6), row('false', 1, 0.80, 0.6), row('false', 2, 0.81, 0.62), row('false', 3, 0.80, 0.61)], 'history', ['true', 'false']);
  const text = twoWayFinding('history', clear, ['on', 'off']);
  assert.match(text, /on is better on downstream accuracy/);
  assert.match(text, /intervals of realism overlap/);
  assert.match(text, /on 91\.0%/);
  assert.equal(compare(summarize([1, 1.1]), summarize([3, 3.1])), 'b');
  assert.equal(compare(undefined, summarize([1])), 'unknown');
  const lam = ablationTable([row('0', 1, 0.6, 0.5), row('0', 2, 0.62, 0.5), row('0', 3, 0.61, 0.5), row('1', 1, 0.8, 0.9), row('1', 2, 0.82, 0.9), row('1', 3, 0.81, 0.9)].map((r) => ({ ...r, overrides: { lambda: r.overrides['history.enabled'] } })), 'lambda', ['0', '1']);
  const lt = lambdaFinding(lam);
  assert.match(lt, /best downstream accuracy came at λ = 1/);
  assert.match(lt, /refinement helped/);
  assert.match(lt, /\| 0 \| 61\.0%/);
});

test('budgets: SIMGAN_BUDGET picks one; a bad value names the variable', () => {
  assert.equal(budgetName({}), 'default');
  assert.equal(budget({ SIMGAN_BUDGET: 'smoke' }).name, 'smoke');
  assert.ok(budget({ SIMGAN_BUDGET: 'smoke' }).digits.seeds >= 2, 'intervals need two seeds');
  assert.ok(budget({ SIMGAN_BUDGET: 'default' }).digits.lambdas.includes('0.05'), "the default λ is in the sweep, so the baseline run is shared");
  assert.throws(() => budgetName({ SIMGAN_BUDGET: 'huge' }), /SIMGAN_BUDGET="huge".*smoke, default or paper/);
});

test('histograms: counts per bin (ends clamped), fractions per series, small figures', () => {
  assert.deepEqual(histogramCounts([-1, -0.6, 0, 0.99, 1, 5, NaN], 4, [-1, 1]), [2, 0, 1, 3]);
  const values = Float32Array.from({ length: 100000 }, (_, i) => (i % 200) / 100 - 1);
  const fig = histogramFigure([{ name: 'a', values }], { title: 't', bins: 20, range: [-1, 1] });
  const y = (fig.data[0] as { y: number[] }).y;
  assert.equal(y.length, 20);
  assert.ok(Math.abs(y.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.ok(JSON.stringify(fig).length < 5000, 'the figure holds bins, not values');
});

function eyeRow(setting: string, seed: number, refined: number, shift: number): SweepRow {
  return {
    run: `${setting}-${seed}`, seed, overrides: { 'history.enabled': setting },
    metrics: {
      'downstream.trainedOnRefined.meanDeg.mean': refined, 'downstream.trainedOnSynthetic.meanDeg.mean': 9 + seed * 0.01,
      'downstream.trainedOnReal.meanDeg.mean': 6, 'c2st.refined.mean': 0.95, 'labelPreservation.predictionShiftDeg.mean': shift,
    },
  };
}

test('eye findings: lower gaze error wins, degrees are quoted, the λ sweep picks the lowest error', () => {
  const t = ablationTable([eyeRow('true', 1, 7.0, 2), eyeRow('true', 2, 7.1, 2.1), eyeRow('true', 3, 7.05, 2), eyeRow('false', 1, 8.5, 4), eyeRow('false', 2, 8.6, 4.1), eyeRow('false', 3, 8.55, 4)], 'history', ['true', 'false'], 'eyes');
  assert.equal(t.domain, 'eyes');
  const text = twoWayFinding('history', t, ['on', 'off']);
  assert.match(text, /on is better on gaze error/, 'lower error is better');
  assert.match(text, /on is better on gaze preservation/);
  assert.match(text, /on 7\.05° \[/);
  const lam = ablationTable([eyeRow('0.1', 1, 9.5, 6), eyeRow('0.1', 2, 9.6, 6), eyeRow('2', 1, 7.5, 1), eyeRow('2', 2, 7.6, 1)].map((r) => ({ ...r, overrides: { lambda: r.overrides['history.enabled'] } })), 'lambda', ['0.1', '2'], 'eyes');
  const lt = lambdaFinding(lam);
  assert.match(lt, /best mean gaze error on the held-out people came at λ = 2: 7\.55°/);
  assert.match(lt, /refinement helped/);
});

test('metric-vs-setting figures fit the y range to intervals and reference lines, and draw reference bands', () => {
  const a = summarize([0.783, 0.79, 0.775]), b = summarize([0.80, 0.81, 0.805]);
  const fig = metricVsSettingFigure(['on', 'off'], [{ name: 'refined', values: [a, b] }], {
    title: 't', xTitle: 'x', yTitle: 'y', references: [{ y: 0.78, label: 'raw synthetic', low: 0.75, high: 0.81 }, { y: 0.97, label: 'real' }],
  });
  const range = (fig.layout as { yaxis: { range: [number, number] } }).yaxis.range;
  assert.ok(range[0] < 0.75 && range[0] > 0.7 && range[1] > 0.97 && range[1] < 1.0, `range ${range}`);
  const shapes = (fig.layout as { shapes: Array<{ type: string; y0: number; y1: number }> }).shapes;
  assert.deepEqual(shapes.map((s) => s.type), ['rect', 'line', 'line'], 'a band for the interval, a line each');
  assert.deepEqual([shapes[0].y0, shapes[0].y1], [0.75, 0.81]);
  assert.equal(fittedRange([]), undefined);
  assert.deepEqual(fittedRange([1, 2])!.map((v) => Math.round(v * 100) / 100), [0.92, 2.08]);
});

test('the eye Table-2 analogue as markdown: every estimator, the gap closed, a verdict per data size', () => {
  const r = (seed: number, syn: number, ref: number): SweepRow => ({
    run: `b-${seed}`, seed, overrides: { lambda: '0.5' },
    metrics: {
      'downstream.trainedOnSynthetic.meanDeg.mean': syn, 'downstream.trainedOnRefined.meanDeg.mean': ref,
      'downstream.trainedOnSynthetic4x.meanDeg.mean': syn, 'downstream.trainedOnRefined4x.meanDeg.mean': syn + 0.01 * seed,
      'downstream.trainedOnReal.meanDeg.mean': 6, 'downstream.constantPredictor.meanDeg.mean': 12,
      'downstream.trainedOnSynthetic.within7.mean': 0.3, 'downstream.gapClosed.mean': (syn - ref) / (syn - 6),
    },
  });
  const t = ablationTable([r(1, 9, 7), r(2, 9.1, 7.1), r(3, 9.05, 7.05)], 'lambda', ['0.5'], 'eyes');
  const md = eyeTable2Markdown(t, '0.5');
  assert.match(md, /\| raw synthetic \(1×\) \| 9\.05° \[/);
  assert.match(md, /\| refined synthetic \(1×\) \| 7\.05° \[/);
  assert.match(md, /\| constant predictor: always the mean direction \| 12\.00°/);
  assert.match(md, /1× 66% \[/);
  assert.match(md, /refined beats raw synthetic at 1× \(non-overlapping 95% intervals\); refined and raw synthetic overlap at 4×/);
  // Paired per run: synthetic − refined is exactly 2° in every run (1×) and −0.01·seed at 4×.
  assert.match(md, /Paired per run .*: 1× 2\.00° \[2\.00, 2\.00\] \(helped\), 4× -0\.02° \[-0\.04, 0\.00\]/);
  assert.throws(() => eyeTable2Markdown(t, '2'), /setting 2 is not in the table/);
});
