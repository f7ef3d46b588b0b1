/**
 * The public surface of the package, as a snapshot: adding, removing or
 * renaming an export shows up in review as a change to this list.
 */

import { expect, it } from 'vitest'
import * as wasmgan from '../ts/index.js'

it('exports exactly the public API', () => {
  expect(Object.keys(wasmgan).sort()).toMatchInlineSnapshot(`
    [
      "Classifier",
      "DEFAULT_CLASSIFIER_CONFIG",
      "DEFAULT_CONFIG",
      "DEFAULT_OPTIMIZER",
      "DEFAULT_TRANSLATOR_CONFIG",
      "FASHION_MNIST_CLASSES",
      "FASHION_MNIST_DIR",
      "Gan",
      "MNIST_CLASSES",
      "MNIST_DIR",
      "ParallelGan",
      "RECORD_ABSENT",
      "TRANSLATION_TASKS",
      "Translator",
      "WasmganError",
      "WorkerGan",
      "checkpointKind",
      "conditionalAccuracy",
      "coverageOf",
      "encodeIdx",
      "encodeIdxRaw",
      "evaluate",
      "featureStats",
      "frechetDistance",
      "imageGrid",
      "imagesFromIdx",
      "init",
      "instantiate",
      "loadFashionMnist",
      "loadIdx",
      "loadImageDataset",
      "loadMnist",
      "loadPairs",
      "makePairs",
      "parseIdx",
      "parseIdxRaw",
      "resolveTranslatorConfig",
      "scoreImages",
      "simdSupported",
      "taskPairs",
      "taskSources",
      "toRgba",
      "translationScore",
    ]
  `)
})
