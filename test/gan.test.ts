/**
 * The Gan API end to end on small synthetic data: determinism, resuming from
 * checkpoints bit for bit, refusing damaged checkpoints, sampling, fit's
 * progress and AbortSignal, and simd/scalar agreement for whole training runs.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { Gan, init, instantiate, WasmganError, type GanConfig, type TrainingData } from '../ts/index.js'

const small: GanConfig = { latent: 8, dataDim: 36, generator: [16, 16], discriminator: [12], seed: 5 }

/** 90 rows of 6×6 "images": a diagonal bar with noise, values in [-1, 1]. */
function toyData(count = 90, dim = 36): TrainingData {
  const images = new Float32Array(count * dim)
  let s = 12345
  for (let i = 0; i < images.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    const onBar = (i % dim) % 7 === 0
    images[i] = Math.max(-1, Math.min(1, (onBar ? 0.8 : -0.8) + (s / 2 ** 32 - 0.5) * 0.4))
  }
  return { images, count, dim }
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as BufferSource)
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('')
}

beforeAll(async () => {
  await init()
})

describe('determinism and checkpoints', () => {
  it('the same seed twice gives byte-identical save() output; another seed does not', () => {
    const data = toyData()
    const a = new Gan(small)
    const b = new Gan(small)
    a.train(data, 25, { batchSize: 8 })
    b.train(data, 25, { batchSize: 8 })
    expect(a.save()).toEqual(b.save())
    const c = new Gan({ ...small, seed: 6 })
    c.train(data, 25, { batchSize: 8 })
    expect(c.save()).not.toEqual(a.save())
  })

  it('save → load → continue equals an uninterrupted run, through epoch boundaries', async () => {
    const data = toyData() // 90 rows / batch 8: epochs roll over mid-run
    // BCE: label smoothing changes its targets (hinge, the default, has none).
    const cfg: GanConfig = { ...small, loss: 'bce', dSteps: 2, labelSmoothing: 0.1, latentDistribution: 'uniform' }
    const whole = new Gan(cfg)
    whole.train(data, 40, { batchSize: 8 })
    const first = new Gan(cfg)
    first.train(data, 17, { batchSize: 8 })
    first.sample(5, { seed: 1 }) // sampling by seed changes nothing saved
    const resumed = Gan.load(first.save())
    expect(resumed.step).toBe(17)
    expect(resumed.config).toEqual(whole.config)
    resumed.train(data, 23, { batchSize: 8 })
    expect(await sha256(resumed.save())).toBe(await sha256(whole.save()))
  })

  it('keeps meta JSON across save and load', () => {
    const gan = new Gan(small)
    const back = Gan.load(gan.save({ dataset: 'toy', classes: ['a', 'b'] }))
    expect(back.meta).toEqual({ dataset: 'toy', classes: ['a', 'b'] })
    expect(new Gan(small).meta).toBeUndefined()
  })

  it('refuses truncated, corrupted, foreign and future-version checkpoints with a clear error', () => {
    const bytes = new Gan(small).save()
    const code = (b: Uint8Array) => {
      try {
        Gan.load(b)
      } catch (e) {
        expect(e).toBeInstanceOf(WasmganError)
        return [(e as WasmganError).code, (e as WasmganError).message]
      }
      throw new Error('loaded a damaged checkpoint')
    }
    for (const cut of [0, 10, 100, bytes.length - 1]) {
      const [c, m] = code(bytes.slice(0, cut))
      expect(c).toBe('E_CORRUPT_CHECKPOINT')
      expect(m).toMatch(/too short|checksum|truncated/)
    }
    for (const at of [20, Math.floor(bytes.length / 2), bytes.length - 3]) {
      const b = bytes.slice()
      b[at] ^= 0x01
      expect(code(b)[0]).toBe('E_CORRUPT_CHECKPOINT')
    }
    expect(code(new TextEncoder().encode('PK\u0003\u0004 this is a zip file, not a checkpoint'))[1]).toMatch(/not a wasmgan checkpoint/)
    // A version-3 file with a valid checksum: refused as unsupported, not as corrupt.
    const future = bytes.slice(0, bytes.length - 4)
    future[8] = 3
    const withCrc = new Uint8Array(future.length + 4)
    withCrc.set(future)
    new DataView(withCrc.buffer).setUint32(future.length, crc32(future), true)
    const [c, m] = code(withCrc)
    expect(c).toBe('E_UNSUPPORTED_VERSION')
    expect(m).toMatch(/version 3 .*reads versions 1 to 2/)
  })
})

