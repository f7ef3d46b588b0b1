/**
 * The quality score at every snapshot of `wasmgan train`: a {@link SnapshotHook}
 * that adds the Fréchet distance (in the cached score classifier's feature
 * space), the classes covered and the evenness to the snapshot's metrics
 * line (a conditional run's class accuracy comes from train-conditional.ts).
 *
 * It is kept cheap: a fixed set of {@link SNAPSHOT_SCORE_SAMPLES} held-out
 * images (their feature statistics are computed once and cached by
 * `evaluate`), and as many samples from a fixed seed, so the curve shows the
 * model changing and not the noise of new draws. `wasmgan eval` scores 2000
 * samples, so its FD and the last snapshot's are close but not equal.
 */

import type { Classifier } from '../classifier.js'
import type { ImageDataset } from '../data.js'
import { evaluate } from '../evaluate.js'
import { SCORE_CLASSIFIER_BATCH, scoreClassifier } from './classifier-cache.js'
import { scoringData } from './eval.js'
import type { DataRequest } from './resolve-dataset.js'
import type { SnapshotHook } from './train.js'

/** Samples scored at each snapshot (and held-out images they are compared with). */
export const SNAPSHOT_SCORE_SAMPLES = 1000

/**
 * What every scoring hook of a run shares, loaded once: the dataset's whole
 * train split and its held-out images (as in `wasmgan eval`; the run's
 * `limit` is ignored), and the score classifier, loaded (or trained and
 * cached) on first use.
 */
export interface ScoreContext {
  train: ImageDataset
  heldOut: ImageDataset
  classifier(): Promise<Classifier>
  /** Frees the classifier, if it was loaded. */
  dispose(): Promise<void>
}

/** The {@link ScoreContext} of a run on the data `request` names. */
export async function scoreContext(request: DataRequest, log: (line: string) => void): Promise<ScoreContext> {
  const { train, heldOut } = await scoringData({ ...request, limit: undefined }, log)
  let loaded: Promise<Classifier> | undefined
  return {
    train,
    heldOut,
    classifier: () => (loaded ??= scoreClassifier(train, { log }).then((r) => r.classifier)),
    dispose: async () => (await loaded?.catch(() => undefined))?.dispose(),
  }
}

/**
 * The hook for a run, or undefined with a logged reason when its data cannot
 * be scored (no labels, too few images). The first run on a dataset trains
 * the classifier and caches it (seconds); later runs load it.
 */
export async function snapshotScoreHook(
  ctx: ScoreContext,
  dataDim: number,
  log: (line: string) => void,
): Promise<SnapshotHook | undefined> {
  const { train, heldOut } = ctx
  if (!train.labels) {
    log('no quality score at snapshots: the data has no labels, and the score\u2019s classifier learns the classes')
    return undefined
  }
  if (train.dim !== dataDim) return undefined
  if (train.count < SCORE_CLASSIFIER_BATCH || heldOut.count < 2) {
    log(
      `no quality score at snapshots: ${train.count + heldOut.count} images are too few to train the score's classifier and hold some out`,
    )
    return undefined
  }
  const classifier = await ctx.classifier()
  const n = Math.min(SNAPSHOT_SCORE_SAMPLES, heldOut.count)
  // One fixed subset (the same array every time, so evaluate caches its statistics).
  const real = { ...heldOut, count: n, images: heldOut.images.subarray(0, n * heldOut.dim) }
  return ({ gan }) => {
    const t0 = performance.now()
    const s = evaluate(gan, { classifier, real, samples: n, seed: 0 })
    return {
      fd: round4(s.fd),
      classesCovered: s.coverage.covered,
      classes: s.coverage.histogram.length,
      evenness: round4(s.coverage.evenness),
      scoreSamples: s.samples,
      scoreSeconds: Math.round(performance.now() - t0) / 1000,
    }
  }
}

/** A metric rounded to 4 decimals for metrics.jsonl. */
export const round4 = (v: number) => Math.round(v * 1e4) / 1e4
