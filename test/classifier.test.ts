/**
 * The classifier through the public API: config and data validation, its
 * outputs (labels, probabilities, features), resume through checkpoints, and
 * simd/scalar agreement. Its learning on Fashion-MNIST is in
 * conditional-learning.test.ts.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { Classifier, Gan, WasmganError, conditionalAccuracy, init, instantiate, type ErrorCode, type TrainingData } from '../ts/index.js'

function fails(f: () => unknown, code: ErrorCode, ...fragments: (string | RegExp)[]): void {
  let error: unknown
  try {
    f()
  } catch (e) {
    error = e
  }
  expect(error, 'expected a WasmganError').toBeInstanceOf(WasmganError)
  expect((error as WasmganError).code).toBe(code)
  for (const frag of fragments) expect((error as WasmganError).message).toMatch(frag)
}

/** 80 rows of 12 values; class c has its mass in columns 4c..4c+3. */
function toy(count = 80): TrainingData {
  const images = new Float32Array(count * 12)
  const labels = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    labels[i] = i % 3
    for (let j = 0; j < 12; j++) images[i * 12 + j] = (Math.floor(j / 4) === i % 3 ? 0.6 : -0.6) + 0.05 * Math.sin(i * 12 + j)
  }
  return { images, count, dim: 12, labels }
}

const cfg = { dataDim: 12, classes: 3, hidden: [8, 5], seed: 1 }

beforeAll(async () => {
  await init()
})

describe('the classifier', () => {
  it('validates its config and its data', () => {
    fails(() => new Classifier({ classes: 1 }), 'E_INVALID_ARGUMENT', /classes must be an integer in 2\.\./)
    fails(() => new Classifier({ hidden: [] }), 'E_INVALID_ARGUMENT', /hidden must be an array of 1 to 64 layer widths/)
    fails(() => new Classifier({ optimizer: { lr: -1 } }), 'E_INVALID_ARGUMENT', /optimizer\.lr must be/)
    fails(() => new Classifier({ hiddenLayers: [3] } as object), 'E_INVALID_ARGUMENT', /no option 'hiddenLayers'/)
    const c = new Classifier(cfg)
    const { images, count, dim } = toy()
    fails(() => c.train({ images, count, dim }, 1), 'E_INVALID_ARGUMENT', /data\.labels is missing/)
    const bad = toy()
    ;(bad.labels as Int32Array)[5] = -2
    fails(() => c.train(bad, 1, { batchSize: 4 }), 'E_INVALID_ARGUMENT', /data\.labels\[5\] = -2 is out of range for the classifier/)
    fails(() => c.predict(new Float32Array(13)), 'E_INVALID_ARGUMENT', /n × dataDim \(12\)/)
  })

  it('learns a separable toy problem, and its outputs agree with each other', () => {
    const c = new Classifier(cfg)
    const data = toy()
    c.train(data, 150, { batchSize: 16 })
    expect(c.accuracy(data)).toBe(1)
    const p = c.probabilities(data.images)
    const labels = c.predict(data.images)
    for (let i = 0; i < data.count; i++) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3))
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 5)
      expect(row.indexOf(Math.max(...row))).toBe(labels[i])
    }
    expect(c.features(data.images).length).toBe(80 * 5)
    expect(c.featureSize).toBe(5)
  })

  it('resumes bit for bit and keeps class names; simd and scalar agree', async () => {
    const data = toy()
    const named = { ...cfg, classNames: ['left', 'middle', 'right'] }
    const whole = new Classifier(named)
    whole.train(data, 20, { batchSize: 8 })
    const first = new Classifier(named)
    first.train(data, 7, { batchSize: 8 })
    const resumed = Classifier.load(first.save())
    expect(resumed.config).toEqual(whole.config)
    resumed.train(data, 13, { batchSize: 8 })
    expect(resumed.save()).toEqual(whole.save())
    const a = new Classifier(cfg, { runtime: await instantiate({ variant: 'simd' }) })
    const b = new Classifier(cfg, { runtime: await instantiate({ variant: 'scalar' }) })
    a.train(data, 10, { batchSize: 7 })
    b.train(data, 10, { batchSize: 7 })
    expect(a.save()).toEqual(b.save())
  })

  it('conditionalAccuracy checks that the models fit together', () => {
    const c = new Classifier(cfg)
    fails(() => conditionalAccuracy(new Gan({ dataDim: 12, latent: 2 }), c), 'E_INVALID_ARGUMENT', /needs a conditional GAN/)
    fails(
      () => conditionalAccuracy(new Gan({ dataDim: 12, latent: 2, classes: 4 }), c),
      'E_INVALID_ARGUMENT',
      /classifier has 3 classes but the GAN has 4/,
    )
    const r = conditionalAccuracy(new Gan({ dataDim: 12, latent: 2, classes: 3 }), c, { samples: 30 })
    expect(r.samples).toBe(30)
    expect(r.perClass.length).toBe(3)
  })

  it('is disposed like the other models', () => {
    const c = new Classifier(cfg)
    c.dispose()
    c.dispose()
    fails(() => c.predict(toy().images), 'E_DISPOSED', /disposed/)
  })
})
