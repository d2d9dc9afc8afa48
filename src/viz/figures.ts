/**
 * Plotly figure builders for training curves and sweep results. Pure: data in, `PlotFigure` out (shown
 * with `showPlot`, or saved), so they are tested without a browser.
 */
import type { Summary } from '../eval/stats';
import type { StepMetrics } from '../train/train';
import type { PlotFigure } from './plot';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

/** Moving average over `window` points (shorter at the start), for readable noisy curves. */
export function smooth(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/**
 * Loss curves of one run: L_R, L_D (left axis) and D's accuracy on refined and real images (right axis),
 * smoothed over `window` steps; pretraining phases shaded.
 */
export function lossCurvesFigure(metrics: Partial<StepMetrics>[], options: { title?: string; window?: number } = {}): PlotFigure {
  const w = options.window ?? 10;
  const series = (key: keyof StepMetrics) => {
    const pts = metrics.filter((m) => typeof m[key] === 'number');
    return { x: pts.map((m) => m.step as number), y: smooth(pts.map((m) => m[key] as number), w) };
  };
  const line = (key: keyof StepMetrics, name: string, color: string, yaxis = 'y', dash = 'solid') => ({
    ...series(key), name, type: 'scatter', mode: 'lines', yaxis, line: { color, dash, width: 1.5 },
  });
  const shapes = (['pretrain-refiner', 'pretrain-discriminator'] as const).flatMap((phase, i) => {
    const steps = metrics.filter((m) => m.phase === phase).map((m) => m.step as number);
    return steps.length
      ? [{ type: 'rect', xref: 'x', yref: 'paper', x0: Math.min(...steps) - 0.5, x1: Math.max(...steps) + 0.5, y0: 0, y1: 1, fillcolor: i ? '#f4e9d8' : '#e8eef6', line: { width: 0 }, layer: 'below' }]
      : [];
  });
  return {
    data: [
      line('refinerLoss', 'L_R (refiner)', PALETTE[0]),
      line('discriminatorLoss', 'L_D (discriminator)', PALETTE[1]),
      line('accRefined', 'D accuracy on refined', PALETTE[2], 'y2', 'dot'),
      line('accReal', 'D accuracy on real', PALETTE[3], 'y2', 'dot'),
    ],
    layout: {
      title: { text: options.title ?? 'training' },
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: 'loss' } },
      yaxis2: { title: { text: 'D accuracy' }, overlaying: 'y', side: 'right', range: [0, 1] },
      shapes,
      legend: { orientation: 'h', y: -0.2 },
      height: 380,
      margin: { t: 40, r: 60 },
    },
  };
}

export interface SettingSeries {
  /** Legend name of the series (e.g. "refined", "raw synthetic"). */
  name: string;
  /** One summary per setting, in the order of `settings`. */
  values: Array<Summary | undefined>;
}

/** A metric against a setting (categories or numbers) with 95% error bars, one series per quantity. */
export interface Reference {
  y: number;
  label: string;
  /** A 95% interval drawn as a band around the line. */
  low?: number;
  high?: number;
  color?: string;
}

const REFERENCE_COLORS = ['#d62728', '#2ca02c', '#7f7f7f', '#9467bd'];

/** A y range around `values` with 8% padding each side (undefined when there are none). */
export function fittedRange(values: number[]): [number, number] | undefined {
  const v = values.filter(Number.isFinite);
  if (!v.length) return undefined;
  const lo = Math.min(...v), hi = Math.max(...v);
  const pad = Math.max((hi - lo) * 0.08, Math.abs(hi) * 0.01, 1e-6);
  return [lo - pad, hi + pad];
}

