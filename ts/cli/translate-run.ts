/**
 * What a translation run (`wasmgan train --task …`) is: the pairs, the
 * translator and the schedule. Like a GAN run's config (run-config.ts) it is
 * written as config.json and stored as the checkpoint's meta, so `--resume`
 * needs nothing but the checkpoint, and it holds no time stamps: a resumed
 * run saves what an uninterrupted one saves.
 */

import type { ResolvedTranslatorConfig } from '../translator.js'
import type { TaskName } from './constants.js'
import type { DatasetRef } from './resolve-dataset.js'
import { diffObjects, isRunConfig, recipeDiff, type RunConfig, type StopRule } from './run-config.js'

/** Where the pairs come from and how many there are. */
export interface TranslateData {
  task: TaskName
  /** Built-in tasks: the image dataset the pairs are derived from. */
  ref?: DatasetRef
  /** Task `pairs`: the two IDX files (absolute paths). */
  pairs?: { source: string; target: string }
  /** Shown in the report and by `info`. */
  description: string
  /** Training pairs (or images, for a built-in task). */
  count: number
  /** Held-out pairs the scores are measured on. */
  heldOut: number
  height: number
  width: number
  /** SHA-256 of the training and held-out data as used. */
  digest: string
}

/** The whole run; config.json and the checkpoint's meta. */
export interface TranslateRunConfig {
  kind: 'wasmgan-translate-run'
  createdWith: { wasmgan: string; checkpointFormat: number }
  data: TranslateData
  model: ResolvedTranslatorConfig
  run: {
    batch: number
    limit?: number
    stop: StopRule
    every: number
    /** Train the same generator with L1 alone for as many steps after the run, as a baseline. */
    l1Baseline: boolean
    /** Seed of the held-out sources of a built-in task (inpainting squares). */
    heldOutSeed: number
  }
}

/** True when `value` is a translation run's config. */
export function isTranslateRunConfig(value: unknown): value is TranslateRunConfig {
  const v = value as Partial<TranslateRunConfig> | null
  return (
    typeof v === 'object' && v !== null && v.kind === 'wasmgan-translate-run' && typeof v.model === 'object' && typeof v.data === 'object'
  )
}

/** What decides a translation run's trajectory: the data (by content), the model, the batch. */
export function translateRecipe(c: TranslateRunConfig): Record<string, unknown> {
  const { task, count, heldOut, height, width, digest } = c.data
  return { data: { task, count, heldOut, height, width, digest }, model: c.model, batch: c.run.batch, limit: c.run.limit ?? null }
}

/** Where two run configs of either kind differ (dotted paths); a different kind differs in `kind`. */
export function anyRecipeDiff(a: RunConfig | TranslateRunConfig, b: RunConfig | TranslateRunConfig): string[] {
  if (a.kind !== b.kind) return ['kind']
  if (isRunConfig(a) && isRunConfig(b)) return recipeDiff(a, b)
  const out: string[] = []
  diffObjects(translateRecipe(a as TranslateRunConfig), translateRecipe(b as TranslateRunConfig), '', out)
  return out
}
