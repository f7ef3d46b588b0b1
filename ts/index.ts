/**
 * wasmgan: train and run GANs with a Rust core compiled to WebAssembly SIMD,
 * with the same API in Node, Bun, Deno, browsers and workers.
 *
 * ```ts
 * import { init, Gan, loadFashionMnist } from 'wasmgan'
 * await init()
 * const data = await loadFashionMnist()
 * const gan = new Gan({ seed: 7 })
 * for await (const p of gan.fit(data, { epochs: 1 })) console.log(p.step, p.dLoss, p.gLoss)
 * const images = gan.sample(64)
 * ```
 */

export { init, instantiate, simdSupported, type InitOptions, type WasmInfo, type WasmSource } from './load.js'
export {
  Gan,
  type FitOptions,
  type FitProgress,
  type ModelOptions,
  type SampleOptions,
  type StepMetrics,
  type TrainOptions,
} from './gan.js'
export { WorkerGan, type WorkerDataset, type WorkerGanOptions } from './worker-gan.js'
export {
  DEFAULT_CONFIG,
  DEFAULT_OPTIMIZER,
  RECORD_ABSENT,
  type Conditioning,
  type GanConfig,
  type OptimizerConfig,
  type ResolvedGanConfig,
} from './config.js'
export {
  Classifier,
  conditionalAccuracy,
  DEFAULT_CLASSIFIER_CONFIG,
  type ClassifierConfig,
  type ClassifierMetrics,
  type ConditionalAccuracy,
  type ResolvedClassifierConfig,
} from './classifier.js'
export {
  Translator,
  DEFAULT_TRANSLATOR_CONFIG,
  resolveTranslatorConfig,
  type ResolvedTranslatorConfig,
  type TranslatorConfig,
  type TranslatorEvaluation,
  type TranslatorMetrics,
} from './translator.js'
export {
  loadPairs,
  makePairs,
  taskPairs,
  taskSources,
  translationScore,
  TRANSLATION_TASKS,
  type PairData,
  type SizedImages,
  type TaskOptions,
  type TranslationScore,
  type TranslationTask,
} from './pairs.js'
export { checkpointKind, type CheckpointKind } from './model.js'
export type { LoopOptions, LoopProgress } from './fit.js'
export { ParallelGan, type ParallelOptions, type ParallelTrainOptions } from './parallel.js'
export type { TrainingData } from './upload.js'
export type { TrainingWarning } from './diagnostics.js'
export { evaluate, scoreImages, coverageOf, type Coverage, type EvaluateOptions, type QualityScore } from './evaluate.js'
export { featureStats, frechetDistance, type FeatureStats } from './frechet.js'
export type { Runtime } from './runtime.js'
export { WasmganError, type ErrorCode } from './errors.js'
export {
  parseIdx,
  parseIdxRaw,
  encodeIdx,
  encodeIdxRaw,
  type IdxArray,
  type IdxData,
  type IdxDtype,
  type IdxInput,
  type EncodeIdxOptions,
} from './idx.js'
export {
  loadIdx,
  loadImageDataset,
  loadFashionMnist,
  loadMnist,
  imagesFromIdx,
  FASHION_MNIST_CLASSES,
  MNIST_CLASSES,
  FASHION_MNIST_DIR,
  MNIST_DIR,
  type ImageDataset,
  type Source,
  type Split,
} from './data.js'
export { imageGrid, toRgba, type GreyImage, type GridOptions } from './grid.js'
