/**
 * The flags `train --task` adds, and the checks that need no file: which
 * flags belong to which kind of run. Kept apart from train-translate.ts so
 * that a bad command line fails before the library loads.
 */

import type { TaskName } from './constants.js'
import { usage } from './errors.js'

/** Flags of `train` that a translation run reads besides the common ones. */
export interface TranslateTrainFlags {
  task?: TaskName
  source?: string
  target?: string
  /** False with --no-l1-baseline. */
  l1Baseline?: boolean
}

/** GAN-only flags of `train`, refused with --task. */
const GAN_ONLY = ['latent', 'dSteps', 'labelSmoothing', 'loss', 'emaDecay', 'conditioning'] as const

/** Refuses flag combinations that mix the two kinds of run. */
export function checkTranslateFlags(f: TranslateTrainFlags & Record<string, unknown>): void {
  const pairsFlags = (['source', 'target'] as const).filter((k) => f[k] !== undefined)
  if (f.task === 'pairs') {
    if (pairsFlags.length < 2) usage('--task pairs needs --source FILE and --target FILE (two IDX image files of equal count and size)')
    if (f.dataset !== undefined || f.data !== undefined)
      usage('--task pairs reads --source and --target; --dataset and --data do not apply')
  } else if (pairsFlags.length) {
    usage(`--${pairsFlags[0]} belongs to --task pairs`)
  }
  if (f.task !== undefined) refuseGanFlags(f)
  else if (f.l1Baseline === false && f.resume === undefined) {
    usage('--no-l1-baseline belongs to --task (translation runs)')
  }
}

/** Refuses GAN-only flags for a translation run (new or resumed). */
export function refuseGanFlags(f: Record<string, unknown>): void {
  const bad = [...GAN_ONLY, 'conditional'].filter((k) => f[k] !== undefined)
  if (bad.length) usage(`--${bad[0]!.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} applies to GANs, not to a translator (--task)`)
}
