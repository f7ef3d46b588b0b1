/**
 * Every exported kernel against the plain-loop reference (test/reference.ts),
 * as ONE suite body run against both embedded builds; then the two builds
 * against each other, bit for bit; then misuse, which must return a status
 * and a message, never trap.
 *
 * Tolerances (f32 kernels vs the f64 reference):
 * - products (matmul, dense forward): |got − want| ≤ 1e-5 · sqrt(k) · max(|z|, 1),
 *   z the exact pre-activation. Rounding in a k-term f32 dot product grows like
 *   sqrt(k) for random data; the activations are 1-Lipschitz (α < 1), so the
 *   same bound holds after them. Inputs are O(1), hence the floor of 1.
 * - elementwise kernels: a few f32 roundings of the result's natural scale,
 *   written next to each test.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { ActivationId, MatmulOp, Status, type WasmganExports } from '../ts/abi.js'
import type { Runtime } from '../ts/runtime.js'
import {
  Kernels,
  VARIANTS,
  expectClose,
  expectSameBits,
  loadVariant,
  randomF32,
  withHeap,
  type AdamParams,
  type AdamState,
  type Variant,
} from './helpers/wasm.js'
import * as ref from './reference.js'
import { expectWasmganError } from './fixtures/helpers.js'

/** Sizes that hit every loop of the simd kernels: 4-row blocks, 8- and 4-column tiles, element tails, and > 64. */
const SIZES = [1, 3, 4, 5, 15, 16, 17, 65, 128, 784]

/**
 * Shape i is (m, k, n) = (S[i], S[i+3], S[i+7]) cyclically: each size appears
 * exactly once in each position, and no shape pairs two of the big sizes, so
 * the set covers every loop without the cost of the full cube.
 */
const COVERING: Array<[number, number, number]> = SIZES.map((_, i) => [SIZES[i], SIZES[(i + 3) % 10], SIZES[(i + 7) % 10]])

/** The products of the default GAN (G 100→128→128→784, D 784→128→128→1, batch 64), forward and backward. */
const GAN_SHAPES: Array<[number, number, number]> = [
  [64, 100, 128], // G layer 1 forward
  [64, 128, 128], // hidden layers forward; their dX (NT)
  [64, 128, 784], // G layer 3 forward; dX of D layer 1 (NT)
  [64, 784, 128], // D layer 1 forward; dX of G layer 3 (NT)
  [100, 64, 128], // dW of G layer 1 (TN)
  [128, 64, 784], // dW of G layer 3 (TN)
  [784, 64, 128], // dW of D layer 1 (TN)
  [64, 128, 1], // D output layer forward
  [128, 784, 128], // a long k between lane-aligned m and n
]

/** Empty dimensions: nothing to do, and nothing may trap. */
const DEGENERATE: Array<[number, number, number]> = [
  [3, 0, 5],
  [0, 4, 4],
  [4, 4, 0],
]

/**
 * One output column (n = 1) or one product per element (k = 1): the simd
 * build's own paths for these (`gemv`, `outer` in simd128.rs), with row
 * blocks of 16, 8 and 4, row tails, and k tails past groups of 4.
 */
const NARROW: Array<[number, number, number]> = [
  [23, 7, 1],
  [37, 130, 1],
  [1, 9, 1],
  [6, 1, 1],
  [23, 1, 13],
  [16, 1, 8],
]

const MATMUL_SHAPES = [...COVERING, ...GAN_SHAPES, ...NARROW, ...DEGENERATE]
const DENSE_SHAPES: Array<[number, number, number]> = [...COVERING, ...GAN_SHAPES, ...NARROW, [3, 0, 5]]
/** Lengths of the elementwise kernels: vector lanes, tails, and long runs. */
const LENGTHS = [...SIZES, 1001]

const OPS = [
  ['NN', MatmulOp.NN],
  ['NT', MatmulOp.NT],
  ['TN', MatmulOp.TN],
] as const

const LEAKY_ALPHA = 0.2
const PRODUCT_RTOL = 1e-5
const productTol = (k: number, z: ArrayLike<number>) => (i: number) =>
  PRODUCT_RTOL * Math.sqrt(Math.max(k, 1)) * Math.max(Math.abs(z[i]), 1)

