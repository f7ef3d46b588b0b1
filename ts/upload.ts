/**
 * Training data crosses into the module once: the first time an image array
 * is used for training it is copied into a module-owned dataset, and later
 * steps sample batches there without any copying across the boundary. The
 * copy is freed when the source array is garbage-collected.
 */

import type { ImageDataset } from './data.js'
import { WasmganError, describe } from './errors.js'
import { DataHandle, type Runtime } from './runtime.js'
import { invalid } from './validate.js'

/** Rows of training data: an {@link ImageDataset}, or any `count × dim` Float32Array in [-1, 1]. */
export interface TrainingData {
  /** `count × dim` values, row-major. */
  images: Float32Array
  /** Number of rows. */
  count: number
  /** Values per row. */
  dim: number
  /** Optional class label per row (kept for conditional models). */
  labels?: ImageDataset['labels']
}

const freed = new FinalizationRegistry<{ rt: Runtime; handle: number }>(({ rt, handle }) => {
  if (!rt.trapped) rt.call((x) => x.data_free(handle))
})

/** Checks the shape of `data` and returns its module-side copy. */
export function uploadData(rt: Runtime, data: TrainingData): DataHandle {
  if (data === null || typeof data !== 'object') invalid('data', 'an ImageDataset or { images, count, dim }', data)
  const { images, count, dim, labels } = data
  if (!(images instanceof Float32Array)) invalid('data.images', 'a Float32Array', images)
  if (!Number.isInteger(count) || count < 1) invalid('data.count', 'an integer ≥ 1', count)
  if (!Number.isInteger(dim) || dim < 1) invalid('data.dim', 'an integer ≥ 1', dim)
  if (images.length !== count * dim) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `data.images must hold count × dim = ${count} × ${dim} = ${count * dim} values, got ${images.length}`,
    )
  }
  if (labels !== undefined && (!(labels instanceof Uint8Array || labels instanceof Int32Array) || labels.length !== count)) {
    invalid('data.labels', `a Uint8Array or Int32Array of ${count} labels`, labels)
  }
  const cached = rt.datasets.get(images)
  // A copy serves a caller that brings no labels (an unconditional model), or the same labels array;
  // not one that brings labels it lacks or other labels for the same images (a conditional model).
  if (cached && cached.count === count && cached.dim === dim && (!labels || cached.labels === labels)) return cached
  if (cached) {
    // Replaced now rather than at garbage collection: models look their data up
    // on every call, so nothing holds the old copy.
    freed.unregister(cached)
    rt.datasets.delete(images)
    rt.check(
      rt.call((x) => x.data_free(cached.handle)),
      'freeing the previous copy of the data',
    )
  }

  for (let i = 0; i < images.length; i++) {
    const v = images[i]
    if (!(v >= -1 && v <= 1)) {
      throw new WasmganError(
        'E_INVALID_ARGUMENT',
        `data.images must hold values in [-1, 1] (scale pixels with x / 127.5 - 1), got ${describe(v)} at index ${i} (row ${Math.floor(i / dim)})`,
      )
    }
  }
  const handle = rt.handle(
    rt.call((x) => x.data_new(count, dim, labels ? 1 : 0)),
    'copying the training data into the module',
  )
  rt.writeF32(
    rt.call((x) => x.data_images_ptr(handle)),
    images,
  )
  if (labels)
    rt.writeU32(
      rt.call((x) => x.data_labels_ptr(handle)),
      labels,
    )
  const entry = new DataHandle(handle, count, dim, labels)
  rt.datasets.set(images, entry)
  freed.register(images, { rt, handle }, entry)
  return entry
}

/**
 * Checks that `data` has a label in 0..classes-1 for every row, before a
 * model that trains on labels uploads it; `who` names the model in messages.
 */
export function checkTrainingLabels(data: TrainingData, classes: number, who: string): void {
  const labels = data?.labels
  if (labels === undefined) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `${who} (classes = ${classes}) trains on labelled data, but data.labels is missing (load the dataset with its labels file)`,
    )
  }
  if (!(labels instanceof Uint8Array || labels instanceof Int32Array)) invalid('data.labels', 'a Uint8Array or Int32Array', labels)
  // The first out-of-range position per (array, classes) is remembered, as the
  // upload itself is: a training loop calls this every chunk.
  let seen = labelChecks.get(labels)
  if (!seen) labelChecks.set(labels, (seen = new Map()))
  let bad = seen.get(classes)
  if (bad === undefined) {
    bad = labels.findIndex((y) => y < 0 || y >= classes)
    seen.set(classes, bad)
  }
  if (bad >= 0) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `data.labels[${bad}] = ${labels[bad]} is out of range for ${who} with classes = ${classes} (labels must be 0..${classes - 1})`,
    )
  }
}

const labelChecks = new WeakMap<Uint8Array | Int32Array, Map<number, number>>()
