/**
 * The quality options (loss kinds, generator weight average) through the
 * public API, and the collapse warnings of fit.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { CollapseMonitor, diversity } from '../ts/diagnostics.js'
import { ConfigKey } from '../ts/abi.js'
import { DEFAULT_CONFIG, encodeConfig, RECORD_ABSENT, resolveConfig } from '../ts/config.js'
import { Gan, init, type GanConfig, type TrainingData } from '../ts/index.js'

const small: GanConfig = { latent: 8, dataDim: 36, generator: [16], discriminator: [12], seed: 4 }

function toyData(count = 96, dim = 36): TrainingData {
  const images = new Float32Array(count * dim)
  let s = 99
  for (let i = 0; i < images.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    images[i] = ((i % dim) % 5 === 0 ? 0.7 : -0.7) + (s / 2 ** 32 - 0.5) * 0.5
  }
  return { images, count, dim }
}

beforeAll(async () => {
  await init()
})

describe('loss kinds and the weight average', () => {
  it('each option trains, round-trips its config and resumes bit for bit', () => {
    const data = toyData()
    for (const extra of [{ loss: 'hinge' }, { loss: 'least-squares' }, { emaDecay: 0.99 }] as GanConfig[]) {
      const cfg = { ...small, ...extra }
      const whole = new Gan(cfg)
      whole.train(data, 20, { batchSize: 8 })
      const half = new Gan(cfg)
      half.train(data, 8, { batchSize: 8 })
      const resumed = Gan.load(half.save())
      expect(resumed.config).toEqual(whole.config)
      resumed.train(data, 12, { batchSize: 8 })
      expect(resumed.save()).toEqual(whole.save())
      const m = whole.metrics
      expect(Number.isFinite(m.dLoss) && Number.isFinite(m.gLoss)).toBe(true)
    }
  })

  it('BCE without EMA writes the record it wrote before the options existed; the defaults round-trip', () => {
    // Absent keys mean BCE and no average (RECORD_ABSENT) whatever today's defaults are, so old checkpoints keep their meaning.
    const keys = (c: GanConfig) => [...encodeConfig(resolveConfig(c))].filter((_, i) => i % 2 === 0)
    expect(keys({ ...small, loss: 'bce', emaDecay: 0 })).not.toContain(ConfigKey.loss)
    expect(keys({ ...small, loss: 'bce', emaDecay: 0 })).not.toContain(ConfigKey.emaDecay)
    expect(RECORD_ABSENT).toEqual({ loss: 'bce', emaDecay: 0 })
    const plain = Gan.load(new Gan({ ...small, loss: 'bce', emaDecay: 0 }).save())
    expect([plain.config.loss, plain.config.emaDecay]).toEqual(['bce', 0])
    // Today's defaults are written when they differ from what absence means, and load back as themselves.
    const byDefault = new Gan(small)
    expect([byDefault.config.loss, byDefault.config.emaDecay]).toEqual([DEFAULT_CONFIG.loss, DEFAULT_CONFIG.emaDecay])
    expect(Gan.load(byDefault.save()).config).toEqual(byDefault.config)
    expect(Gan.load(byDefault.save()).save()).toEqual(byDefault.save())
  })

  it('with emaDecay, samples differ from the raw weights once training has moved them', () => {
    const data = toyData()
    const plain = new Gan({ ...small, emaDecay: 0 })
    const averaged = new Gan({ ...small, emaDecay: 0.9 })
    // Same seed: identical weights before training, so identical samples.
    expect(averaged.sample(2, { seed: 1 })).toEqual(plain.sample(2, { seed: 1 }))
    plain.train(data, 30, { batchSize: 8 })
    averaged.train(data, 30, { batchSize: 8 })
    expect(averaged.sample(2, { seed: 1 })).not.toEqual(plain.sample(2, { seed: 1 }))
  })

  it('rejects bad option values', () => {
    expect(() => new Gan({ loss: 'wasserstein' as 'bce' })).toThrow(/loss must be one of 'bce', 'hinge', 'least-squares'/)
    expect(() => new Gan({ emaDecay: 1 })).toThrow(/emaDecay must be a finite number in \[0, 1\), got 1/)
    expect(() => new Gan({ emaDecay: -0.5 })).toThrow(/got -0\.5/)
  })
})

describe('collapse warnings', () => {
  it.each(['bce', 'hinge'] as const)(
    'warns when the discriminator wins outright (a real run with a starved generator), %s',
    async (loss) => {
      const gan = new Gan({
        ...small,
        loss,
        generatorOptimizer: { lr: 1e-7 },
        discriminatorOptimizer: { lr: 1e-2 },
      })
      const warnings = []
      for await (const p of gan.fit(toyData(), { steps: 600, batchSize: 8, reportEvery: 20 })) if (p.warning) warnings.push(p.warning)
      expect(warnings.map((w) => w.kind)).toContain('discriminator-wins')
      expect(warnings.find((w) => w.kind === 'discriminator-wins')!.message).toMatch(
        /won outright for \d+ steps.*try a lower discriminator learning rate/,
      )
    },
  )

  it('stays quiet on a healthy run and when diagnostics are off', async () => {
    for (const loss of ['hinge', 'bce'] as const) {
      const gan = new Gan({ ...small, loss })
      for await (const p of gan.fit(toyData(), { steps: 300, batchSize: 8, reportEvery: 25 })) expect(p.warning, loss).toBeUndefined()
    }
    const starved = new Gan({ ...small, generatorOptimizer: { lr: 1e-7 }, discriminatorOptimizer: { lr: 1e-2 } })
    for await (const p of starved.fit(toyData(), { steps: 600, batchSize: 8, reportEvery: 20, diagnostics: false })) {
      expect(p.warning).toBeUndefined()
    }
  })

  it('flags a generator whose samples are all alike, once, and again after recovery', () => {
    const data = toyData()
    const monitor = new CollapseMonitor(data.images, data.count, data.dim, 'bce', 0)
    const same = () => new Float32Array(32 * 36).fill(0.1)
    const varied = () => data.images.slice(0, 32 * 36)
    const kinds = [250, 500, 750, 1000, 1250].map((step, i) => monitor.check(step, 0.6, 0.4, i === 2 ? varied : same)?.kind)
    expect(kinds).toEqual(['low-diversity', undefined, undefined, 'low-diversity', undefined])
    expect(diversity(same(), 32)).toBe(0)
  })
})