// ---- inputs and reference results, shared by both builds --------------------------------

const memo = new Map<string, unknown>()
function once<T>(key: string, make: () => T): T {
  if (!memo.has(key)) memo.set(key, make())
  return memo.get(key) as T
}

/** A seed that differs per test case, so no two cases see the same data. */
function seedOf(...parts: number[]): number {
  return parts.reduce((h, p) => (Math.imul(h ^ p, 0x9e3779b1) + 0x7f4a7c15) >>> 0, 0x12345)
}

interface MatmulCase {
  a: Float32Array
  b: Float32Array
  c0: Float32Array
}

function matmulCase(op: number, m: number, k: number, n: number): MatmulCase {
  return once(`mm-in:${op}:${m}:${k}:${n}`, () => {
    const s = seedOf(op, m, k, n)
    return { a: randomF32(m * k, s), b: randomF32(k * n, s + 1), c0: randomF32(m * n, s + 2) }
  })
}

function matmulWant(op: number, m: number, k: number, n: number, accumulate: boolean): Float64Array {
  return once(`mm-ref:${op}:${m}:${k}:${n}:${accumulate}`, () => {
    const { a, b, c0 } = matmulCase(op, m, k, n)
    return ref.matmul(op, m, k, n, a, b, accumulate ? c0 : undefined)
  })
}

interface DenseCase {
  x: Float32Array
  w: Float32Array
  bias: Float32Array
}

/** X and bias in [−1, 1), W scaled by sqrt(3/k) so pre-activations are O(1) and tanh/sigmoid do not just saturate. */
function denseCase(m: number, k: number, n: number): DenseCase {
  return once(`dense-in:${m}:${k}:${n}`, () => {
    const s = seedOf(7, m, k, n)
    const scale = Math.sqrt(3 / Math.max(k, 1))
    return { x: randomF32(m * k, s), w: randomF32(k * n, s + 1, -scale, scale), bias: randomF32(n, s + 2) }
  })
}

function denseWant(m: number, k: number, n: number, act: ref.ActivationName, alpha: number): { z: Float64Array; y: Float64Array } {
  return once(`dense-ref:${m}:${k}:${n}:${act}:${alpha}`, () => {
    const { x, w, bias } = denseCase(m, k, n)
    return ref.denseForward(m, k, n, x, w, bias, act, alpha)
  })
}

/** Outputs of `act` for inputs in [−3, 3), with every 7th input exactly 0 (the kink of relu and leaky). */
function activationOutputs(act: ref.ActivationName, alpha: number, len: number, seed: number): Float32Array {
  const x = randomF32(len, seed, -3, 3)
  for (let i = 0; i < len; i += 7) x[i] = 0
  return Float32Array.from(x, (v) => ref.activate(act, Math.fround(alpha), v))
}

const ADAM_SETTINGS: Array<[string, Omit<AdamParams, 't'>]> = [
  ['GAN (lr 2e-4, β1 0.5)', { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 }],
  ['default (lr 1e-3, β1 0.9)', { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }],
]

/** Gradients for Adam step t: mostly O(1), with exact zeros and tiny values mixed in. */
function adamGradient(len: number, t: number): Float32Array {
  const g = randomF32(len, seedOf(11, len, t))
  for (let i = 0; i < len; i += 5) g[i] = 0
  for (let i = 2; i < len; i += 9) g[i] *= 1e-6
  return g
}

// ---- one suite body, run against each build ----------------------------------------------

const runtimes = new Map<Variant, Promise<Runtime>>()
function runtimeOf(variant: Variant): Promise<Runtime> {
  if (!runtimes.has(variant)) runtimes.set(variant, loadVariant(variant))
  return runtimes.get(variant)!
}

