/**
 * The bench's TF.js GANs (bench/tfjs.mjs) train the model the bench says they
 * do: each variant ('usual' tensors and variables, 'layers' tf.sequential
 * models, 'fast' custom gradients), on TF.js's cpu and wasm backends, is run
 * for a few steps from the same weights, real batches and noise as a plain
 * float64 reference of the classic GAN step (test/reference.ts), and its
 * losses and weights must follow the reference. The layers variant must also
 * draw its initial weights from the same bounds as the others.
 */

import { beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: plain .mjs bench module without type declarations
import { loadTfjs } from '../bench/node-ops.mjs'
// @ts-expect-error: plain .mjs bench module without type declarations
import { buildTfjsBundle } from '../bench/tfjs-bundle.mjs'
// @ts-expect-error: plain .mjs bench module without type declarations
import { createTfjsGan, lcgValues, traceTfjsGan } from '../bench/tfjs.mjs'
import { maxAbsDiff, referenceGanStep, referenceMlp } from './reference.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tf = any

const DIM = 784
const LATENT = 100
const BATCH = 8
const COUNT = 20 // 20 rows / 8 per batch: the third step starts a new epoch
const STEPS = 3
const ADAM = { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 }
const G_SIZES = [LATENT, 128, 128, DIM]
const D_SIZES = [DIM, 128, 128, 1]

const images: Float32Array = lcgValues(COUNT * DIM, 7)

// ---- TF.js ---------------------------------------------------------------------------

let tf: Tf

beforeAll(async () => {
  await buildTfjsBundle()
  tf = await loadTfjs()
}, 120_000)

describe.each(['cpu', 'wasm'])('bench TF.js GANs on the %s backend (bench/tfjs.mjs)', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true)
  })

  it.each(['usual', 'layers', 'fast'])('%s: losses and weights follow a float64 reference of the step', (variant) => {
    const before = tf.memory().numTensors
    const trace = traceTfjsGan(tf, { variant, batch: BATCH, images, count: COUNT, steps: STEPS, seed: 3 })
    expect(tf.memory().numTensors).toBe(before)
    const w0: number[][] = trace.weights0
    expect(w0.map((w) => w.length)).toEqual([100 * 128, 128, 128 * 128, 128, 128 * 784, 784, 784 * 128, 128, 128 * 128, 128, 128, 1])
    // One noise draw per step, and the real rows the sampler chose.
    expect(trace.zs).toHaveLength(STEPS)
    expect(trace.reals.map((r: number[]) => r.length)).toEqual(Array(STEPS).fill(BATCH * DIM))
    const g = referenceMlp(G_SIZES, w0.slice(0, 6))
    const d = referenceMlp(D_SIZES, w0.slice(6))
    for (let t = 0; t < STEPS; t++) {
      const want = referenceGanStep(g, d, trace.reals[t], trace.zs[t], BATCH, ADAM)
      expect(trace.losses[t][0]).toBeCloseTo(want[0], 5)
      expect(trace.losses[t][1]).toBeCloseTo(want[1], 5)
    }
    // Adam moves each weight by up to ~lr per step; the f32 runs must land within
    // 2% of that movement of the reference (the whole distance travelled, not a rounding).
    const w: number[][] = trace.weights
    const ref = [...g.p, ...d.p]
    const moved = Math.max(...ref.map((p, i) => maxAbsDiff(p, w0[i])))
    expect(moved).toBeGreaterThan(STEPS * ADAM.lr * 0.5)
    for (let i = 0; i < ref.length; i++) expect(maxAbsDiff(w[i], ref[i]), `weight array ${i}`).toBeLessThan(0.02 * moved)
  })
})

describe('bench TF.js GANs: initial weights', () => {
  it('every variant draws W from ±√(6/((1+0.2²)·fan-in)) before LeakyReLU and ±√(6/(fan-in+fan-out)) last; biases 0', async () => {
    await tf.setBackend('cpu')
    for (const variant of ['usual', 'layers', 'fast']) {
      const gan = createTfjsGan(tf, { variant, batch: BATCH, images, count: COUNT, seed: 5 })
      const w: Float32Array[] = gan.getWeights()
      for (const [offset, sizes] of [
        [0, G_SIZES],
        [6, D_SIZES],
      ] as const) {
        for (let l = 0; l < 3; l++) {
          const [i, o] = [sizes[l], sizes[l + 1]]
          const bound = l < 2 ? Math.sqrt(6 / (1.04 * i)) : Math.sqrt(6 / (i + o))
          const big = Math.max(...w[offset + 2 * l].map(Math.abs))
          // Uniform on ±bound: the largest of ≥ 128 draws is within 5% of the bound.
          expect(big, `${variant} layer ${offset / 6}.${l}`).toBeLessThanOrEqual(bound * (1 + 1e-6))
          expect(big, `${variant} layer ${offset / 6}.${l}`).toBeGreaterThan(bound * 0.95)
          expect(w[offset + 2 * l + 1].every((b) => b === 0)).toBe(true)
        }
      }
      gan.dispose()
    }
  })

  it('refuses an unknown variant', () => {
    expect(() => createTfjsGan(tf, { variant: 'keras', batch: BATCH, images, count: COUNT })).toThrow(/unknown TF.js variant keras/)
  })
})
