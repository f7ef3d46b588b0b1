/**
 * Paired images for translation: user pairs (two image sets of equal count
 * and size), pairs derived from any image dataset by a built-in task, and
 * the two numbers translation is judged by (L1 and PSNR).
 */

import { TaskId } from './abi.js'
import { loadImageDataset, type ImageDataset, type Source } from './data.js'
import { WasmganError, describe } from './errors.js'
import { runtime } from './load.js'
import type { Runtime } from './runtime.js'
import { integer, invalid, knownKeys, object } from './validate.js'

/**
 * Where a translator's training pairs come from: `'edges'` (an edge map of
 * the image → the image), `'inpaint'` (the image with a masked square → the
 * image), `'upscale'` (the image 4× downsampled, shown blocky at full size →
 * the image), or `'pairs'` (user-provided source and target images).
 */
export type TranslationTask = keyof typeof TaskId

/** The built-in tasks, which derive a source from any image. */
export const TRANSLATION_TASKS: readonly Exclude<TranslationTask, 'pairs'>[] = Object.freeze(['edges', 'inpaint', 'upscale'])

/** Source and target images, row by row: source i translates to target i. */
export interface PairData {
  /** Number of pairs. */
  count: number
  /** Image width and height (both sides share them). */
  width: number
  height: number
  /** Values per image: `width × height`. */
  dim: number
  /** `count × dim` values in [-1, 1]. */
  sources: Float32Array
  /** `count × dim` values in [-1, 1]. */
  targets: Float32Array
}

/** Images with their size, as loaded by `loadImageDataset` (labels are ignored). */
export type SizedImages = Pick<ImageDataset, 'count' | 'width' | 'height' | 'images'>

function checkImages(name: string, d: SizedImages): void {
  if (d === null || typeof d !== 'object') invalid(name, 'an image dataset { images, count, width, height }', d)
  if (!(d.images instanceof Float32Array)) invalid(`${name}.images`, 'a Float32Array', d.images)
  integer(`${name}.count`, d.count, 1, 2 ** 31)
  integer(`${name}.width`, d.width, 1, 1 << 15)
  integer(`${name}.height`, d.height, 1, 1 << 15)
  if (d.images.length !== d.count * d.width * d.height) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `${name}.images must hold count × height × width = ${d.count} × ${d.height} × ${d.width} values, got ${d.images.length}`,
    )
  }
}

/**
 * Pairs from two image sets of equal count and size (source i → target i).
 * @throws WasmganError `E_INVALID_ARGUMENT` when the counts or the image sizes differ.
 */
export function makePairs(sources: SizedImages, targets: SizedImages): PairData {
  checkImages('sources', sources)
  checkImages('targets', targets)
  if (sources.count !== targets.count) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `sources and targets must have the same number of images: ${sources.count} sources but ${targets.count} targets`,
    )
  }
  if (sources.width !== targets.width || sources.height !== targets.height) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `sources and targets must have the same image size: sources are ${sources.height} × ${sources.width}, targets ${targets.height} × ${targets.width}`,
    )
  }
  const { count, width, height } = sources
  return { count, width, height, dim: width * height, sources: sources.images, targets: targets.images }
}

/**
 * Loads user pairs from two IDX image files (paths, URLs or bytes, as
 * `loadIdx` accepts) and checks they match in count and size.
 */
export async function loadPairs({ sources, targets }: { sources: Source; targets: Source }): Promise<PairData> {
  const [s, t] = await Promise.all([loadImageDataset({ images: sources }), loadImageDataset({ images: targets })])
  return makePairs(s, t)
}

/** Options of {@link taskSources} and {@link taskPairs}. */
export interface TaskOptions {
  /** Side of the inpainting square in pixels (default 14, half of a 28-pixel side, or the smaller side when that is less). */
  mask?: number
  /** Seed of the random parts (inpainting squares); the same seed gives the same sources everywhere (default 0). */
  seed?: number
  /** A module instance from `instantiate()` instead of the one `init()` loaded. */
  runtime?: Runtime
}

/**
 * The sources a built-in task derives from `images` (`n × width × height`
 * values in [-1, 1]), computed by the same code that makes training pairs.
 */
export function taskSources(
  task: Exclude<TranslationTask, 'pairs'>,
  images: Float32Array,
  width: number,
  height: number,
  options: TaskOptions = {},
): Float32Array {
  if (task === ('pairs' as string) || !(TRANSLATION_TASKS as readonly string[]).includes(task)) {
    invalid('task', `one of ${TRANSLATION_TASKS.map((t) => `'${t}'`).join(', ')}`, task)
  }
  if (!(images instanceof Float32Array)) invalid('images', 'a Float32Array', images)
  integer('width', width, 1, 1 << 15)
  integer('height', height, 1, 1 << 15)
  if (images.length === 0 || images.length % (width * height) !== 0) {
    invalid('images', `whole ${height} × ${width} images (a multiple of ${width * height} values)`, images)
  }
  const o = object<TaskOptions>('task options', options)
  knownKeys('task options', o, ['mask', 'seed', 'runtime'])
  const mask = integer('mask', o.mask ?? Math.min(14, width, height), 1, Math.min(width, height))
  const seed = integer('seed', o.seed ?? 0, 0, Number.MAX_SAFE_INTEGER)
  const rt = o.runtime ?? runtime()
  rt.withCopy(images, (ptr, len) =>
    rt.check(
      rt.call((x) => x.task_sources(TaskId[task], width, height, mask, ptr, len, seed)),
      `making ${task} sources`,
    ),
  )
  return rt.resultF32()
}

/** Pairs of a built-in task on (the first `count` of) an image dataset: its sources → its images. */
export function taskPairs(
  dataset: SizedImages,
  task: Exclude<TranslationTask, 'pairs'>,
  options: TaskOptions & { count?: number } = {},
): PairData {
  checkImages('dataset', dataset)
  const { count: wanted, ...rest } = object<TaskOptions & { count?: number }>('task options', options)
  const count = integer('count', wanted ?? dataset.count, 1, dataset.count)
  const dim = dataset.width * dataset.height
  const targets = dataset.images.subarray(0, count * dim)
  const sources = taskSources(task, targets, dataset.width, dataset.height, rest)
  return { count, width: dataset.width, height: dataset.height, dim, sources, targets }
}

/** How close translated images are to their targets, with pixels scaled to [0, 1]. */
export interface TranslationScore {
  /** Mean absolute error per pixel, in [0, 1]. */
  l1: number
  /** Peak signal-to-noise ratio in dB: 10·log10(1 / MSE), from the MSE over all pixels (higher is better). */
  psnr: number
}

/**
 * L1 and PSNR of `outputs` against `targets` (both in [-1, 1], equal length),
 * on the [0, 1] pixel scale.
 */
export function translationScore(outputs: Float32Array, targets: Float32Array): TranslationScore {
  if (!(outputs instanceof Float32Array)) invalid('outputs', 'a Float32Array', outputs)
  if (!(targets instanceof Float32Array)) invalid('targets', 'a Float32Array', targets)
  if (outputs.length !== targets.length || outputs.length === 0) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `outputs and targets must have the same non-zero length, got ${describe(outputs)} and ${describe(targets)}`,
    )
  }
  let abs = 0
  let sq = 0
  for (let i = 0; i < outputs.length; i++) {
    // Differences halved: [-1, 1] → [0, 1].
    const d = (outputs[i] - targets[i]) / 2
    abs += Math.abs(d)
    sq += d * d
  }
  const mse = sq / outputs.length
  return { l1: abs / outputs.length, psnr: mse === 0 ? Infinity : 10 * Math.log10(1 / mse) }
}
