/**
 * A sample-quality score computed by the library itself: the Fréchet
 * distance between generated and real held-out images in the feature space
 * of a classifier trained on the dataset (the FID recipe, with the library's
 * own MLP classifier in place of Inception), plus how the samples spread over
 * the classes (mode coverage) and, for conditional models, how often a
 * sample is classified as the class it was asked for.
 *
 * Lower distance is better; 0 means the feature statistics match. The value
 * depends on the classifier, so compare scores made with the same one (the
 * CLI caches one per dataset and seed).
 */

import type { Classifier } from './classifier.js'
import { WasmganError } from './errors.js'
import { featureStats, frechetDistance, type FeatureStats } from './frechet.js'
import type { Gan } from './gan.js'
import type { TrainingData } from './upload.js'
import { integer, invalid, knownKeys, object } from './validate.js'

/** How generated (or any) images spread over the classifier's classes. */
export interface Coverage {
  /** Fraction of the images assigned to each class. */
  histogram: number[]
  /** Classes holding at least a quarter of their fair share (1 / classes / 4). */
  covered: number
  /** Entropy of the histogram divided by ln(classes): 1 = perfectly even, 0 = one class. */
  evenness: number
}

/** The quality score of a set of images. */
export interface QualityScore {
  /** Fréchet distance to the real images in classifier feature space (lower is better). */
  fd: number
  /** Spread over the classes. */
  coverage: Coverage
  /** Conditional models: fraction of samples classified as the requested class. */
  classAccuracy?: number
  /** Images scored. */
  samples: number
}

/** Options of {@link evaluate} and {@link scoreImages}. */
export interface EvaluateOptions {
  /** A classifier trained on the dataset's train split (same image size, same classes). */
  classifier: Classifier
  /** Real held-out images (e.g. the test split) to compare against. */
  real: TrainingData
  /** Images to generate and compare (default 2000, at most the real count). */
  samples?: number
  /** Seed of the generated samples (default 0): the same seed gives the same score. */
  seed?: number
}

/** Feature statistics of the real images, cached per classifier and array. */
const realCache = new WeakMap<Classifier, WeakMap<Float32Array, Map<number, FeatureStats>>>()

function realStats(classifier: Classifier, real: TrainingData, n: number): FeatureStats {
  let byArray = realCache.get(classifier)
  if (!byArray) realCache.set(classifier, (byArray = new WeakMap()))
  let byCount = byArray.get(real.images)
  if (!byCount) byArray.set(real.images, (byCount = new Map()))
  let stats = byCount.get(n)
  if (!stats) {
    stats = featureStats(classifier.features(real.images.subarray(0, n * real.dim)), n)
    byCount.set(n, stats)
  }
  return stats
}

/** Class histogram, coverage and evenness of predicted classes. */
export function coverageOf(predicted: Uint32Array, classes: number): Coverage {
  const counts = new Array<number>(classes).fill(0)
  for (const c of predicted) counts[c]++
  const histogram = counts.map((c) => c / predicted.length)
  const fair = 1 / classes
  let entropy = 0
  for (const p of histogram) if (p > 0) entropy -= p * Math.log(p)
  return {
    histogram,
    covered: histogram.filter((p) => p >= fair / 4).length,
    evenness: entropy / Math.log(classes),
  }
}

function check(options: EvaluateOptions, dataDim: number): { n: number; seed: number } {
  const o = object<EvaluateOptions>('evaluate options', options)
  knownKeys('evaluate options', o, ['classifier', 'real', 'samples', 'seed'])
  if (!o.classifier || typeof o.classifier.features !== 'function') invalid('classifier', 'a trained Classifier', o.classifier)
  if (!o.real || !(o.real.images instanceof Float32Array)) invalid('real', 'held-out images ({ images, count, dim })', o.real)
  if (o.real.dim !== dataDim || o.classifier.config.dataDim !== dataDim) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `image sizes differ: images have ${dataDim} values, real images ${o.real.dim}, the classifier reads ${o.classifier.config.dataDim}`,
    )
  }
  const n = integer('samples', o.samples ?? Math.min(2000, o.real.count), 2, o.real.count)
  return { n, seed: integer('seed', o.seed ?? 0, 0, Number.MAX_SAFE_INTEGER) }
}

/** Scores given images (`count × dim`) against the real ones: the sanity checks use this directly. */
export function scoreImages(images: Float32Array, count: number, options: EvaluateOptions): QualityScore {
  const dim = images.length / count
  const { n } = check({ ...options, samples: options.samples ?? Math.min(count, options.real.count, 2000) }, dim)
  const used = images.subarray(0, n * dim)
  const fd = frechetDistance(featureStats(options.classifier.features(used), n), realStats(options.classifier, options.real, n))
  return { fd, coverage: coverageOf(options.classifier.predict(used), options.classifier.config.classes), samples: n }
}

/**
 * Scores a GAN: generates `samples` images from a fixed seed (for a
 * conditional GAN, equal shares of every class) and compares them with the
 * real held-out images.
 */
export function evaluate(model: Gan, options: EvaluateOptions): QualityScore {
  const { n, seed } = check(options, model.config.dataDim)
  const k = model.config.classes
  const labels = k > 0 ? Uint32Array.from({ length: n }, (_, i) => i % k) : undefined
  const images = model.sample(n, labels ? { seed, labels } : { seed })
  const score = scoreImages(images, n, { ...options, samples: n })
  if (labels) {
    if (options.classifier.config.classes !== k) {
      throw new WasmganError('E_INVALID_ARGUMENT', `the classifier has ${options.classifier.config.classes} classes but the GAN has ${k}`)
    }
    const predicted = options.classifier.predict(images)
    let hits = 0
    for (let i = 0; i < n; i++) if (predicted[i] === labels[i]) hits++
    score.classAccuracy = hits / n
  }
  return score
}
