/**
 * Conditional GANs through the public API, on small synthetic data: label
 * validation (count, range, type), config validation, labelled-data checks,
 * class names and bit-exact resume through checkpoints, class grids, and
 * simd/scalar agreement for every conditioning.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { Gan, init, instantiate, WasmganError, type Conditioning, type ErrorCode, type GanConfig, type TrainingData } from '../ts/index.js'

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

const cgan: GanConfig = { latent: 6, dataDim: 16, generator: [12], discriminator: [10], classes: 3, seed: 2 }

/** 60 labelled 4×4 "images": class c lights up row c. */
function toy(count = 60): TrainingData {
  const dim = 16
  const images = new Float32Array(count * dim)
  const labels = new Uint8Array(count)
  for (let i = 0; i < count; i++) {
    const c = (i * 7) % 3
    labels[i] = c
    for (let j = 0; j < dim; j++) images[i * dim + j] = Math.floor(j / 4) === c ? 0.9 : -0.9 + 0.01 * ((i + j) % 7)
  }
  return { images, count, dim, labels }
}

beforeAll(async () => {
  await init()
})

describe('labels for sampling', () => {
  it('are validated: wrong count, out of range, non-integer, wrong type, and refused by an unconditional GAN', () => {
    const gan = new Gan(cgan)
    fails(() => gan.sample(3, { labels: [0, 1] }), 'E_INVALID_ARGUMENT', /one class id per sample: n = 3, got 2 labels/)
    fails(() => gan.sample(2, { labels: [0, 3] }), 'E_INVALID_ARGUMENT', /labels\[1\] = 3 is out of range: this model has classes 0\.\.2/)
    fails(() => gan.sample(2, { labels: [-1, 0] }), 'E_INVALID_ARGUMENT', /labels\[0\] = -1 is out of range/)
    fails(() => gan.sample(2, { labels: [0, 1.5] }), 'E_INVALID_ARGUMENT', /labels\[1\] must be an integer class id in 0\.\.2, got 1\.5/)
    fails(() => gan.sample(2, { labels: [0, NaN] }), 'E_INVALID_ARGUMENT', /labels\[1\] .* got NaN/)
    fails(() => gan.sample(1, { labels: ['1'] as unknown as number[] }), 'E_INVALID_ARGUMENT', /labels\[0\] .* got "1"/)
    fails(() => gan.sample(1, { labels: 1 as unknown as number[] }), 'E_INVALID_ARGUMENT', /labels must be an array of 1 class ids, got 1/)
    fails(() => gan.sampleClasses(0), 'E_INVALID_ARGUMENT', /perClass must be an integer/)
    const plain = new Gan({ ...cgan, classes: 0 })
    fails(() => plain.sample(1, { labels: [0] }), 'E_INVALID_ARGUMENT', /labels must be absent: this GAN is unconditional/)
    fails(() => plain.sampleClasses(2), 'E_INVALID_ARGUMENT', /needs a conditional GAN/)
    // Every accepted form gives the same images.
    const a = gan.sample(4, { labels: [2, 0, 1, 2], seed: 1 })
    expect(gan.sample(4, { labels: Uint8Array.of(2, 0, 1, 2), seed: 1 })).toEqual(a)
    expect(gan.sample(4, { labels: Int32Array.of(2, 0, 1, 2), seed: 1 })).toEqual(a)
    // Without labels: i mod classes.
    expect(gan.sample(4, { seed: 1 })).toEqual(gan.sample(4, { labels: [0, 1, 2, 0], seed: 1 }))
  })

  it('change the images (the label reaches the generator) and sampleClasses goes class by class', () => {
    const gan = new Gan(cgan)
    gan.train(toy(), 30, { batchSize: 8 })
    const z = new Float32Array(2 * 6).fill(0.3)
    const two = gan.sample(2, { z, labels: [0, 2] })
    expect(two.subarray(0, 16)).not.toEqual(two.subarray(16))
    const { images, labels } = gan.sampleClasses(4, { seed: 5 })
    expect(Array.from(labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    expect(images).toEqual(gan.sample(12, { labels, seed: 5 }))
  })
})

describe('conditional config and data', () => {
  it('rejects bad conditional settings', () => {
    fails(() => new Gan({ ...cgan, classes: -1 }), 'E_INVALID_ARGUMENT', /classes must be an integer in 0\.\.65536, got -1/)
    fails(() => new Gan({ ...cgan, classes: 2.5 }), 'E_INVALID_ARGUMENT', /classes .* got 2\.5/)
    fails(() => new Gan({ ...cgan, conditioning: 'film' as Conditioning }), 'E_INVALID_ARGUMENT', /one of 'concat', 'acgan', 'projection'/)
    fails(() => new Gan({ ...cgan, auxWeight: -1 }), 'E_INVALID_ARGUMENT', /auxWeight must be a finite number/)
    fails(() => new Gan({ ...cgan, classNames: ['a', 'b'] }), 'E_INVALID_ARGUMENT', /classNames must be one name per class \(3 names\)/)
    // An empty list is no names (what a resolved config without names holds, e.g. the one WorkerGan sends its worker).
    expect(new Gan({ ...cgan, classNames: [] }).config.classNames).toEqual([])
    fails(() => new Gan({ ...cgan, classNames: ['a', 'b\0', 'c'] }), 'E_INVALID_ARGUMENT', /classNames\[1\] must be a string without NUL/)
    fails(
      () => new Gan({ ...cgan, classes: 0, classNames: ['a'] }),
      'E_INVALID_ARGUMENT',
      /classNames must be absent for an unconditional GAN/,
    )
  })

  it('needs labels in range on the training data', () => {
    const gan = new Gan(cgan)
    const { images, count, dim } = toy()
    fails(
      () => gan.train({ images, count, dim }, 1, { batchSize: 4 }),
      'E_INVALID_ARGUMENT',
      /trains on labelled data, but data.labels is missing/,
    )
    const bad = toy()
    ;(bad.labels as Uint8Array)[17] = 3
    fails(
      () => gan.train(bad, 1, { batchSize: 4 }),
      'E_INVALID_ARGUMENT',
      /data\.labels\[17\] = 3 is out of range for a conditional GAN with classes = 3/,
    )
    expect(gan.step).toBe(0)
    // The same images trained unconditionally first, then with labels: the labelled copy replaces the other.
    const plain = new Gan({ ...cgan, classes: 0 })
    plain.train({ images, count, dim }, 2, { batchSize: 4 })
    gan.train({ images, count, dim, labels: toy().labels }, 2, { batchSize: 4 })
    expect(gan.step).toBe(2)
  })

  it('trains on the labels given, even with images it has seen with other labels', () => {
    const data = toy()
    const shifted = (data.labels as Uint8Array).map((y) => (y + 1) % 3)
    // Bit-identical runs on fresh copies show what each labelling gives ...
    const want = (labels: Uint8Array) => {
      const g = new Gan(cgan)
      g.train({ ...data, images: data.images.slice(), labels }, 3, { batchSize: 6 })
      return g.save()
    }
    const [a, b] = [want(data.labels as Uint8Array), want(shifted)]
    expect(b).not.toEqual(a)
    // ... and the same images array with the other labels trains on those, not on a stale copy.
    const g1 = new Gan(cgan)
    g1.train(data, 3, { batchSize: 6 })
    expect(g1.save()).toEqual(a)
    const g2 = new Gan(cgan)
    g2.train({ ...data, labels: shifted }, 3, { batchSize: 6 })
    expect(g2.save()).toEqual(b)
  })
})

describe('checkpoints', () => {
  for (const conditioning of ['acgan', 'projection', 'concat'] as const) {
    it(`${conditioning}: save → load → continue equals an uninterrupted run; classes and names survive`, () => {
      const cfg: GanConfig = { ...cgan, conditioning, classNames: ['top', 'middle', 'bottom'] }
      const data = toy()
      const whole = new Gan(cfg)
      whole.train(data, 25, { batchSize: 8 })
      const first = new Gan(cfg)
      first.train(data, 10, { batchSize: 8 })
      first.sample(3, { seed: 4 })
      const resumed = Gan.load(first.save({ note: 'half way' }))
      expect(resumed.config).toEqual(whole.config)
      expect(resumed.config.classes).toBe(3)
      expect(resumed.config.conditioning).toBe(conditioning)
      expect(resumed.config.classNames).toEqual(['top', 'middle', 'bottom'])
      expect(resumed.meta).toEqual({ note: 'half way' })
      resumed.train(data, 15, { batchSize: 8 })
      expect(resumed.save({ note: 'half way' })).toEqual(whole.save({ note: 'half way' }))
    })
  }
})

describe('simd and scalar builds', () => {
  it('train every conditioning to bit-identical checkpoints', async () => {
    const simd = await instantiate({ variant: 'simd' })
    const scalar = await instantiate({ variant: 'scalar' })
    const data = toy()
    for (const conditioning of ['acgan', 'projection', 'concat'] as const) {
      // Widths that hit the 4×8 tiles and their tails.
      const cfg: GanConfig = { latent: 5, dataDim: 16, generator: [17, 9], discriminator: [13], classes: 3, conditioning, seed: 3 }
      const a = new Gan(cfg, { runtime: simd })
      const b = new Gan(cfg, { runtime: scalar })
      a.train(data, 20, { batchSize: 7 })
      b.train(data, 20, { batchSize: 7 })
      expect(a.save(), conditioning).toEqual(b.save())
    }
  })
})
