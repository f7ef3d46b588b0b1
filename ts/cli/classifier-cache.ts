/**
 * The classifier behind the quality score, trained once per dataset and
 * seed and cached on disk (Node only): training it takes seconds, and every
 * score of a dataset must use the same one to be comparable.
 *
 * Cache key: SHA-256 of the training images' bytes, their count and
 * dimension, the classifier's config and step count. Files are written
 * atomically (temporary file, then rename).
 */

import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Classifier, type ClassifierConfig } from '../classifier.js'
import type { ImageDataset } from '../data.js'
import { cacheRoot } from './resolve-dataset.js'

/** Steps the score's classifier trains for (batch 64: about 2 epochs of Fashion-MNIST). */
export const SCORE_CLASSIFIER_STEPS = 2000

/** Batch of the score classifier's training: it needs at least this many labelled images. */
export const SCORE_CLASSIFIER_BATCH = 64

/** Where classifiers are cached: `classifiers/` in the CLI's per-user cache (see `cacheRoot`). */
export function classifierCacheDir(): string {
  return join(cacheRoot(), 'classifiers')
}

/**
 * The score classifier for `train` (a labelled train split): loaded from the
 * cache, or trained and cached. `log` receives one line when it trains.
 */
export async function scoreClassifier(
  train: ImageDataset,
  options: { seed?: number; steps?: number; cacheDir?: string; log?: (line: string) => void } = {},
): Promise<{ classifier: Classifier; cached: boolean; path: string }> {
  if (!train.labels) throw new Error('the quality score needs a labelled dataset (its classifier learns the classes)')
  const classes = train.classes ?? 10
  const config: ClassifierConfig = {
    dataDim: train.dim,
    classes,
    seed: options.seed ?? 0,
    ...(train.classNames ? { classNames: train.classNames } : {}),
  }
  const steps = options.steps ?? SCORE_CLASSIFIER_STEPS
  const hash = createHash('sha256')
  hash.update(new Uint8Array(train.images.buffer, train.images.byteOffset, train.images.byteLength))
  hash.update(new Uint8Array(train.labels.buffer, train.labels.byteOffset, train.labels.byteLength))
  hash.update(JSON.stringify({ count: train.count, dim: train.dim, config, steps, format: 1 }))
  const dir = options.cacheDir ?? classifierCacheDir()
  const path = join(dir, `${hash.digest('hex').slice(0, 24)}.wgc`)
  try {
    return { classifier: Classifier.load(new Uint8Array(await readFile(path))), cached: true, path }
  } catch {
    // Missing or unreadable: train a new one.
  }
  options.log?.(`training the score classifier (${steps} steps, once per dataset; cached in ${dir})`)
  const classifier = new Classifier(config)
  classifier.train(train, steps, { batchSize: SCORE_CLASSIFIER_BATCH })
  await mkdir(dir, { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, classifier.save())
  await rename(tmp, path)
  return { classifier, cached: false, path }
}
