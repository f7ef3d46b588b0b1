/**
 * What a training run is: the data, the model, and the schedule. The same
 * object is written to the run folder as config.json and stored as the
 * checkpoint's `meta`, so `info` can print it and `--resume` can continue
 * with nothing but the checkpoint. It holds no time stamps or paths of the
 * run folder: an interrupted-then-resumed run must save exactly the same
 * bytes as one that never stopped.
 */

import { DEFAULT_CONFIG, DEFAULT_OPTIMIZER, RECORD_ABSENT, type ResolvedGanConfig } from '../config.js'
import type { DatasetRef } from './resolve-dataset.js'

/** When training stops: after a step count, a number of passes over the data, or a time budget. */
export type StopRule = { steps: number } | { epochs: number } | { seconds: number }

/** How the run trains and snapshots, besides the model itself. */
export interface RunSettings {
  /** Rows per batch. */
  batch: number
  /** Train on the first `limit` images only. */
  limit?: number
  stop: StopRule
  /** Steps between snapshots (grid, metrics line, checkpoint, report). */
  every: number
  /** Seed of the fixed latent vectors behind every snapshot grid. */
  sampleSeed: number
  /** Images per snapshot grid. */
  sampleCount: number
}

/** The data a run trains on, with enough to recognise it again. */
export interface DatasetInfo {
  ref: DatasetRef
  count: number
  height: number
  width: number
  classNames?: string[]
  /** SHA-256 of the images (and labels) as used. */
  digest: string
}

/** Everything that defines a run; config.json and the checkpoint's meta. */
export interface RunConfig {
  /** Marks a wasmgan run, so a folder of someone else's config.json is not mistaken for one. */
  kind: 'wasmgan-run'
  /** The package and checkpoint format that started the run. */
  createdWith: { wasmgan: string; checkpointFormat: number }
  dataset: DatasetInfo
  model: ResolvedGanConfig
  run: RunSettings
}

/**
 * The part of a run that decides its training trajectory: the data, the
 * model and the batch. Two runs with the same recipe train identically; the
 * schedule (when to stop, how often to snapshot) may differ.
 */
export function recipeOf(c: RunConfig): Record<string, unknown> {
  // The data by content, not by path: the same files found in another folder are the same data.
  const { count, height, width, digest } = c.dataset
  // Defaults under the stored model: a run written before a config field existed trained with its default
  // of then (RECORD_ABSENT for the loss and the weight average, which have measured defaults since).
  const model = {
    ...DEFAULT_CONFIG,
    ...RECORD_ABSENT,
    ...c.model,
    generatorOptimizer: { ...DEFAULT_OPTIMIZER, ...c.model.generatorOptimizer },
    discriminatorOptimizer: { ...DEFAULT_OPTIMIZER, ...c.model.discriminatorOptimizer },
  }
  return {
    dataset: { name: c.dataset.ref.name, count, height, width, digest },
    model,
    batch: c.run.batch,
    limit: c.run.limit ?? null,
  }
}

/** Dotted paths where two recipes differ, e.g. `model.generatorOptimizer.lr`; empty when they are the same. */
export function recipeDiff(a: RunConfig, b: RunConfig): string[] {
  const out: string[] = []
  diffObjects(recipeOf(a), recipeOf(b), '', out)
  return out
}

/** Appends to `out` the dotted paths where two JSON values differ. */
export function diffObjects(a: unknown, b: unknown, path: string, out: string[]): void {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of keys) diffObjects((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out)
  } else if (a !== b && !(a === undefined && b === null) && !(a === null && b === undefined)) {
    out.push(path)
  }
}

/** True when `value` looks like a RunConfig (a wasmgan run's config.json or meta). */
export function isRunConfig(value: unknown): value is RunConfig {
  const v = value as Partial<RunConfig> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    v.kind === 'wasmgan-run' &&
    typeof v.model === 'object' &&
    typeof v.run === 'object' &&
    typeof v.dataset === 'object'
  )
}

/** The image size of a run, or the best guess for a checkpoint without run metadata. */
export function imageShape(meta: unknown, dataDim: number): { height: number; width: number } {
  if (isRunConfig(meta) && meta.dataset.height * meta.dataset.width === dataDim) {
    return { height: meta.dataset.height, width: meta.dataset.width }
  }
  const side = Math.round(Math.sqrt(dataDim))
  return side * side === dataDim ? { height: side, width: side } : { height: 1, width: dataDim }
}

/** The stop rule as words: "600 steps", "2 epochs", "60 s". */
export function describeStop(stop: StopRule): string {
  if ('steps' in stop) return `${stop.steps} steps`
  if ('epochs' in stop) return `${stop.epochs} epoch${stop.epochs === 1 ? '' : 's'}`
  return `${stop.seconds} s`
}
