/**
 * simgan-ts: SimGAN (Shrivastava et al., CVPR 2017) on TensorFlow.js.
 *
 * `tf` is the tfjs namespace every part of the library uses; after `selectBackend()` it runs on the
 * chosen backend.
 */
export { tf, selectBackend, describeBackend, probeNativePackages, BACKEND_PREFERENCES, NATIVE_PACKAGES } from './backend';
export type { BackendInfo, BackendPreference, NativePackage, NativeProbe, SelectOptions } from './backend';
export { registerWasmConvGradients } from './kernels/wasm-conv-grads';
export { imageGridPng, autoRange } from './viz/image-grid';
export type { ImageGridOptions, ImageSource } from './viz/image-grid';
export { plotHtml, plotlyLoaderHtml, PLOTLY_PACKAGE } from './viz/plot';
export type { PlotFigure, PlotHtmlOptions } from './viz/plot';
export { showImages, showPlot, initPlots, liveDisplay } from './viz/display';
export type { DisplaySink } from './viz/display';
export { datasetCatalog, locateDataset } from './data/catalog';
export type { DatasetStatus } from './data/catalog';
export { projectRoot, dataDir, sharedDataDir } from './paths';
