/**
 * The API's contract under misuse: every bad input throws a WasmganError
 * whose code says what kind of failure it is and whose message says what was
 * expected and what was given. Nothing reaches the module as a trap.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { Gan, init, instantiate, type GanConfig, type TrainingData } from '../ts/index.js'
import { expectWasmganError as fails } from './fixtures/helpers.js'

const tiny: GanConfig = { latent: 4, dataDim: 9, generator: [5], discriminator: [5], seed: 1 }
const data = (count = 10, dim = 9): TrainingData => ({ images: new Float32Array(count * dim).fill(0.5), count, dim })

beforeAll(async () => {
  await init()
})

describe('config validation', () => {
  const cases: [GanConfig | unknown, string, RegExp][] = [
    [{ latent: 0 }, 'latent', /latent must be an integer in 1\.\.\d+, got 0/],
    [{ latent: -3 }, 'latent', /got -3/],
    [{ latent: NaN }, 'latent', /got NaN/],
    [{ latent: 2.5 }, 'latent', /got 2\.5/],
    [{ latent: '100' }, 'latent', /got "100"/],
    [{ dataDim: 0 }, 'dataDim', /dataDim must be/],
    [{ generator: [128, 0] }, 'generator', /generator\[1\] must be an integer/],
    [{ discriminator: 128 }, 'discriminator', /discriminator must be an array of layer widths, got 128/],
    [{ leakySlope: 1 }, 'leakySlope', /leakySlope must be a finite number in \[0, 1\), got 1/],
    [{ leakySlope: -0.1 }, 'leakySlope', /got -0\.1/],
    [{ dSteps: 0 }, 'dSteps', /dSteps must be an integer in 1\.\.100, got 0/],
    [{ labelSmoothing: 0.5 }, 'labelSmoothing', /labelSmoothing must be a finite number in \[0, 0\.5\), got 0\.5/],
    [{ seed: -1 }, 'seed', /seed must be an integer/],
    [{ seed: 2 ** 53 }, 'seed', /seed must be an integer/],
    [{ latentDistribution: 'cauchy' }, 'latentDistribution', /one of 'normal', 'uniform', got "cauchy"/],
    [{ generatorOptimizer: { lr: 0 } }, 'lr', /generatorOptimizer\.lr must be a finite number in \(0, ∞\), got 0/],
    [{ discriminatorOptimizer: { lr: Infinity } }, 'lr', /discriminatorOptimizer\.lr .* got Infinity/],
    [{ generatorOptimizer: { beta1: 1 } }, 'beta1', /beta1 must be a finite number in \[0, 1\), got 1/],
    [{ generatorOptimizer: { type: 'rmsprop' } }, 'type', /one of 'adam', 'sgd'/],
    [{ generatorOptimizer: { learningRate: 1e-3 } }, 'typo', /generatorOptimizer has no option 'learningRate'/],
    [{ latentSize: 100 }, 'typo', /config has no option 'latentSize'/],
    [{ generatorOutput: 'relu' }, 'generatorOutput', /one of 'tanh', 'sigmoid', 'linear'/],
    [null, 'null', /config must be an object, got null/],
  ]
  for (const [cfg, name, msg] of cases) {
    it(`rejects ${name}: ${JSON.stringify(cfg)}`, async () => await fails(() => new Gan(cfg as GanConfig), 'E_INVALID_ARGUMENT', msg))
  }
})

describe('after dispose', () => {
  it('dispose is idempotent and every later use throws E_DISPOSED', async () => {
    const gan = new Gan(tiny)
    gan.dispose()
    gan.dispose()
    expect(gan.disposed).toBe(true)
    for (const f of [() => gan.sample(1), () => gan.save(), () => gan.train(data()), () => gan.metrics, () => gan.meta]) {
      await fails(f, 'E_DISPOSED', /disposed/)
    }
  })

  it('fit on a disposed model throws E_DISPOSED', async () => {
    const gan = new Gan(tiny)
    gan.dispose()
    await expect(gan.fit(data(), { steps: 1, batchSize: 2 }).next()).rejects.toMatchObject({ code: 'E_DISPOSED' })
  })
})

describe('training data and arguments', () => {
  it('rejects data of the wrong shape, range or type', async () => {
    const gan = new Gan(tiny)
    await fails(() => gan.train(data(10, 8), 1, { batchSize: 2 }), 'E_INVALID_ARGUMENT', /rows of 8 values .* dataDim = 9/)
    await fails(
      () => gan.train({ images: new Float32Array(89), count: 10, dim: 9 }, 1),
      'E_INVALID_ARGUMENT',
      /count × dim = 10 × 9 = 90 values, got 89/,
    )
    const bad = data()
    bad.images[40] = NaN
    await fails(() => gan.train(bad, 1, { batchSize: 2 }), 'E_INVALID_ARGUMENT', /\[-1, 1\].*got NaN at index 40 \(row 4\)/)
    const big = data()
    big.images[3] = 255
    await fails(() => gan.train(big, 1, { batchSize: 2 }), 'E_INVALID_ARGUMENT', /x \/ 127\.5 - 1/)
    await fails(() => gan.train({ images: [0.5] as unknown as Float32Array, count: 1, dim: 9 }, 1), 'E_INVALID_ARGUMENT', /Float32Array/)
    await fails(
      () => gan.train(data(), 1, { batchSize: 11 }),
      'E_INVALID_ARGUMENT',
      /batchSize must be at most the number of rows \(10\), got 11/,
    )
    await fails(() => gan.train(data(), 1, { batchSize: 0 }), 'E_INVALID_ARGUMENT', /batchSize must be an integer/)
    await fails(() => gan.train(data(), -1), 'E_INVALID_ARGUMENT', /steps must be an integer/)
    await fails(() => gan.train(data(), 1.5), 'E_INVALID_ARGUMENT', /steps .* got 1\.5/)
  })

  it('rejects bad fit options before training', async () => {
    const gan = new Gan(tiny)
    const first = (o: object) => gan.fit(data(), o).next()
    await expect(first({ epochs: -1 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' })
    await expect(first({ batchSize: 64 })).rejects.toThrow(/one step per epoch/)
    await expect(first({ signal: 'stop' })).rejects.toThrow(/signal must be an AbortSignal/)
    await expect(first({ epoch: 1 })).rejects.toThrow(/no option 'epoch'/)
    expect(gan.step).toBe(0)
  })

  it('rejects bad sample arguments', async () => {
    const gan = new Gan(tiny)
    await fails(() => gan.sample(0), 'E_INVALID_ARGUMENT', /n must be an integer in 1\.\./)
    await fails(() => gan.sample(2.5), 'E_INVALID_ARGUMENT', /got 2\.5/)
    await fails(() => gan.sample(2, { z: new Float32Array(7) }), 'E_INVALID_ARGUMENT', /n × latent = 2 × 4 = 8 values/)
    await fails(() => gan.sample(2, { z: new Float64Array(8) as unknown as Float32Array }), 'E_INVALID_ARGUMENT', /Float32Array/)
    await fails(() => gan.sample(1, { z: new Float32Array([0, NaN, 0, 0]) }), 'E_INVALID_ARGUMENT', /z\[1\] must be a finite number/)
    await fails(() => gan.sample(1, { z: new Float32Array(4), seed: 1 }), 'E_INVALID_ARGUMENT', /either z or seed/)
    await fails(() => gan.sample(1, { seed: -2 }), 'E_INVALID_ARGUMENT', /seed must be an integer/)
    await fails(
      () => gan.sample(2, { into: new Float32Array(9) }),
      'E_INVALID_ARGUMENT',
      /into must be a Float32Array of n × dataDim = 2 × 9 = 18 values/,
    )
    await fails(
      () => gan.sample(2, { into: new Float64Array(18) as unknown as Float32Array }),
      'E_INVALID_ARGUMENT',
      /into must be a Float32Array/,
    )
    await fails(() => gan.sample(2, { into: [] as unknown as Float32Array }), 'E_INVALID_ARGUMENT', /into must be a Float32Array/)
  })

  it('rejects bad save and load arguments', async () => {
    const gan = new Gan(tiny)
    await fails(() => gan.save([1, 2] as unknown as Record<string, unknown>), 'E_INVALID_ARGUMENT', /meta must be a plain object/)
    await fails(
      () => Gan.load('ckpt.bin' as unknown as Uint8Array),
      'E_INVALID_ARGUMENT',
      /checkpoint must be a Uint8Array, got "ckpt.bin"/,
    )
  })
})

describe('traps', () => {
  it('a trap surfaces as E_WASM_TRAP, poisons only its instance, and init() then gives a fresh one', async () => {
    const rt = await instantiate({ variant: 'simd' })
    const gan = new Gan(tiny, { runtime: rt })
    await fails(
      () =>
        rt.call(() => {
          throw new WebAssembly.RuntimeError('unreachable')
        }),
      'E_WASM_TRAP',
      /trapped \(RuntimeError: unreachable\)/,
    )
    expect(rt.trapped).toBe(true)
    await fails(() => gan.sample(1), 'E_WASM_TRAP', /call init\(\) again/)
    gan.dispose() // disposing after a trap must not throw
    // The shared instance is unaffected.
    expect(new Gan(tiny).sample(1).length).toBe(9)
  })

  it('raw exports validate pointers instead of trapping', async () => {
    const rt = await instantiate({ variant: 'simd' })
    const beyond = rt.memoryBytes + 64
    expect(rt.call((x) => x.kernel_sgd(4, beyond, beyond, 0.1))).toBe(1)
    expect(rt.lastError()).toMatch(/not an aligned region of the module's memory/)
    expect(rt.call((x) => x.gan_sample(999, 1, 0, 0, 0, 0, 0, 0))).toBe(2)
    expect(rt.lastError()).toMatch(/GAN handle 999 is not live/)
    expect(rt.trapped).toBe(false)
  })
})

describe('init()', () => {
  it('is memoized and reports the build', async () => {
    const a = init()
    const b = init({ variant: 'scalar' }) // options of later calls are ignored
    expect(await a).toEqual(await b)
    expect((await a).simd).toBe(true)
  })

  it('loads from bytes, a file URL, a Response and a Module; rejects junk with E_LOAD', async () => {
    const { readFile } = await import('node:fs/promises')
    const path = new URL('../build/wasmgan-scalar.wasm', import.meta.url)
    const bytes = await readFile(path)
    for (const source of [bytes, path, new Response(bytes), await WebAssembly.compile(bytes)]) {
      const rt = await instantiate({ source })
      expect(rt.simd).toBe(false)
    }
    await expect(instantiate({ source: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 9]) })).rejects.toMatchObject({ code: 'E_LOAD' })
    await expect(instantiate({ source: new URL('file:///nonexistent/wasmgan.wasm') })).rejects.toMatchObject({ code: 'E_LOAD' })
    await expect(instantiate({ variant: 'fast' as 'simd' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' })
  })
})
