/**
 * The training loop of `wasmgan train`, in-process and deterministic: a run
 * stopped at a step between snapshots and continued from its checkpoint and
 * interval sums gives the same snapshot means and the same checkpoint bytes
 * as one that never stopped. (resume.test.ts does the same through real
 * signals, where the stopping step depends on timing.)
 */

import { beforeAll, expect, it } from 'vitest'
import { Gan, init, type StepMetrics } from '../../ts/index.js'
import { emptyAccumulator, trainLoop, type LoopState } from '../../ts/cli/training-loop.js'

const data = { count: 96, dim: 784, images: new Float32Array(96 * 784) }

beforeAll(async () => {
  await init()
  // Deterministic stand-in images in [-1, 1]; this test is about bookkeeping, not learning.
  let s = 12345
  for (let i = 0; i < data.images.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    data.images[i] = (s / 2 ** 32) * 2 - 1
  }
})

interface Snap {
  step: number
  from: number
  dLoss: number
  gLoss: number
  dReal: number
  dFake: number
}

/** Trains `gan` to `target` from `state`, stopping early at `stopAt`; returns the snapshot means. */
async function run(gan: Gan, state: LoopState, target: number, stopAt = Infinity): Promise<{ snaps: Snap[]; outcome: string }> {
  const snaps: Snap[] = []
  const outcome = await trainLoop({
    gan,
    data,
    batch: 8,
    every: 10,
    targetStep: target,
    stop: {
      get requested() {
        return gan.step >= stopAt
      },
    },
    state,
    onSnapshot: (m: StepMetrics) => {
      const a = state.acc
      snaps.push({ step: m.step, from: a.from, dLoss: a.dLoss / a.n, gLoss: a.gLoss / a.n, dReal: a.dReal / a.n, dFake: a.dFake / a.n })
    },
    onProgress: () => {},
  })
  return { snaps, outcome }
}

it('stops between snapshots and continues to the same means and bytes as an unbroken run', async () => {
  const whole = new Gan({ seed: 9 })
  const ref = await run(whole, { acc: emptyAccumulator(0), seconds: 0, writeSeconds: 0 }, 40)
  expect(ref.outcome).toBe('done')
  expect(ref.snaps.map((s) => s.step)).toEqual([10, 20, 30, 40])

  const first = new Gan({ seed: 9 })
  const state: LoopState = { acc: emptyAccumulator(0), seconds: 0, writeSeconds: 0 }
  const part = await run(first, state, 40, 15)
  expect(part.outcome).toBe('interrupted')
  expect(first.step).toBe(15)
  expect(state.acc).toMatchObject({ from: 10, n: 5 })
  // What the CLI keeps across processes: the checkpoint bytes and the sums as JSON.
  const bytes = first.save({ run: 'x' })
  const saved = JSON.parse(JSON.stringify(state)) as LoopState
  first.dispose()

  const second = Gan.load(bytes)
  const rest = await run(second, saved, 40)
  expect(rest.outcome).toBe('done')
  expect([...part.snaps, ...rest.snaps]).toEqual(ref.snaps)
  expect(Buffer.from(second.save({ run: 'x' })).equals(Buffer.from(whole.save({ run: 'x' })))).toBe(true)
  second.dispose()
  whole.dispose()
})

it('ends a time budget with a snapshot of the last step', async () => {
  const gan = new Gan({ seed: 2 })
  const state: LoopState = { acc: emptyAccumulator(0), seconds: 0, writeSeconds: 0 }
  const snaps: number[] = []
  const outcome = await trainLoop({
    gan,
    data,
    batch: 8,
    every: 1_000_000,
    budgetSeconds: 0.2,
    stop: { requested: false },
    state,
    onSnapshot: (m) => snaps.push(m.step),
    onProgress: () => {},
  })
  expect(outcome).toBe('done')
  expect(snaps).toEqual([gan.step])
  expect(state.seconds).toBeGreaterThanOrEqual(0.2)
  expect(state.acc).toMatchObject({ from: gan.step, n: 0 })
  gan.dispose()
})
