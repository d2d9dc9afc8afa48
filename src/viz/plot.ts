/**
 * Plotly figures as self-contained HTML, for notebook outputs that render with no network access.
 *
 * `application/vnd.plotly.v1+json` renders only where a plotly renderer extension is installed, so figures
 * are emitted as `text/html` that calls plotly.js in the page. The plotly.js bundle (the cartesian build from
 * npm, ~1.5 MB) is inlined once per kernel session, in the first figure's output; later figures wait for it
 * (or draw at once if it is already on the page). An executed notebook therefore carries the bundle once,
 * not once per figure, and an exported HTML file of it still renders offline.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** A plotly figure: traces, layout and config as plotly.js takes them. */
export interface PlotFigure {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** The npm package (and file) whose plotly.js is inlined. */
export const PLOTLY_PACKAGE = 'plotly.js-cartesian-dist-min';

let bundleCache: string | undefined;

/** The plotly.js source, read once from its npm package. */
export function plotlyBundle(): string {
  if (bundleCache === undefined) bundleCache = readFileSync(require.resolve(PLOTLY_PACKAGE), 'utf8');
  return bundleCache;
}

/** Make text safe inside an inline `<script>`: `</script` and `<!--` must not appear literally. */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/**
 * A `<script>` that defines `window.Plotly`, then draws any figures that were waiting for it.
 * `module`/`exports` are shadowed so the bundle's UMD header takes its browser branch even in pages
 * (e.g. some notebook front ends) that define globals of those names.
 */
export function plotlyLoaderHtml(): string {
  return (
    '<script type="text/javascript">(function(module, exports){' +
    scriptSafe(plotlyBundle()) +
    '\n}).call(window, undefined, undefined);' +
    '(window.__simganPlotlyQueue || []).splice(0).forEach(function (draw) { draw(); });</script>'
  );
}

export interface PlotHtmlOptions {
  /** Inline the plotly.js bundle in this output (default false; `showPlot` decides per session). */
  includeBundle?: boolean;
  /** Pixel height of the plot area (default: layout.height or 420). */
  height?: number;
  /** Element id (default: random). */
  id?: string;
}

/** HTML that draws `figure` with the page's plotly.js (waiting for it if it is not loaded yet). */
export function plotHtml(figure: PlotFigure, options: PlotHtmlOptions = {}): string {
  if (!figure || !Array.isArray(figure.data)) {
    throw new Error('plotHtml: figure must be { data: [...traces], layout?, config? }');
  }
  const id = options.id ?? `simgan-plot-${randomBytes(6).toString('hex')}`;
  const height = options.height ?? (typeof figure.layout?.height === 'number' ? (figure.layout.height as number) : 420);
  const payload = scriptSafe(
    JSON.stringify({ data: figure.data, layout: figure.layout ?? {}, config: { responsive: true, displaylogo: false, ...(figure.config ?? {}) } }),
  );
  const draw =
    `<div id="${id}" class="simgan-plot" style="width:100%;height:${height}px">` +
    `<span class="simgan-plot-pending" style="color:#888;font:12px sans-serif">plot loading… ` +
    `(if it stays blank, run <code>initPlots()</code> from simgan-ts and re-run this cell)</span></div>` +
    '<script type="text/javascript">(function () {' +
    `var fig = ${payload};` +
    `function draw() { var el = document.getElementById(${JSON.stringify(id)}); if (!el) return; el.innerHTML = '';` +
    ' window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); }' +
    ' if (window.Plotly) { draw(); } else { (window.__simganPlotlyQueue = window.__simganPlotlyQueue || []).push(draw); }' +
    '})();</script>';
  return (options.includeBundle ? plotlyLoaderHtml() : '') + draw;
}
