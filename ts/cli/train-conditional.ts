/**
 * What `wasmgan train --conditional` adds to a GAN run: the snapshot grid
 * becomes a class grid (one row per class, classes in order, from fixed
 * latent vectors), and every snapshot records the class accuracy, the
 * fraction of samples that the library's score classifier (cached per
 * dataset, see classifier-cache.ts) assigns to the class they were generated
 * for, with that classifier's own held-out accuracy beside it.
 */

import { conditionalAccuracy } from '../classifier.js'
import type { ImageDataset } from '../data.js'
import type { Gan } from '../gan.js'
import { imageGrid, type GreyImage } from '../grid.js'
import { CliError, EXIT } from './errors.js'
import type { RunConfig } from './run-config.js'
import { round4, type ScoreContext } from './snapshot-score.js'
import type { SnapshotHook } from './train.js'

/** Samples per class in a class grid (its columns). */
export const CLASS_GRID_COLUMNS = 10
/** Samples the class accuracy is measured on at every snapshot (equal shares of the classes). */
export const ACCURACY_SAMPLES = 2000

/** True when the run trains a conditional GAN. */
export function isConditional(config: RunConfig): boolean {
  return (config.model.classes ?? 0) > 0
}

/** The class grid of a conditional GAN: row r is class r, `CLASS_GRID_COLUMNS` fixed latent vectors per row. */
export function classGrid(gan: Gan, seed: number): GreyImage {
  const k = gan.config.classes
  const { images } = gan.sampleClasses(CLASS_GRID_COLUMNS, { seed })
  const side = Math.round(Math.sqrt(gan.config.dataDim))
  return imageGrid(images, k * CLASS_GRID_COLUMNS, {
    columns: CLASS_GRID_COLUMNS,
    ...(side * side === gan.config.dataDim ? {} : { imageWidth: gan.config.dataDim }),
  })
}

/** Refuses (exit 3) data a conditional GAN cannot train on. */
export function checkLabelled(data: ImageDataset, where: string): void {
  if (!data.labels) {
    throw new CliError(
      EXIT.data,
      `--conditional needs labels, but ${where} has no label file (an IDX1 file beside the images, e.g. train-labels-idx1-ubyte.gz)`,
    )
  }
  if ((data.classes ?? 0) < 2) {
    throw new CliError(EXIT.data, `--conditional needs at least 2 classes, but the labels of ${where} hold ${data.classes ?? 0}`)
  }
}

/** The class-accuracy hook. */
export interface ConditionalScoring {
  hook: SnapshotHook
  /** The classifier's accuracy on held-out real images. */
  classifierAccuracy: number
}

/**
 * Measures the score classifier (shared with the quality score through
 * `ctx`) on held-out images (the test split when present); the hook then
 * adds `classAccuracy` and `classifierAccuracy` to every metrics line.
 */
export async function conditionalScoring(ctx: ScoreContext, classes: number): Promise<ConditionalScoring> {
  if (!ctx.train.labels) throw new CliError(EXIT.data, 'the class accuracy needs labelled data')
  const classifier = await ctx.classifier()
  if (classifier.config.classes !== classes) {
    throw new CliError(EXIT.data, `the score classifier has ${classifier.config.classes} classes but the model ${classes}`)
  }
  const classifierAccuracy = classifier.accuracy(ctx.heldOut)
  return {
    classifierAccuracy,
    hook: ({ gan }) => {
      const a = conditionalAccuracy(gan, classifier, { samples: ACCURACY_SAMPLES, seed: 99 })
      return { classAccuracy: round4(a.accuracy), classifierAccuracy: round4(classifierAccuracy) }
    },
  }
}
