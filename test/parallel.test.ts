/**
 * Data-parallel training on real worker threads: the weights after N steps
 * are bit-identical for 1 and 2 workers (and equal to one-thread training
 * with the same micro-batch size), the replicas stay identical, a resumed
 * checkpoint trains on the same way, and misuse fails clearly.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Gan, ParallelGan, init, loadFashionMnist, type GanConfig, type TrainingData } from '../ts/index.js'
import { splitShares } from '../ts/parallel.js'
import { expectWasmganError } from './fixtures/helpers.js'

const config: GanConfig = { latent: 16, generator: [32, 32], discriminator: [32], seed: 11, dSteps: 2, emaDecay: 0.9 }
let data: TrainingData
let labelled: TrainingData

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as BufferSource)
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('')
}

const live: ParallelGan[] = []
async function parallel(workers: number, microBatch: number, from?: Uint8Array): Promise<ParallelGan> {
  const pg = from ? await ParallelGan.load(from, { workers, microBatch }) : await ParallelGan.create(config, { workers, microBatch })
  live.push(pg)
  return pg
}

beforeAll(async () => {
  await init()
  const ds = await loadFashionMnist()
  data = { images: ds.images.slice(0, 600 * 784), count: 600, dim: 784 }
  labelled = { ...data, labels: ds.labels!.slice(0, 600) }
})
afterAll(async () => {
  await Promise.all(live.map((p) => p.dispose()))
})

describe('ParallelGan', () => {
  it('gives bit-identical weights with 1 and 2 workers, equal to one thread with the same micro-batches', async () => {
    const steps = 12
    const one = await parallel(1, 8)
    const two = await parallel(2, 8)
    const [m1, m2] = await Promise.all([one.train(data, steps, { batchSize: 32 }), two.train(data, steps, { batchSize: 32 })])
    const [a, b] = [await one.save(), await two.save()]
    expect(await sha256(a)).toBe(await sha256(b))
    expect(m2).toEqual(m1)
    const replicas = await two.saveAll()
    expect(await sha256(replicas[1])).toBe(await sha256(replicas[0]))

    const single = new Gan(config)
    const m = single.train(data, steps, { batchSize: 32, microBatch: 8 })
    expect(await sha256(single.save())).toBe(await sha256(a))
    expect(m).toEqual(m1)
    expect(m1.step).toBe(steps)

    // The micro-batch size is part of the result (so the checks above can fail) ...
    const whole = new Gan(config)
    whole.train(data, steps, { batchSize: 32 })
    expect(await sha256(whole.save())).not.toBe(await sha256(a))
    // ... and a micro-batch of the whole batch is plain training.
    const same = new Gan(config)
    same.train(data, steps, { batchSize: 32, microBatch: 32 })
    expect(await sha256(same.save())).toBe(await sha256(whole.save()))
  })

  it('gives the same weights when the sums travel by postMessage (no shared memory, as in a page without cross-origin isolation)', async () => {
    const g = globalThis as { crossOriginIsolated?: boolean }
    const before = g.crossOriginIsolated
    g.crossOriginIsolated = false
    let copied: ParallelGan
    try {
      copied = await parallel(2, 8)
    } finally {
      g.crossOriginIsolated = before
    }
    const sharedMem = await parallel(2, 8)
    await Promise.all([copied.train(data, 6, { batchSize: 32 }), sharedMem.train(data, 6, { batchSize: 32 })])
    expect(await sha256(await copied.save())).toBe(await sha256(await sharedMem.save()))
  })

  it('resumes from a checkpoint exactly as one thread does, with uneven shares of micro-batches', async () => {
    const start = new Gan(config)
    start.train(data, 3, { batchSize: 24 })
    const bytes = start.save()
    const pg = await parallel(2, 8, bytes) // 3 micro-batches: one worker gets 1, the other 2
    await pg.train(data, 5, { batchSize: 24 })
    const single = Gan.load(bytes)
    single.train(data, 5, { batchSize: 24, microBatch: 8 })
    expect(await sha256(await pg.save())).toBe(await sha256(single.save()))
    // The saved model is an ordinary checkpoint.
    expect(Gan.load(await pg.save()).step).toBe(8)
  })

  it('shares micro-batches by measured speed, and the weights stay those of one thread', async () => {
    const even = await ParallelGan.create(config, { workers: 2, microBatch: 4, balance: 'even' })
    const measured = await ParallelGan.create(config, { workers: 2, microBatch: 4 })
    live.push(even, measured)
    expect(measured.balance).toBe('measured')
    expect(measured.shares).toBeUndefined()
    // 9 micro-batches per batch, several calls so that the measured shares can move.
    for (let c = 0; c < 6; c++) {
      await Promise.all([even.train(data, 2, { batchSize: 36 }), measured.train(data, 2, { batchSize: 36 })])
      const shares = measured.shares!
      expect(shares.reduce((a, n) => a + n, 0)).toBe(9)
      expect(Math.min(...shares)).toBeGreaterThanOrEqual(1)
    }
    expect(even.shares).toEqual([4, 5])
    const single = new Gan(config)
    single.train(data, 12, { batchSize: 36, microBatch: 4 })
    const want = await sha256(single.save())
    expect(await sha256(await even.save())).toBe(want)
    expect(await sha256(await measured.save())).toBe(want)
    await expectWasmganError(() => ParallelGan.create(config, { workers: 1, balance: 'fast' as never }), 'E_INVALID_ARGUMENT', 'balance')
  })

  it('splits micro-batches in proportion to speed, at least one each', () => {
    expect(splitShares(8, [1, 1])).toEqual([4, 4])
    expect(splitShares(9, [1, 1])).toEqual([5, 4]) // a tie goes to the first worker
    expect(splitShares(8, [1, 0.5])).toEqual([5, 3])
    expect(splitShares(9, [2, 1])).toEqual([6, 3])
    expect(splitShares(8, [1000, 1])).toEqual([7, 1])
    expect(splitShares(12, [1, 2, 3])).toEqual([2, 4, 6])
    expect(splitShares(3, [5, 1, 1])).toEqual([1, 1, 1])
    expect(splitShares(7, [1])).toEqual([7])
    // Unmeasured or broken speeds count as the slowest measured one.
    expect(splitShares(8, [Number.NaN, 1])).toEqual([4, 4])
    expect(splitShares(8, [0, 2, Infinity])).toEqual([3, 3, 2])
    for (let i = 0; i < 200; i++) {
      const n = 1 + (i % 5)
      const count = n + ((i * 7) % 23)
      const speeds = Array.from({ length: n }, (_, w) => 0.1 + ((i * 13 + w * 29) % 17))
      const got = splitShares(count, speeds)
      expect(got.reduce((a, v) => a + v, 0)).toBe(count)
      expect(Math.min(...got)).toBeGreaterThanOrEqual(1)
      // Within one micro-batch of the exact proportional share, unless some worker's is below one.
      const total = speeds.reduce((a, v) => a + v, 0)
      const exact = speeds.map((v) => (count * v) / total)
      if (Math.min(...exact) >= 1) got.forEach((g, w) => expect(Math.abs(g - exact[w])).toBeLessThan(1))
    }
  })

  it('trains conditional GANs too, bit-identical to one thread, for every conditioning', async () => {
    for (const conditioning of ['concat', 'acgan', 'projection'] as const) {
      const cond: GanConfig = { ...config, classes: 10, conditioning, dSteps: 1 }
      const pg = await ParallelGan.create(cond, { workers: 2, microBatch: 8 })
      live.push(pg)
      await pg.train(labelled, 4, { batchSize: 24 })
      await pg.train(labelled, 3, { batchSize: 24 })
      const single = new Gan(cond)
      single.train(labelled, 7, { batchSize: 24, microBatch: 8 })
      expect(await sha256(await pg.save()), conditioning).toBe(await sha256(single.save()))
      // The labels matter (so the check above can fail).
      const shifted = new Gan(cond)
      shifted.train({ ...labelled, labels: labelled.labels!.map((y) => (y + 1) % 10) }, 7, { batchSize: 24, microBatch: 8 })
      expect(await sha256(shifted.save())).not.toBe(await sha256(single.save()))
      // The same images with other labels train on those (not on the workers' first copy).
      const again = await ParallelGan.create(cond, { workers: 2, microBatch: 8 })
      live.push(again)
      const other = { ...labelled, labels: labelled.labels!.map((y) => (y + 3) % 10) }
      await again.train(labelled, 2, { batchSize: 24 })
      await again.train(other, 2, { batchSize: 24 })
      const twice = new Gan(cond)
      twice.train({ ...labelled, images: labelled.images.slice() }, 2, { batchSize: 24, microBatch: 8 })
      twice.train({ ...other, images: labelled.images.slice() }, 2, { batchSize: 24, microBatch: 8 })
      expect(await sha256(await again.save())).toBe(await sha256(twice.save()))
      await again.dispose()
      // And they are required, in range.
      await expectWasmganError(() => pg.train(data, 1, { batchSize: 24 }), 'E_INVALID_ARGUMENT', 'labels')
      const bad = { ...labelled, images: labelled.images.slice(), labels: labelled.labels!.slice() }
      bad.labels![3] = 10
      await expectWasmganError(() => pg.train(bad, 1, { batchSize: 24 }), 'E_INVALID_ARGUMENT', 'out of range')
      await pg.dispose()
    }
  })

  it('refuses bad sizes, concurrent calls and use after dispose', async () => {
    const pg = await parallel(2, 8)
    await expectWasmganError(() => pg.train(data, 1, { batchSize: 20 }), 'E_INVALID_ARGUMENT', 'multiple of microBatch (8)')
    await expectWasmganError(() => pg.train(data, 1, { batchSize: 8 }), 'E_INVALID_ARGUMENT', 'workers × microBatch')
    await expectWasmganError(
      () => pg.train({ images: new Float32Array(20 * 5), count: 20, dim: 5 }, 1, { batchSize: 16 }),
      'E_INVALID_ARGUMENT',
      'dataDim',
    )
    const running = pg.train(data, 2, { batchSize: 16 })
    await expectWasmganError(() => pg.train(data, 1, { batchSize: 16 }), 'E_INVALID_ARGUMENT', 'busy')
    await running
    await expectWasmganError(() => ParallelGan.create(config, { workers: 0 }), 'E_INVALID_ARGUMENT', 'workers')
    await expectWasmganError(
      () => Promise.resolve(new Gan(config).train(data, 1, { batchSize: 32, microBatch: 5 })),
      'E_INVALID_ARGUMENT',
      'microBatch',
    )
    await pg.dispose()
    await pg.dispose()
    await expectWasmganError(() => pg.save(), 'E_DISPOSED')
  })
})
