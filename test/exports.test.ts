/**
 * The public surface of the package, as a snapshot: adding, removing or
 * renaming an export shows up in review as a change to this list.
 */

import { expect, it } from 'vitest'
import * as wasmgan from '../ts/index.js'

it('exports exactly the public API', () => {
  expect(Object.keys(wasmgan).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_CONFIG",
      "DEFAULT_OPTIMIZER",
      "FASHION_MNIST_CLASSES",
      "FASHION_MNIST_DIR",
      "Gan",
      "MNIST_CLASSES",
      "MNIST_DIR",
      "ParallelGan",
      "WasmganError",
      "WorkerGan",
      "encodeIdx",
      "encodeIdxRaw",
      "imageGrid",
      "imagesFromIdx",
      "init",
      "instantiate",
      "loadFashionMnist",
      "loadIdx",
      "loadImageDataset",
      "loadMnist",
      "parseIdx",
      "parseIdxRaw",
      "simdSupported",
      "toRgba",
    ]
  `)
})