/** CRC-32 (IEEE), written independently of the Rust one. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

describe('sampling', () => {
  it('is reproducible by seed and by z, and stays in the tanh range', () => {
    const gan = new Gan(small)
    const a = gan.sample(300, { seed: 9 })
    expect(a.length).toBe(300 * 36)
    expect(gan.sample(300, { seed: 9 })).toEqual(a)
    expect(a.every((v) => v >= -1 && v <= 1)).toBe(true)
    const z = new Float32Array(2 * 8).fill(0.5)
    const two = gan.sample(2, { z })
    expect(two.subarray(0, 36)).toEqual(two.subarray(36))
  })

  it('draws fresh samples from the model stream without disturbing training', () => {
    const data = toyData()
    const a = new Gan(small)
    const b = new Gan(small)
    expect(a.sample(3)).not.toEqual(a.sample(3))
    a.train(data, 10, { batchSize: 8 })
    b.train(data, 10, { batchSize: 8 })
    expect(a.sample(4, { seed: 1 })).toEqual(b.sample(4, { seed: 1 }))
  })

  it('writes into a given array: the same bits, the same array back, overwritten by the next call', () => {
    const gan = new Gan(small)
    const want = gan.sample(3, { seed: 4 })
    const into = new Float32Array(3 * 36).fill(Number.NaN)
    const got = gan.sample(3, { seed: 4, into })
    expect(got).toBe(into)
    expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer))
    gan.sample(3, { seed: 5, into })
    expect(into).toEqual(gan.sample(3, { seed: 5 }))
    const z = new Float32Array(3 * 8).fill(0.25)
    expect(gan.sample(3, { z, into })).toEqual(gan.sample(3, { z }))
  })

  it('returns copies: mutating a result changes nothing inside', () => {
    const gan = new Gan(small)
    const s = gan.sample(2, { seed: 1 })
    s.fill(7)
    expect(gan.sample(2, { seed: 1 })).not.toEqual(s)
  })
})

describe('fit', () => {
  it('reports progress for an epoch and counts steps exactly', async () => {
    const gan = new Gan(small)
    const seen: number[] = []
    let last
    for await (const p of gan.fit(toyData(), { epochs: 2, batchSize: 8, reportEvery: 3 })) {
      seen.push(p.stepsDone)
      last = p
    }
    // 90 rows / (8 × dSteps 1) = 11 steps per epoch, 2 epochs.
    expect(seen).toEqual([3, 6, 9, 12, 15, 18, 21, 22])
    expect(last!.stepsTotal).toBe(22)
    expect(gan.step).toBe(22)
    expect(last!.imagesPerSecond).toBeGreaterThan(0)
    for (const k of ['dLoss', 'gLoss', 'dReal', 'dFake'] as const) expect(Number.isFinite(last![k])).toBe(true)
  })

  it('stops at a step boundary when the signal aborts, and the result equals train(n)', async () => {
    const data = toyData()
    const gan = new Gan(small)
    const ctl = new AbortController()
    const seen: number[] = []
    for await (const p of gan.fit(data, { steps: 1000, batchSize: 8, reportEvery: 5, signal: ctl.signal })) {
      seen.push(p.stepsDone)
      if (p.stepsDone === 15) ctl.abort()
    }
    expect(seen).toEqual([5, 10, 15])
    expect(gan.step).toBe(15)
    const other = new Gan(small)
    other.train(data, 15, { batchSize: 8 })
    expect(gan.save()).toEqual(other.save())
    // An already-aborted signal runs no step at all.
    for await (const _ of other.fit(data, { steps: 10, batchSize: 8, signal: ctl.signal })) throw new Error('ran')
    expect(other.step).toBe(15)
  })

  it('fit and train give identical weights for the same steps', async () => {
    const data = toyData()
    const a = new Gan(small)
    for await (const _ of a.fit(data, { steps: 30, batchSize: 8 })) void _
    const b = new Gan(small)
    b.train(data, 30, { batchSize: 8 })
    expect(a.save()).toEqual(b.save())
  })
})

describe('simd and scalar builds', () => {
  it('train to bit-identical checkpoints (same accumulation order in both kernels)', async () => {
    const simd = await instantiate({ variant: 'simd' })
    const scalar = await instantiate({ variant: 'scalar' })
    expect(simd.simd).toBe(true)
    expect(scalar.simd).toBe(false)
    const data = toyData()
    // Widths that hit the 4×8 tiles and their tails.
    const cfg: GanConfig = { latent: 5, dataDim: 36, generator: [17, 12], discriminator: [13], seed: 3 }
    const a = new Gan(cfg, { runtime: simd })
    const b = new Gan(cfg, { runtime: scalar })
    a.train(data, 30, { batchSize: 7 })
    b.train(data, 30, { batchSize: 7 })
    // Tolerance stated by the issue: here it is zero, and we hold it to that.
    expect(await sha256(a.save())).toBe(await sha256(b.save()))
  })
})
