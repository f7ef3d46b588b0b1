/**
 * The training loop shared by `fit` of the translator and the classifier:
 * runs chunks of steps (each one call into the module), yields progress
 * between chunks so the event loop stays responsive, and stops at a step
 * boundary on an aborted signal or when a time budget is spent.
 */

import { describe } from './errors.js'
import { integer, invalid, knownKeys, number, object } from './validate.js'

/** Options of `fit` (translator and classifier). */
export interface LoopOptions {
  /** Passes over the data (default 1 when neither `steps` nor `seconds` is given). Ignored when `steps` is given. */
  epochs?: number
  /** Exact number of training steps to run. */
  steps?: number
  /** Stop after this many seconds of training (at a step boundary); alone it means "until time is up". */
  seconds?: number
  /** Rows per batch (default 64). */
  batchSize?: number
  /** Stops training at the next step boundary; the generator then returns normally. */
  signal?: AbortSignal
  /** Steps between progress reports (default: about every 100 ms). */
  reportEvery?: number
}

/** Progress fields every `fit` reports, beside the model's own metrics. */
export interface LoopProgress {
  /** Steps done in this `fit` call. */
  stepsDone: number
  /** Steps this `fit` call will run at most (Infinity when bounded by `seconds` only). */
  stepsTotal: number
  /** Milliseconds since this `fit` call started. */
  elapsedMs: number
  /** Rows consumed per second in this `fit` call. */
  imagesPerSecond: number
}

const LOOP_KEYS = ['epochs', 'steps', 'seconds', 'batchSize', 'signal', 'reportEvery'] as const

/** Lets timers, I/O and UI events run between chunks of training. */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r))
  if (typeof MessageChannel === 'function') {
    return new Promise((r) => {
      const ch = new MessageChannel()
      ch.port1.onmessage = () => {
        ch.port1.close()
        r()
      }
      ch.port2.postMessage(0)
    })
  }
  return new Promise((r) => setTimeout(r, 0))
}

/**
 * Validates loop options against a dataset of `count` rows and runs
 * `trainChunk(n, batch)` until done, yielding its metrics with progress.
 */
export async function* trainingLoop<M>(
  count: number,
  options: LoopOptions,
  trainChunk: (steps: number, batch: number) => M,
): AsyncGenerator<M & LoopProgress, void, undefined> {
  const o = object<LoopOptions>('fit options', options)
  knownKeys('fit options', o, LOOP_KEYS)
  const batch = integer('batchSize', o.batchSize ?? 64, 1, 1 << 16)
  if (o.signal !== undefined && !(typeof o.signal === 'object' && o.signal !== null && 'aborted' in o.signal)) {
    invalid('signal', 'an AbortSignal', o.signal)
  }
  const seconds = o.seconds === undefined ? Infinity : number('seconds', o.seconds, 0, 1e9, { minExclusive: true })
  let total: number
  if (o.steps !== undefined) {
    total = integer('steps', o.steps, 0, Number.MAX_SAFE_INTEGER)
  } else if (o.epochs === undefined && o.seconds !== undefined) {
    total = Infinity
  } else {
    const epochs = integer('epochs', o.epochs ?? 1, 0, 1e6)
    const perEpoch = Math.floor(count / batch)
    if (!(perEpoch >= 1)) invalid('batchSize', `small enough for one step per epoch (batch ≤ ${describe(count)} rows)`, batch)
    total = epochs * perEpoch
  }
  const every = o.reportEvery === undefined ? undefined : integer('reportEvery', o.reportEvery, 1, 1e9)
  const start = performance.now()
  let done = 0
  let chunk = every ?? 1
  while (done < total) {
    if (o.signal?.aborted) return
    if (performance.now() - start >= seconds * 1000) return
    const n = Math.min(chunk, total - done)
    const t0 = performance.now()
    const m = trainChunk(n, batch)
    const dt = performance.now() - t0
    done += n
    if (every === undefined) {
      // Aim for a report about every 100 ms whatever the model's speed, and
      // for the last chunk to end near the time budget rather than past it.
      const left = seconds * 1000 - (performance.now() - start)
      chunk = Math.max(1, Math.min(1000, Math.round(Math.min(100, left) / (Math.max(dt, 1e-3) / n))))
    }
    const elapsedMs = performance.now() - start
    yield { ...m, stepsDone: done, stepsTotal: total, elapsedMs, imagesPerSecond: (done * batch) / (elapsedMs / 1000) }
    await yieldToEventLoop()
  }
}
