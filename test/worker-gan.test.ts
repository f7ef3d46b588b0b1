/**
 * WorkerGan's own contract, beyond what the portable suite checks in every
 * runtime: synchronous config validation, one fit at a time, datasets bound
 * to their WorkerGan, leaving a fit loop early, the wasm build option, and
 * that progress is the same sequence Gan.fit yields.
 */

import { describe, expect, it } from 'vitest'
import { Gan, WorkerGan, init, type GanConfig, type TrainingData } from '../ts/index.js'
import { expectWasmganError } from './fixtures/helpers.js'

const cfg: GanConfig = { seed: 3, latent: 6, dataDim: 16, generator: [12], discriminator: [10] }

function toy(count = 64, dim = 16): TrainingData {
  const images = new Float32Array(count * dim)
  for (let i = 0; i < images.length; i++) images[i] = Math.sin(i * 0.7) * 0.9
  return { images, count, dim }
}

describe('WorkerGan', () => {
  it('validates the config synchronously, before any worker starts', async () => {
    await expectWasmganError(() => new WorkerGan({ latent: 0 }), 'E_INVALID_ARGUMENT', /latent must be an integer/)
    await expectWasmganError(() => new WorkerGan(cfg, { threads: 2 } as never), 'E_INVALID_ARGUMENT', /options has no option 'threads'/)
  })

  it('reports the same progress sequence as Gan.fit, and the same bytes', async () => {
    const data = toy()
    await init()
    const local = new Gan(cfg)
    const want = []
    for await (const p of local.fit(data, { steps: 23, batchSize: 8, reportEvery: 5 })) want.push([p.stepsDone, p.step, p.dLoss, p.gLoss])
    const gan = new WorkerGan(cfg)
    const got = []
    for await (const p of gan.fit(data, { steps: 23, batchSize: 8, reportEvery: 5 })) got.push([p.stepsDone, p.step, p.dLoss, p.gLoss])
    expect(got).toEqual(want)
    expect(await gan.save()).toEqual(local.save())
    gan.dispose()
  })

  it('runs one fit at a time; leaving the loop early stops the worker', async () => {
    const gan = new WorkerGan(cfg)
    const data = toy()
    const first = gan.fit(data, { steps: 1_000_000, batchSize: 8, reportEvery: 10 })
    await first.next()
    await expectWasmganError(() => gan.fit(data, { steps: 1 }).next(), 'E_INVALID_ARGUMENT', /already running fit/)
    await first.return()
    const stoppedAt = gan.step
    expect(stoppedAt).toBeGreaterThanOrEqual(10)
    expect(stoppedAt).toBeLessThan(1_000_000)
    // The worker is idle again: a new fit runs, from where the last one stopped.
    for await (const _ of gan.fit(data, { steps: 5, batchSize: 8 })) void _
    expect(gan.step).toBe(stoppedAt + 5)
    gan.dispose()
  })

  it('samples into a given array on this thread, and checks it before asking the worker', async () => {
    await init()
    const gan = new WorkerGan(cfg)
    const into = new Float32Array(5 * 16)
    const got = await gan.sample(5, { seed: 2, into })
    expect(got).toBe(into)
    expect(into).toEqual(new Gan(cfg).sample(5, { seed: 2 }))
    await expectWasmganError(
      () => gan.sample(5, { into: new Float32Array(16) }),
      'E_INVALID_ARGUMENT',
      /into must be a Float32Array of n × dataDim = 5 × 16 = 80 values/,
    )
    await expectWasmganError(() => gan.sample(0, { into }), 'E_INVALID_ARGUMENT', /n must be an integer/)
    gan.dispose()
  })

  it('keeps datasets to the WorkerGan that loaded them', async () => {
    const a = new WorkerGan(cfg)
    const b = new WorkerGan(cfg)
    const dir = '/usr/share/datasets/fashion-mnist/'
    const images = await a.loadData({ images: dir + 't10k-images-idx3-ubyte.gz' })
    expect([images.count, images.height, images.width, images.classes]).toEqual([10000, 28, 28, undefined])
    await expectWasmganError(() => b.train(images, 1), 'E_INVALID_ARGUMENT', /loaded by another WorkerGan/)
    // 784 values per image against dataDim 16: the worker's Gan.train says so.
    await expectWasmganError(() => a.train(images, 1, { batchSize: 4 }), 'E_INVALID_ARGUMENT', /rows of 784 values .* dataDim = 16/)
    a.unloadData(images)
    await expectWasmganError(() => a.train(images, 1), 'E_INVALID_ARGUMENT', /unloaded/)
    await expectWasmganError(() => a.loadData({ images: dir + 'missing.gz' }), 'E_IO', /missing\.gz/)
    a.dispose()
    b.dispose()
  })

  it('trains a conditional model on the labels given with each call, not on those an array came with first', async () => {
    await init()
    const data = toy()
    const labels = Uint8Array.from({ length: data.count }, (_, i) => i % 3)
    const shifted = labels.map((y) => (y + 1) % 3)
    const cond = { ...cfg, classes: 3 }
    const gan = new WorkerGan(cond)
    await gan.train({ ...data, labels }, 3, { batchSize: 8 })
    await gan.train({ ...data, labels: shifted }, 3, { batchSize: 8 })
    const local = new Gan(cond)
    local.train({ ...data, images: data.images.slice(), labels }, 3, { batchSize: 8 })
    local.train({ ...data, images: data.images.slice(), labels: shifted }, 3, { batchSize: 8 })
    expect(await gan.save()).toEqual(local.save())
    // ... and the labels matter, so the check above can fail.
    const stale = new Gan(cond)
    stale.train({ ...data, images: data.images.slice(), labels }, 6, { batchSize: 8 })
    expect(stale.save()).not.toEqual(local.save())
    gan.dispose()
  })

  it('mirrors Gan for a conditional model: labelled samples, class grids, checkpoints', async () => {
    await init()
    const data = toy()
    const labels = Uint8Array.from({ length: data.count }, (_, i) => (i * 5) % 3)
    const cond = { ...cfg, classes: 3, classNames: ['a', 'b', 'c'] }
    const gan = new WorkerGan(cond)
    const local = new Gan(cond)
    await gan.train({ ...data, labels }, 4, { batchSize: 8 })
    local.train({ ...data, labels }, 4, { batchSize: 8 })
    const asked = [2, 0, 1, 1]
    expect(await gan.sample(4, { labels: asked, seed: 9 })).toEqual(local.sample(4, { labels: asked, seed: 9 }))
    const grid = await gan.sampleClasses(2, { seed: 4 })
    expect(grid).toEqual(local.sampleClasses(2, { seed: 4 }))
    expect(Array.from(grid.labels)).toEqual([0, 0, 1, 1, 2, 2])
    await expectWasmganError(() => gan.sampleClasses(0), 'E_INVALID_ARGUMENT', /perClass must be an integer/)
    await expectWasmganError(() => gan.sample(2, { labels: [0, 3] }), 'E_INVALID_ARGUMENT', /out of range/)
    const plain = new WorkerGan(cfg)
    await expectWasmganError(() => plain.sampleClasses(2), 'E_INVALID_ARGUMENT', /needs a conditional GAN/)
    const loaded = await WorkerGan.load(await gan.save())
    expect(loaded.config.classNames).toEqual(['a', 'b', 'c'])
    expect(await loaded.sampleClasses(2, { seed: 4 })).toEqual(grid)
    for (const g of [gan, plain, loaded]) g.dispose()
  })

  it('runs the build it is asked for; both give the same bytes', async () => {
    const data = toy()
    const bytes = []
    for (const variant of ['simd', 'scalar'] as const) {
      const gan = new WorkerGan(cfg, { wasm: { variant } })
      await gan.train(data, 12, { batchSize: 8 })
      bytes.push(await gan.save())
      gan.dispose()
    }
    expect(bytes[0]).toEqual(bytes[1])
  })
})
