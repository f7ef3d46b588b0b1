/**
 * Finite-difference gradient checks through the wasm kernels (simd build).
 *
 * A dense layer Y = act(X·W + b) runs forward through `kernel_dense_forward`;
 * its backward pass is composed from the other kernels exactly as a training
 * step composes it: dZ = `kernel_activation_backward`(Y, dY),
 * dW = Xᵀ·dZ (`kernel_matmul` TN), dX = dZ·Wᵀ (NT), db = column sums of dZ
 * (in TypeScript here). The scalar loss is L = Σ Y ⊙ R for a fixed random R,
 * so dY = R, and every analytic gradient is compared with the central
 * difference (L(θ+h) − L(θ−h)) / (θ+h − θ−h) of the forward kernel, with L
 * summed in f64 and the actual f32 step as denominator.
 *
 * Tolerance: |fd − analytic| ≤ 1e-3 · max(|analytic|, 1). Central
 * differences of a smooth L have error O(h²) (≈ 1e-5 at h = 1e-2), and the
 * f32 rounding of Y contributes ≈ 1e-7 · sqrt(m) / h; both sit far inside the
 * bound, while any wrong index, transpose or factor lands far outside it.
 * ReLU and LeakyReLU have kinks: when θ ± h straddles one, the difference
 * quotient mixes two slopes, so for them a failing check is retried with
 * smaller h (1e-2, then 1e-3, then 1e-4) before it counts as a failure. A
 * wrong gradient fails at every h, so the retry cannot hide a bug. Smooth
 * functions get h = 1e-2 only.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { ActivationId, MatmulOp } from '../ts/abi.js'
import type { Runtime } from '../ts/runtime.js'
import { Heap, Kernels, loadVariant, randomF32, withHeap } from './helpers/wasm.js'
import { ACTIVATIONS, type ActivationName } from './reference.js'

const ALPHA = 0.2
/** Step sizes: one for smooth functions, then smaller ones where a kink may sit inside θ ± h. */
const SMOOTH_STEPS = [1e-2]
const KINKED_STEPS = [1e-2, 1e-3, 1e-4]
const stepsFor = (act: ActivationName) => (act === 'relu' || act === 'leakyRelu' ? KINKED_STEPS : SMOOTH_STEPS)
const TOL = 1e-3
const SHAPES: Array<[number, number, number]> = [
  [5, 7, 9],
  [3, 17, 1],
  [4, 16, 8],
]

/** One checked quantity: analytic gradient vs the central differences that were tried. */
interface Mismatch {
  what: string
  analytic: number
  tried: Array<{ h: number; fd: number }>
}

const close = (fd: number, analytic: number) => Math.abs(fd - analytic) <= TOL * Math.max(Math.abs(analytic), 1)

/**
 * Checks `analytic[i]` = ∂loss/∂data[i] for every i by perturbing `data[i]`
 * in the heap at `ptr` (and restoring it). Returns the entries that failed at
 * every step size.
 */
function finiteDifferences(
  heap: Heap,
  name: string,
  data: Float32Array,
  ptr: number,
  analytic: ArrayLike<number>,
  loss: () => number,
  steps: readonly number[],
): Mismatch[] {
  const failures: Mismatch[] = []
  for (let i = 0; i < data.length; i++) {
    const x = data[i]
    const tried: Mismatch['tried'] = []
    for (const h of steps) {
      const [up, down] = [Math.fround(x + h), Math.fround(x - h)]
      heap.write(ptr + 4 * i, [up])
      const lUp = loss()
      heap.write(ptr + 4 * i, [down])
      const lDown = loss()
      heap.write(ptr + 4 * i, [x])
      const fd = (lUp - lDown) / (up - down)
      tried.push({ h, fd })
      if (close(fd, analytic[i])) break
    }
    if (!close(tried[tried.length - 1].fd, analytic[i])) failures.push({ what: `${name}[${i}]`, analytic: analytic[i], tried })
  }
  return failures
}

describe('dense layer gradients vs finite differences (simd build)', () => {
  let rt: Runtime
  let k: Kernels
  beforeAll(async () => {
    rt = await loadVariant('simd')
    k = new Kernels(rt)
  })

  for (const act of ACTIVATIONS) {
    it.each(SHAPES)(`${act}, X[%i×%i]·W[·×%i]`, (m, kin, n) => {
      const id = ActivationId[act]
      const steps = stepsFor(act)
      const scale = Math.sqrt(3 / kin)
      const x = randomF32(m * kin, 100 + m)
      const w = randomF32(kin * n, 200 + kin, -scale, scale)
      const b = randomF32(n, 300 + n, -0.5, 0.5)
      const r = randomF32(m * n, 400 + m * n)

      // Analytic gradients, composed from the kernels.
      const y = k.denseForward(m, kin, n, x, w, b, id, ALPHA)
      const dz = k.activationBackward(id, ALPHA, y, r)
      const dw = k.matmul(MatmulOp.TN, kin, m, n, x, dz) // Xᵀ[kin×m] · dZ[m×n]
      const dx = k.matmul(MatmulOp.NT, m, n, kin, dz, w) // dZ[m×n] · W[kin×n]ᵀ
      const db = new Float64Array(n)
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) db[j] += dz[i * n + j]

      const failures = withHeap(rt, (h) => {
        const [xp, wp, bp, yp] = [h.f32(x), h.f32(w), h.f32(b), h.alloc(m * n)]
        const loss = () => {
          rt.check(
            rt.call((e) => e.kernel_dense_forward(m, kin, n, xp, wp, bp, id, ALPHA, yp)),
            'kernel_dense_forward',
          )
          const out = h.read(yp, m * n)
          let l = 0
          for (let i = 0; i < out.length; i++) l += out[i] * r[i]
          return l
        }
        return [
          ...finiteDifferences(h, 'dW', w, wp, dw, loss, steps),
          ...finiteDifferences(h, 'db', b, bp, db, loss, steps),
          ...finiteDifferences(h, 'dX', x, xp, dx, loss, steps),
        ]
      })
      expect(failures, JSON.stringify(failures.slice(0, 3))).toEqual([])
    })
  }
})

describe('kernel_bce_logits gradient vs finite differences (simd build)', () => {
  let rt: Runtime
  beforeAll(async () => {
    rt = await loadVariant('simd')
  })

  it('on logits from saturated to zero, with hard and smoothed targets', () => {
    const logits = new Float32Array([-15, -6, -2, -0.3, 0, 0.7, 3, 8, 15])
    const targets = new Float32Array([1, 0, 0.9, 0.1, 1, 0, 0.5, 1, 0])
    const len = logits.length
    const failures = withHeap(rt, (h) => {
      const [lp, tp, gp] = [h.f32(logits), h.f32(targets), h.alloc(len)]
      const loss = () => rt.call((e) => e.kernel_bce_logits(len, lp, tp, gp))
      loss()
      const grad = h.read(gp, len)
      // The gradient of the mean loss is (σ(l) − t)/len: scale the check to 1/len.
      return finiteDifferences(
        h,
        'dL/dl',
        logits,
        lp,
        grad.map((g) => g * len),
        () => loss() * len,
        SMOOTH_STEPS,
      )
    })
    expect(failures, JSON.stringify(failures)).toEqual([])
  })
})
