/**
 * The training loop of `wasmgan train`: one step at a time (so the loss of
 * every step enters the interval means), a snapshot every `every` steps and
 * at the end, progress about eight times a second, and a look at the stop
 * request between steps. Training runs in slices of ~50 ms between which the
 * event loop runs, so Ctrl-C is seen within one slice.
 *
 * Everything that decides what is saved (the step, the interval sums, the
 * snapshot schedule) depends on step counts only, never on time, so a run
 * that is interrupted and resumed saves what an uninterrupted one saves. Only
 * a time budget (`--seconds`) decides by the clock, by its nature.
 */

import type { Gan, StepMetrics } from '../gan.js'
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
  /** Polled after every step (a signal handler can only set it between slices). */
  stop: Pick<StopRequest, 'requested'>
  state: LoopState
  /** Called at every snapshot step with the metrics of that step; the loop resets the interval sums after it. */
  onSnapshot(m: StepMetrics): void
  /** Called between slices. */
  onProgress(m: StepMetrics, sessionSeconds: number): void
}

const SLICE_MS = 50

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

/** Runs until the stop rule is met (`'done'`) or a signal asks to stop (`'interrupted'`). */
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
  let outcome: 'done' | 'interrupted'
  for (;;) {
    if (finished(m.step)) {
      outcome = 'done'
      break
    }
    if (o.stop.requested) {
      outcome = 'interrupted'
      break
    }
    const sliceEnd = performance.now() + SLICE_MS
    do {
      m = o.gan.train(o.data, 1, { batchSize: o.batch })
      accumulate(o.state.acc, m)
      if (m.step % o.every === 0 || m.step === o.targetStep) snapshot(m)
    } while (performance.now() < sliceEnd && !finished(m.step) && !o.stop.requested)
    o.state.seconds = base + sessionSeconds()
    o.onProgress(m, sessionSeconds())
    // Lets signal handlers (and the progress bar's timer) run.
    await new Promise((r) => setImmediate(r))
  }
  o.state.seconds = base + sessionSeconds()
  // A time budget ends between snapshot steps: the last step still gets its snapshot.
  if (outcome === 'done' && o.state.acc.n > 0) snapshot(m)
  return outcome
}