describe.each(VARIANTS)('%s build', (variant) => {
  let k: Kernels
  beforeAll(async () => {
    k = new Kernels(await runtimeOf(variant))
  })

  describe('kernel_matmul vs the reference', () => {
    for (const [name, op] of OPS) {
      it.each(MATMUL_SHAPES)(`${name} %i×%i×%i`, (m, kk, n) => {
        const { a, b } = matmulCase(op, m, kk, n)
        const want = matmulWant(op, m, kk, n, false)
        expectClose(k.matmul(op, m, kk, n, a, b), want, productTol(kk, want), `${name} ${m}×${kk}×${n}`)
      })
      it.each([...COVERING, ...DEGENERATE])(`${name} %i×%i×%i with accumulate = 1 adds into C`, (m, kk, n) => {
        const { a, b, c0 } = matmulCase(op, m, kk, n)
        const want = matmulWant(op, m, kk, n, true)
        expectClose(k.matmul(op, m, kk, n, a, b, c0, 1), want, productTol(kk, want), `${name} += ${m}×${kk}×${n}`)
      })
    }
  })

  describe('kernel_dense_forward vs the reference', () => {
    for (const act of ref.ACTIVATIONS) {
      it.each(DENSE_SHAPES)(`${act} %i×%i×%i`, (m, kk, n) => {
        const { x, w, bias } = denseCase(m, kk, n)
        const { z, y } = denseWant(m, kk, n, act, LEAKY_ALPHA)
        expectClose(k.denseForward(m, kk, n, x, w, bias, ActivationId[act], LEAKY_ALPHA), y, productTol(kk, z), `${act} ${m}×${kk}×${n}`)
      })
    }
    it.each([0, 0.01, 0.5, 0.99])('leakyRelu with α = %f uses that slope', (alpha) => {
      const [m, kk, n] = [17, 15, 65]
      const { x, w, bias } = denseCase(m, kk, n)
      const { z, y } = denseWant(m, kk, n, 'leakyRelu', Math.fround(alpha))
      expect(z.some((v) => v < 0)).toBe(true)
      expectClose(k.denseForward(m, kk, n, x, w, bias, ActivationId.leakyRelu, alpha), y, productTol(kk, z), `leaky α ${alpha}`)
    })
  })

  describe('kernel_activation_backward vs the reference', () => {
    for (const act of ref.ACTIVATIONS) {
      // dz = dy·act'(y) is at most three f32 roundings of a value ≤ |dy|.
      it.each(LENGTHS)(`${act}, length %i`, (len) => {
        const y = activationOutputs(act, LEAKY_ALPHA, len, seedOf(3, len))
        const dy = randomF32(len, seedOf(4, len))
        const want = ref.activationBackward(act, Math.fround(LEAKY_ALPHA), y, dy)
        expectClose(k.activationBackward(ActivationId[act], LEAKY_ALPHA, y, dy), want, (i) => 1e-6 * Math.abs(dy[i]), `${act} len ${len}`)
      })
    }
  })

  describe('kernel_bce_logits vs the reference', () => {
    // Loss: each f32 term is within a few roundings of max(|l|, 1); gradient: a few roundings of 1/len.
    it.each(LENGTHS)('length %i', (len) => {
      const logits = randomF32(len, seedOf(5, len), -10, 10)
      const targets = Float32Array.from(randomF32(len, seedOf(6, len), 0, 1), (u, i) => [0, 1, u, 0.9][i % 4])
      const want = ref.bceWithLogits(logits, targets)
      const got = k.bce(logits, targets)
      const meanAbs = logits.reduce((s, l) => s + Math.abs(l), 0) / len
      expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(1e-6 * (meanAbs + 1))
      expectClose(got.grad, want.grad, () => 1e-6 / len, `bce grad len ${len}`)
    })

    it('stays finite and exact on extreme logits (±1e4, 0) for every target', () => {
      const logits = new Float32Array([1e4, -1e4, 0, 1e4, -1e4, 0, 1e4, -1e4, 0])
      const targets = new Float32Array([0, 0, 0, 1, 1, 1, 0.5, 0.5, 0.5])
      const got = k.bce(logits, targets)
      const want = ref.bceWithLogits(logits, targets)
      expect(Number.isFinite(got.loss)).toBe(true)
      expect(got.grad.every(Number.isFinite)).toBe(true)
      // Terms: 1e4 (l = 1e4, t = 0), 1e4 (l = −1e4, t = 1), 5000 twice (t = 1/2), ln 2 for each l = 0.
      expect(want.loss).toBeCloseTo((3e4 + 3 * Math.LN2) / 9, 9)
      expect(got.loss).toBeCloseTo(want.loss, 3)
      expectClose(got.grad, want.grad, () => 1e-7, 'bce grad on extreme logits')
      expect(Array.from(got.grad.subarray(0, 2))).toEqual([Math.fround(1 / 9), 0])
    })

    it('an empty batch has loss 0', () => {
      expect(k.bce(new Float32Array(0), new Float32Array(0)).loss).toBe(0)
    })
  })

  describe('kernel_adam vs the reference', () => {
    // m: a few roundings of max(|m|, |g|) ≤ 1; v: relative (no cancellation);
    // p: relative 1e-5 of the step size lr, plus the f32 rounding of p each step.
    for (const [label, hp] of ADAM_SETTINGS) {
      it.each(LENGTHS)(`${label}, steps t = 1..3, length %i`, (len) => {
        let got: AdamState = { p: randomF32(len, seedOf(10, len)), m: new Float32Array(len), v: new Float32Array(len) }
        const want = { p: Float64Array.from(got.p), m: new Float64Array(len), v: new Float64Array(len) }
        for (let t = 1; t <= 3; t++) {
          const g = adamGradient(len, t)
          got = k.adam(got.p, g, got.m, got.v, { ...hp, t })
          ref.adamStep(want.p, g, want.m, want.v, { ...hp, t })
          expectClose(got.m, want.m, (i) => 1e-6 * (Math.abs(want.m[i]) + 1), `m at t=${t}`)
          expectClose(got.v, want.v, (i) => 1e-6 * Math.abs(want.v[i]), `v at t=${t}`)
          expectClose(got.p, want.p, (i) => 1e-5 * hp.lr + 2 ** -21 * Math.abs(want.p[i]), `p at t=${t}`)
        }
      })
    }
  })

  describe('kernel_sgd vs the reference', () => {
    // p − lr·g: two f32 roundings.
    it.each(LENGTHS)('length %i', (len) => {
      for (const lr of [0.01, 0.5]) {
        const p = randomF32(len, seedOf(12, len))
        const g = randomF32(len, seedOf(13, len))
        const want = ref.sgdStep(p, g, lr)
        expectClose(k.sgd(p, g, lr), want, (i) => 2 ** -23 * (Math.abs(want[i]) + Math.abs(lr * g[i])), `sgd lr ${lr}`)
      }
    })
  })

  describe('misuse returns an error status, never a trap', () => {
    // A fresh instance: were one of these to trap, no other test would inherit the poisoned runtime.
    let rt: Runtime
    beforeAll(async () => {
      rt = await loadVariant(variant)
    })

    /** Three valid 4×4 operands, then `f` with their pointers; the status must be InvalidArgument. */
    function expectInvalid(
      f: (x: WasmganExports, p: { a: number; b: number; c: number; memEnd: number }) => number,
      ...fragments: string[]
    ): void {
      withHeap(rt, (h) => {
        const [a, b, c] = [h.f32(randomF32(16, 1)), h.f32(randomF32(16, 2)), h.alloc(16)]
        const status = rt.call((x) => f(x, { a, b, c, memEnd: x.memory.buffer.byteLength }))
        expect(status).toBe(Status.InvalidArgument)
        const message = rt.lastError()
        for (const fragment of fragments) expect(message).toContain(fragment)
      })
      expect(rt.trapped).toBe(false)
    }

    it('kernel_matmul with op 3', async () => {
      expectInvalid((x, { a, b, c }) => x.kernel_matmul(3, 4, 4, 4, a, b, c, 0), 'op', 'got 3')
      // Through the runtime, the status becomes the package's error with the module's message.
      await expectWasmganError(() => rt.check(Status.InvalidArgument, 'kernel_matmul'), 'E_INVALID_ARGUMENT', 'kernel_matmul: ', 'got 3')
    })

    it('a region that runs past the end of memory', () => {
      // 16 bytes starting 8 bytes before the end.
      expectInvalid((x, { b, c, memEnd }) => x.kernel_matmul(MatmulOp.NN, 2, 2, 2, memEnd - 8, b, c, 0), 'A', 'aligned region')
      expectInvalid((x, { a, b, memEnd }) => x.kernel_matmul(MatmulOp.NN, 2, 2, 2, a, b, memEnd + 64, 0), 'C')
      // A pointer whose end wraps around 2^32.
      expectInvalid((x, { a, c }) => x.kernel_matmul(MatmulOp.NN, 2, 2, 2, a, 0xfffffff8, c, 0), 'B')
    })

    it('a region that ends exactly at the end of memory is accepted (no off-by-one)', () => {
      withHeap(rt, (h) => {
        const [b, c] = [h.f32([1, 1, 1, 1]), h.alloc(1)]
        // A[1×4] is the last 16 bytes of memory; it is only read.
        const status = rt.call((x) => x.kernel_matmul(MatmulOp.NN, 1, 4, 1, x.memory.buffer.byteLength - 16, b, c, 0))
        expect(status).toBe(Status.Ok)
      })
    })

    it('a misaligned (odd) pointer', () => {
      expectInvalid((x, { a, b, c }) => x.kernel_matmul(MatmulOp.NN, 2, 2, 2, a + 1, b, c, 0), 'A', 'aligned')
      expectInvalid((x, { a, b, c }) => x.kernel_matmul(MatmulOp.NT, 2, 2, 2, a, b, c + 2, 0), 'C', 'aligned')
      expectInvalid((x, { a, b }) => x.kernel_sgd(4, a + 3, b, 0.1), 'p')
    })

    it('a null pointer and sizes whose byte count overflows', () => {
      expectInvalid((x, { b, c }) => x.kernel_matmul(MatmulOp.NN, 2, 2, 2, 0, b, c, 0), 'A')
      expectInvalid((x, { a, b, c }) => x.kernel_matmul(MatmulOp.NN, 65536, 65536, 1, a, b, c, 0), 'overflow')
      expectInvalid((x, { a, b, c }) => x.kernel_matmul(MatmulOp.NN, 32768, 32768, 1, a, b, c, 0), 'overflow')
    })

    it('activations out of range', () => {
      expectInvalid((x, { a, b, c }) => x.kernel_dense_forward(2, 2, 2, a, b, a, 5, 0, c), 'activation', 'id 5')
      expectInvalid((x, { a, b, c }) => x.kernel_dense_forward(2, 2, 2, a, b, a, ActivationId.leakyRelu, 1, c), 'alpha')
      expectInvalid((x, { a, b, c }) => x.kernel_dense_forward(2, 2, 2, a, b, a, ActivationId.leakyRelu, NaN, c), 'alpha')
      expectInvalid((x, { a, b, c }) => x.kernel_activation_backward(9, 0, 4, a, b, c), 'activation')
      expectInvalid((x, { a, b, c }) => x.kernel_activation_backward(ActivationId.leakyRelu, -0.1, 4, a, b, c), 'alpha')
    })

    it('Adam at step 0, and BCE on a bad region (NaN plus a message)', () => {
      expectInvalid((x, { a, b, c }) => x.kernel_adam(4, c, a, b, c + 16, 1e-3, 0.9, 0.999, 1e-8, 0), 't must be')
      withHeap(rt, (h) => {
        const [l, t, g] = [h.alloc(4), h.alloc(4), h.alloc(4)]
        expect(rt.call((x) => x.kernel_bce_logits(4, l + 1, t, g))).toBeNaN()
        expect(rt.lastError()).toContain('logits')
      })
    })

    it('the instance still works after all of that', () => {
      const out = new Kernels(rt).matmul(MatmulOp.NN, 1, 2, 1, new Float32Array([2, 3]), new Float32Array([5, 7]))
      expect(Array.from(out)).toEqual([31])
      expect(rt.trapped).toBe(false)
    })
  })
})