export function metricVsSettingFigure(
  settings: string[],
  series: SettingSeries[],
  options: {
    title: string; xTitle: string; yTitle: string; logX?: boolean;
    /** Default: fitted to the intervals and references (so differences of a few points stay readable). */
    yRange?: [number, number];
    reference?: { y: number; label: string };
    /** Horizontal reference lines (e.g. the raw-synthetic-trained and real-trained levels), each with an
     *  optional shaded 95% band. */
    references?: Reference[];
  },
): PlotFigure {
  const numeric = options.logX === true;
  const data = series.map((s, i) => {
    const pts = settings.map((x, k) => ({ x, v: s.values[k] })).filter((p) => p.v !== undefined) as Array<{ x: string; v: Summary }>;
    return {
      name: s.name,
      type: 'scatter',
      mode: 'lines+markers',
      x: pts.map((p) => (numeric ? Number(p.x) : p.x)),
      y: pts.map((p) => p.v.mean),
      error_y: { type: 'data', symmetric: false, array: pts.map((p) => p.v.high - p.v.mean), arrayminus: pts.map((p) => p.v.mean - p.v.low), visible: true },
      marker: { color: PALETTE[i % PALETTE.length], size: 8 },
      line: { color: PALETTE[i % PALETTE.length] },
      text: pts.map((p) => `n=${p.v.n}`),
    };
  });
  const refs: Reference[] = [...(options.reference ? [options.reference] : []), ...(options.references ?? [])];
  const shapes = refs.flatMap((r, i) => {
    const color = r.color ?? (options.reference && i === 0 ? '#888' : REFERENCE_COLORS[i % REFERENCE_COLORS.length]);
    const band = r.low !== undefined && r.high !== undefined && r.high > r.low
      ? [{ type: 'rect', xref: 'paper', x0: 0, x1: 1, y0: r.low, y1: r.high, fillcolor: color, opacity: 0.12, line: { width: 0 } }]
      : [];
    return [...band, { type: 'line', xref: 'paper', x0: 0, x1: 1, y0: r.y, y1: r.y, line: { dash: 'dash', color } }];
  });
  const annotations = refs.map((r, i) => ({
    xref: 'paper', x: 1, y: r.y, text: r.label, showarrow: false, xanchor: 'right', yanchor: 'bottom',
    font: { color: r.color ?? (options.reference && i === 0 ? '#888' : REFERENCE_COLORS[i % REFERENCE_COLORS.length]) },
  }));
  const yRange = options.yRange ?? fittedRange([
    ...series.flatMap((s) => s.values.flatMap((v) => (v ? [v.low, v.high, v.mean] : []))),
    ...refs.flatMap((r) => [r.y, r.low ?? r.y, r.high ?? r.y]),
  ]);
  return {
    data,
    layout: {
      title: { text: options.title },
      xaxis: { title: { text: options.xTitle }, ...(numeric ? { type: 'log' } : { type: 'category' }) },
      yaxis: { title: { text: options.yTitle }, ...(yRange ? { range: yRange } : {}) },
      shapes,
      annotations,
      height: 380,
      margin: { t: 40 },
    },
  };
}

export interface TradeoffPoint {
  label: string;
  x: Summary;
  y: Summary;
}

/** Realism vs label preservation (or any two summaries) per setting, with error bars both ways. */
export function tradeoffFigure(points: TradeoffPoint[], options: { title: string; xTitle: string; yTitle: string }): PlotFigure {
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers+text',
        x: points.map((p) => p.x.mean),
        y: points.map((p) => p.y.mean),
        text: points.map((p) => p.label),
        textposition: 'top center',
        error_x: { type: 'data', symmetric: false, array: points.map((p) => p.x.high - p.x.mean), arrayminus: points.map((p) => p.x.mean - p.x.low) },
        error_y: { type: 'data', symmetric: false, array: points.map((p) => p.y.high - p.y.mean), arrayminus: points.map((p) => p.y.mean - p.y.low) },
        marker: { size: 10, color: PALETTE[0] },
      },
    ],
    layout: { title: { text: options.title }, xaxis: { title: { text: options.xTitle } }, yaxis: { title: { text: options.yTitle } }, height: 420, margin: { t: 40 } },
  };
}

/** Counts of `values` in `bins` equal bins over [lo, hi] (values outside are clamped into the end bins). */
export function histogramCounts(values: ArrayLike<number>, bins: number, [lo, hi]: [number, number]): number[] {
  const counts = Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)))]++;
  }
  return counts;
}

/**
 * Overlaid histograms as bar traces of precomputed fractions: the figure carries `bins` numbers per series
 * instead of every value (a notebook with raw pixel histograms grew past 10 MB).
 */
export function histogramFigure(series: Array<{ name: string; values: ArrayLike<number> }>, options: { title: string; bins?: number; range: [number, number]; logY?: boolean; xTitle?: string }): PlotFigure {
  const bins = options.bins ?? 50;
  const [lo, hi] = options.range;
  const centres = Array.from({ length: bins }, (_, i) => lo + ((i + 0.5) * (hi - lo)) / bins);
  return {
    data: series.map((s, k) => {
      const counts = histogramCounts(s.values, bins, options.range);
      const total = counts.reduce((a, b) => a + b, 0) || 1;
      return { type: 'bar', name: s.name, x: centres, y: counts.map((c) => c / total), opacity: 0.6, marker: { color: PALETTE[k % PALETTE.length] } };
    }),
    layout: {
      title: { text: options.title },
      barmode: 'overlay',
      bargap: 0,
      xaxis: { title: { text: options.xTitle ?? 'value' } },
      yaxis: { title: { text: 'fraction' }, ...(options.logY ? { type: 'log' } : {}) },
      height: 320,
      margin: { t: 40 },
    },
  };
}
