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
export { showImages, showPlot, showPng, showMarkdown, initPlots, liveDisplay } from './viz/display';
export { lossCurvesFigure, metricVsSettingFigure, tradeoffFigure, histogramFigure, histogramCounts, smooth } from './viz/figures';
export type { SettingSeries, TradeoffPoint } from './viz/figures';
export { budget, budgetName } from './budget';
export type { Budget, BudgetName } from './budget';
export { runAblation, ablationSpec, ablationDir, ablationTable, twoWayFinding, lambdaFinding, variantsGrid, compare, ABLATION_KEY, METRICS } from './ablations';
export type { Ablation } from './ablations';
export { evaluateRun, refineDataset, loadRunRefiner } from './eval/evaluate';
export type { EvalReport, EvalOptions } from './eval/evaluate';
export { c2st } from './eval/c2st';
export { summarize, formatSummary, intervalsSeparate } from './eval/stats';
export type { Summary } from './eval/stats';
export { accuracy, angleDeg, gazeErrors } from './eval/metrics';
export { runSweep, expandGrid, parseGrid, writeSummary } from './runs/sweep';
export type { SweepSpec, SweepRow, SweepPoint } from './runs/sweep';
export { aggregateBy } from './runs/aggregate';
export { buildGazeEstimator, trainGazeEstimator, predictGaze } from './nets/task';
export { loadRealSplit } from './data/registry';
export type { DisplaySink } from './viz/display';
export { datasetCatalog, locateDataset, sourceNames } from './data/catalog';
export type { DatasetStatus } from './data/catalog';
export { renderEyes, renderEye, sampleEyeParams, gazeVector, gazeAngles, EYE_LABEL_NAMES } from './data/eyes-sim';
export { renderDigits } from './data/digits-sim';
export { loadMnist } from './data/mnist';
export { loadMpiigazeCsv, loadImageFolder, loadMpiigazeOfficial } from './data/mpiigaze';
export { loadUnityEyes } from './data/unityeyes';
export { decodeNyuDepth, loadNyuHandCrops } from './data/nyu-hands';
export { readMat } from './data/matlab';
export { loadGray, grayPng } from './data/images';
export { DataError, SkipLog } from './data/errors';
export { buildDigitClassifier, trainDigitClassifier, classifierAccuracy, predictClasses } from './nets/task';
export { projectRoot, dataDir, sharedDataDir } from './paths';
export { preset, resolveConfig, applyOverrides, validateConfig, configKeys, PRESETS, ConfigError } from './config';
export type { SimGANConfig, OptimizerSpec, DiscriminatorLayer } from './config';
export { buildRefiner } from './nets/refiner';
export { buildDiscriminator, discriminatorOutputShape } from './nets/discriminator';
export { describeConfig, formatDescription } from './nets/describe';
export type { ConfigDescription, NetworkDescription, LayerRow } from './nets/describe';
export * as losses from './losses';
export { LABEL } from './losses';
export { ImageHistoryBuffer } from './history';
export type { HistorySnapshot } from './history';
export { ArrayImageDataset, sampleIndices, shuffledIndices, splitDataset, cachedDataset, readDatasetCache, writeDatasetCache } from './data/dataset';
export type { ImageDataset, DomainPair } from './data/dataset';
export { renderToy } from './data/toy';
export { loadDataset, loadDomains, loadSource, knownDatasets } from './data/registry';
export { SimGANTrainer, makeOptimizer } from './train/trainer';
export type { RefinerStepResult, DiscriminatorStepResult } from './train/trainer';
export { train, totalSteps, phaseOf, sampleGrid, TrainingDivergedError } from './train/train';
export type { TrainOptions, TrainResult, StepMetrics, Phase } from './train/train';
export { CollapseMonitor } from './train/monitor';
export { runPaths, readRunConfig, readMetrics } from './runs/run-dir';
export { latestCheckpoint, loadModelWeights } from './runs/checkpoint';
export { Rng } from './util/random';