// ---- the two builds against each other ------------------------------------------------------

describe('simd and scalar builds agree bit for bit', () => {
  // The kernels promise it (same accumulation order, separate mul and add, see
  // crates/core/src/kernels/mod.rs), so any difference is a bug, not noise.
  let simd: Kernels
  let scalar: Kernels
  beforeAll(async () => {
    simd = new Kernels(await runtimeOf('simd'))
    scalar = new Kernels(await runtimeOf('scalar'))
  })

  it('kernel_matmul, every layout and shape, with and without accumulate', () => {
    for (const [name, op] of OPS) {
      for (const [m, kk, n] of MATMUL_SHAPES) {
        const { a, b, c0 } = matmulCase(op, m, kk, n)
        expectSameBits(simd.matmul(op, m, kk, n, a, b), scalar.matmul(op, m, kk, n, a, b), `${name} ${m}×${kk}×${n}`)
        expectSameBits(simd.matmul(op, m, kk, n, a, b, c0, 1), scalar.matmul(op, m, kk, n, a, b, c0, 1), `${name} += ${m}×${kk}×${n}`)
      }
    }
  })

  it('kernel_dense_forward, every activation and shape', () => {
    for (const act of ref.ACTIVATIONS) {
      for (const [m, kk, n] of DENSE_SHAPES) {
        const { x, w, bias } = denseCase(m, kk, n)
        const run = (kn: Kernels) => kn.denseForward(m, kk, n, x, w, bias, ActivationId[act], LEAKY_ALPHA)
        expectSameBits(run(simd), run(scalar), `${act} ${m}×${kk}×${n}`)
      }
    }
  })

  it('kernel_activation_backward, every activation and length', () => {
    for (const act of ref.ACTIVATIONS) {
      for (const len of LENGTHS) {
        const y = activationOutputs(act, LEAKY_ALPHA, len, seedOf(3, len))
        const dy = randomF32(len, seedOf(4, len))
        const run = (kn: Kernels) => kn.activationBackward(ActivationId[act], LEAKY_ALPHA, y, dy)
        expectSameBits(run(simd), run(scalar), `${act} len ${len}`)
      }
    }
  })

  it('kernel_bce_logits, loss and gradient', () => {
    for (const len of LENGTHS) {
      const logits = randomF32(len, seedOf(5, len), -10, 10)
      const targets = randomF32(len, seedOf(6, len), 0, 1)
      const [s, c] = [simd.bce(logits, targets), scalar.bce(logits, targets)]
      expect(Object.is(s.loss, c.loss), `loss len ${len}: ${s.loss} vs ${c.loss}`).toBe(true)
      expectSameBits(s.grad, c.grad, `bce grad len ${len}`)
    }
  })

  it('kernel_adam over three steps, and kernel_sgd', () => {
    for (const [label, hp] of ADAM_SETTINGS) {
      for (const len of LENGTHS) {
        const p0 = randomF32(len, seedOf(10, len))
        let s: AdamState = { p: p0, m: new Float32Array(len), v: new Float32Array(len) }
        let c = s
        for (let t = 1; t <= 3; t++) {
          const g = adamGradient(len, t)
          s = simd.adam(s.p, g, s.m, s.v, { ...hp, t })
          c = scalar.adam(c.p, g, c.m, c.v, { ...hp, t })
          for (const key of ['p', 'm', 'v'] as const) expectSameBits(s[key], c[key], `${label} ${key} len ${len} t ${t}`)
        }
      }
    }
    for (const len of LENGTHS) {
      const [p, g] = [randomF32(len, seedOf(12, len)), randomF32(len, seedOf(13, len))]
      expectSameBits(simd.sgd(p, g, 0.01), scalar.sgd(p, g, 0.01), `sgd len ${len}`)
    }
  })

  it('kernel_rng_fill', () => {
    for (const seed of [0, 1, 2 ** 53 - 1]) {
      for (const kind of [0, 1])
        expectSameBits(simd.rngFill(seed, kind, 1001), scalar.rngFill(seed, kind, 1001), `rng seed ${seed} kind ${kind}`)
    }
  })
})
