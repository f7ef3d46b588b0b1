/**
 * The training loop of `wasmgan train`, on top of `Gan.fit` with a report
 * after every step: every step's losses enter the interval means, a snapshot
 * is taken every `every` steps and at the end, the stop request is looked at
 * after every step, and fit's collapse warnings are passed on. fit yields to
 * the event loop between steps, so a signal is seen within one step.
 *
 * Everything that decides what is saved (the step, the interval sums, the
 * snapshot schedule) depends on step counts only, never on time, so a run
 * that is interrupted and resumed saves what an uninterrupted one saves. Only
 * a time budget (`--seconds`) decides by the clock, by its nature.
 */

import type { Gan, StepMetrics } from '../gan.js'
import type { TrainingWarning } from '../diagnostics.js'
import type { TrainingData } from '../upload.js'
import type { Accumulator } from './run-folder.js'
import type { StopRequest } from './signals.js'

/** The loop's running state, restored on resume. */
export interface LoopState {
  acc: Accumulator
  /** Wall time of the loop over all sessions (s), snapshots included. */
  seconds: number
  /** The part of `seconds` spent in snapshots (grids, checkpoint, report), so speed can leave it out. */
  writeSeconds: number
}

/** What the loop needs. */
export interface LoopOptions {
  gan: Gan
  data: TrainingData
  batch: number
  every: number
  /** Stop at this step (steps and epochs rules). */
  targetStep?: number
  /** Stop when the run's total training time reaches this (seconds rule). */
  budgetSeconds?: number
  /** Polled after every step. */
  stop: Pick<StopRequest, 'requested'>
  state: LoopState
  /** Called at every snapshot step with the metrics of that step; the loop resets the interval sums after it. */
  onSnapshot(m: StepMetrics): void
  /** Called about ten times a second. */
  onProgress(m: StepMetrics, sessionSeconds: number): void
  /** Called when fit detects a training problem (discriminator wins, diversity falls). */
  onWarning?(w: TrainingWarning, step: number): void
}

const PROGRESS_MS = 100

/** Adds one step's metrics to the interval sums. */
export function accumulate(acc: Accumulator, m: StepMetrics): void {
  acc.n += 1
  acc.dLoss += m.dLoss
  acc.gLoss += m.gLoss
  acc.dReal += m.dReal
  acc.dFake += m.dFake
}

/** Empty sums for the interval that starts after `step`. */
export function emptyAccumulator(step: number): Accumulator {
  return { from: step, n: 0, dLoss: 0, gLoss: 0, dReal: 0, dFake: 0 }
}

/** Runs until the stop rule is met (`'done'`) or a stop is requested (`'interrupted'`). */
export async function trainLoop(o: LoopOptions): Promise<'done' | 'interrupted'> {
  const start = performance.now()
  const base = o.state.seconds
  const sessionSeconds = () => (performance.now() - start) / 1000
  const finished = (step: number) =>
    (o.targetStep !== undefined && step >= o.targetStep) || (o.budgetSeconds !== undefined && base + sessionSeconds() >= o.budgetSeconds)
  const snapshot = (m: StepMetrics) => {
    const t0 = sessionSeconds()
    o.state.seconds = base + t0
    o.onSnapshot(m)
    o.state.acc = emptyAccumulator(m.step)
    o.state.writeSeconds += sessionSeconds() - t0
  }

  let m = o.gan.metrics
  if (finished(m.step)) return 'done'
  if (o.stop.requested) return 'interrupted'
  // A time budget has no step count: fit may run "forever" and is left when time is up.
  const steps = o.targetStep !== undefined ? o.targetStep - m.step : Number.MAX_SAFE_INTEGER
  let outcome: 'done' | 'interrupted' = 'done'
  let lastProgress = -Infinity
  for await (const p of o.gan.fit(o.data, { steps, batchSize: o.batch, reportEvery: 1 })) {
    m = p
    accumulate(o.state.acc, m)
    if (p.warning) o.onWarning?.(p.warning, m.step)
    if (m.step % o.every === 0 || m.step === o.targetStep) snapshot(m)
    o.state.seconds = base + sessionSeconds()
    if (performance.now() - lastProgress >= PROGRESS_MS) {
      lastProgress = performance.now()
      o.onProgress(m, sessionSeconds())
    }
    if (finished(m.step)) break
    if (o.stop.requested) {
      outcome = 'interrupted'
      break
    }
  }
  o.state.seconds = base + sessionSeconds()
  // A time budget ends between snapshot steps: the last step still gets its snapshot.
  if (outcome === 'done' && o.state.acc.n > 0) snapshot(m)
  return outcome
}
