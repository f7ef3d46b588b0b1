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
  if (cached && cached.count === count && cached.dim === dim) return cached

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
  const entry = new DataHandle(handle, count, dim)
  rt.datasets.set(images, entry)
  freed.register(images, { rt, handle })
  return entry
}
