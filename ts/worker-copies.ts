/**
 * Which data arrays a set of workers holds copies of ({@link WorkerGan},
 * {@link ParallelGan}): one copy per images array and labels array, so that
 * the same images with other labels (a conditional model) are sent again. A
 * copy is dropped when it is replaced, and once the caller's images array is
 * garbage-collected.
 */

import type { TrainingData } from './upload.js'

type Labels = TrainingData['labels']

export class WorkerCopies {
  #ids = new WeakMap<Float32Array, { id: number; labels: Labels }>()
  #drop: (id: number) => void
  // Held by this object only, so it goes with its owner (whose workers are then gone too).
  #collected: FinalizationRegistry<number>

  /** `drop(id)` tells the workers to free copy `id`. */
  constructor(drop: (id: number) => void) {
    this.#drop = drop
    this.#collected = new FinalizationRegistry((id) => this.#drop(id))
  }

  /** The id of the copy of `images` with `labels`, if the workers have it; a copy with other labels is dropped. */
  get(images: Float32Array, labels: Labels): number | undefined {
    const known = this.#ids.get(images)
    if (known === undefined) return undefined
    if (known.labels === labels) return known.id
    this.#ids.delete(images)
    this.#collected.unregister(known)
    this.#drop(known.id)
    return undefined
  }

  /** Records that the workers now hold copy `id` of `images` with `labels`. */
  set(images: Float32Array, labels: Labels, id: number): void {
    const entry = { id, labels }
    this.#ids.set(images, entry)
    this.#collected.register(images, id, entry)
  }
}
