/**
 * Inline display in tslab notebooks: image grids as PNG, plotly figures as HTML.
 *
 * Everything goes through a `DisplaySink` (tslab's `display` by default), so the same calls can be tested
 * with a recording sink, and a live-updating output (`liveDisplay`) is just another sink.
 */
import { imageGridPng, ImageGridOptions, ImageSource } from './image-grid';
import { PlotFigure, plotHtml, plotlyLoaderHtml } from './plot';

/** The part of tslab's `Display` this module writes to. */
export interface DisplaySink {
  png(b: Uint8Array): void;
  html(s: string): void;
  text(s: string): void;
  markdown?(s: string): void;
}

interface TslabModule {
  display: DisplaySink;
  newDisplay(): DisplaySink;
}

function tslab(): TslabModule {
  try {
    // Loaded lazily: the library is also used from the CLI and tests, where no kernel is running.
    return require('tslab') as TslabModule;
  } catch (e) {
    throw new Error(`inline display needs the tslab package (npm install tslab): ${(e as Error).message}`);
  }
}

function defaultSink(): DisplaySink {
  return tslab().display;
}

let plotlyEmitted = false;

/**
 * Put plotly.js on the page once per kernel session, in an output of its own (so no later update of a
 * live display can overwrite it). `showPlot` calls it; call it yourself with `force` after clearing all
 * outputs of a running notebook.
 */
export function initPlots(options: { force?: boolean; sink?: DisplaySink } = {}): void {
  if (plotlyEmitted && !options.force) return;
  (options.sink ?? defaultSink()).html(plotlyLoaderHtml());
  plotlyEmitted = true;
}

/** For tests: forget that the bundle was emitted. */
export function resetPlotSession(): void {
  plotlyEmitted = false;
}

/** Show a plotly figure inline. */
export function showPlot(figure: PlotFigure, options: { height?: number; sink?: DisplaySink } = {}): void {
  const html = plotHtml(figure, { height: options.height });
  // The bundle always goes to the plain display: a live sink's next update would overwrite it.
  initPlots({ sink: options.sink && !isLive(options.sink) ? options.sink : undefined });
  (options.sink ?? defaultSink()).html(html);
}

/**
 * Show images as one PNG grid inline (see `ImageGridOptions` for captions, scale and value range).
 * Resolves to nothing, so a notebook cell ending in it prints nothing; `imageGridPng` gives the bytes.
 */
export async function showImages(
  sources: ImageSource | ImageSource[],
  options: ImageGridOptions & { sink?: DisplaySink } = {},
): Promise<void> {
  (options.sink ?? defaultSink()).png(await imageGridPng(sources, options));
}

/** Show PNG bytes (e.g. a grid from `variantsGrid` or a run's sample) inline. */
export function showPng(png: Uint8Array, options: { sink?: DisplaySink } = {}): void {
  (options.sink ?? defaultSink()).png(png);
}

/** Show markdown inline (findings generated from numbers). */
export function showMarkdown(md: string, options: { sink?: DisplaySink } = {}): void {
  const sink = options.sink ?? defaultSink();
  if (sink.markdown) sink.markdown(md);
  else sink.text(md);
}

/** Show an HTML fragment inline (e.g. `turingSummaryHtml(runDir)`: the visual Turing test's table). */
export function showHtml(html: string, options: { sink?: DisplaySink } = {}): void {
  (options.sink ?? defaultSink()).html(html);
}

const liveSinks = new WeakSet<DisplaySink>();

function isLive(sink: DisplaySink): boolean {
  return liveSinks.has(sink);
}

/**
 * A display entry that each call overwrites: pass it as `sink` to `showPlot`/`showImages` from a
 * training callback for live curves and image grids.
 */
export function liveDisplay(): DisplaySink {
  const sink = tslab().newDisplay();
  liveSinks.add(sink);
  return sink;
}
