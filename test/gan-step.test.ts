/**
 * `Gan.train` runs the classic GAN step as defined: from the weights and the
 * training RNG a checkpoint holds, the float64 reference of the step
 * (test/reference.ts, the same one the bench's TF.js GANs are checked
 * against) replays three steps with the same real rows and the same z (drawn
 * by the reference RNG port from the checkpoint's RNG state), and the module's
 * losses, weights and Adam moments must follow it. The real batch is the
 * whole dataset (count = batch), so the sampler's row order, which no mean
 * loss or gradient sum depends on, need not be replayed.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { Gan, init, type GanConfig } from '../ts/index.js'
import { maxAbsDiff, ReferenceRng, referenceGanStep, referenceMlp } from './reference.js'

const BATCH = 8
const STEPS = 3
const LATENT = 100
const DIM = 784
const G_SIZES = [LATENT, 128, 128, DIM]
const D_SIZES = [DIM, 128, 128, 1]
const ADAM = { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 }
/** The classic model: BCE, no label smoothing, no weight average, Adam(2e-4, 0.5, 0.999, 1e-8) for both networks. */
const CLASSIC: GanConfig = { loss: 'bce', labelSmoothing: 0, emaDecay: 0, seed: 11 }

/** The sections of a checkpoint (docs/checkpoint-format.md), by tag. */
function sections(bytes: Uint8Array): Map<string, DataView> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  expect(new TextDecoder().decode(bytes.subarray(0, 7))).toBe('WASMGAN')
  const out = new Map<string, DataView>()
  let at = 16
  for (let i = 0, n = view.getUint32(12, true); i < n; i++) {
    const tag = new TextDecoder().decode(bytes.subarray(at, at + 4))
    const len = view.getUint32(at + 4, true)
    out.set(tag, new DataView(bytes.buffer, bytes.byteOffset + at + 8, len))
    at += 8 + Math.ceil(len / 4) * 4
  }
  expect(at).toBe(bytes.byteLength - 4) // then the CRC
  return out
}

const f32s = (v: DataView) => Float32Array.from({ length: v.byteLength / 4 }, (_, i) => v.getFloat32(4 * i, true))

/** A flat parameter section split into [W1, b1, W2, b2, …] for `sizes`. */
function layers(flat: Float32Array, sizes: number[]): Float32Array[] {
  const out: Float32Array[] = []
  let at = 0
  for (let l = 0; l + 1 < sizes.length; l++) {
    for (const len of [sizes[l] * sizes[l + 1], sizes[l + 1]]) {
      out.push(flat.subarray(at, at + len))
      at += len
    }
  }
  expect(at).toBe(flat.length)
  return out
}

/** The training RNG of a checkpoint (RNGT: 4 state words, spare flag, spare value). */
function trainingRng(s: Map<string, DataView>): ReferenceRng {
  const v = s.get('RNGT')!
  const words = [0, 1, 2, 3].map((i) => v.getBigUint64(8 * i, true))
  const spare = v.getBigUint64(32, true) ? v.getFloat64(40, true) : undefined
  return new ReferenceRng(words, spare)
}

beforeAll(async () => {
  await init()
})

describe('Gan.train against the float64 reference of the classic step', () => {
  it('losses, weights and Adam moments follow the reference for 3 steps', () => {
    let seed = 5
    const images = Float32Array.from({ length: BATCH * DIM }, () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      return Math.tanh((seed / 2 ** 31 - 1) * 2)
    })
    const gan = new Gan(CLASSIC)
    const start = sections(gan.save())
    const g = referenceMlp(G_SIZES, layers(f32s(start.get('GPAR')!), G_SIZES))
    const d = referenceMlp(D_SIZES, layers(f32s(start.get('DPAR')!), D_SIZES))
    const rng = trainingRng(start)
    for (let t = 0; t < STEPS; t++) {
      const z = Float32Array.from({ length: BATCH * LATENT }, () => rng.normalF32())
      const want = referenceGanStep(g, d, images, z, BATCH, ADAM)
      const got = gan.train({ images, count: BATCH, dim: DIM }, 1, { batchSize: BATCH })
      expect(got.step).toBe(t + 1)
      expect(got.dLoss, `D loss, step ${t + 1}`).toBeCloseTo(want[0], 5)
      expect(got.gLoss, `G loss, step ${t + 1}`).toBeCloseTo(want[1], 5)
    }
    const end = sections(gan.save())
    for (const [tag, net, sizes, key] of [
      ['GPAR', g, G_SIZES, 'p'],
      ['DPAR', d, D_SIZES, 'p'],
      ['GOPM', g, G_SIZES, 'm'],
      ['DOPM', d, D_SIZES, 'm'],
      ['GOPV', g, G_SIZES, 'v'],
      ['DOPV', d, D_SIZES, 'v'],
    ] as const) {
      const got = layers(f32s(end.get(tag)!), sizes)
      const want = net[key]
      if (key === 'p') {
        // Adam moves each weight by up to ~lr per step: within 2% of the largest
        // movement of the reference (the whole distance travelled, not a rounding).
        const before = layers(f32s(start.get(tag)!), sizes)
        const moved = Math.max(...want.map((w, i) => maxAbsDiff(w, before[i])))
        expect(moved, tag).toBeGreaterThan(STEPS * ADAM.lr * 0.5)
        want.forEach((w, i) => expect(maxAbsDiff(got[i], w), `${tag} array ${i}`).toBeLessThan(0.02 * moved))
      } else {
        // The moments: within 1% of their largest magnitude.
        const scale = Math.max(...want.map((w) => maxAbsDiff(w, new Float64Array(w.length))))
        expect(scale, tag).toBeGreaterThan(0)
        want.forEach((w, i) => expect(maxAbsDiff(got[i], w), `${tag} array ${i}`).toBeLessThan(0.01 * scale))
      }
    }
    gan.dispose()
  })
})
