/**
 * The oracle: plain-loop TypeScript versions of every numeric kernel the wasm
 * module exports, written from the formulas documented in `crates/core`
 * (kernels/mod.rs, kernels/activation.rs, loss.rs, rng.rs), not from its loops.
 *
 * Arithmetic is f64 throughout (f32 inputs are exact in f64), so the reference
 * is closer to the exact result than either wasm build; the suites compare the
 * f32 kernels against it within a stated tolerance. The RNG port is the
 * exception: it reproduces the documented stream bit for bit with BigInt.
 */

import { ActivationId, MatmulOp } from '../ts/abi.js'

// ---- matmul -----------------------------------------------------------------------

/**
 * `C[m×n] = init + op(A, B)` in f64, for the three layouts of `kernel_matmul`:
 * NN `A[m×k]·B[k×n]`, NT `A[m×k]·B[n×k]ᵀ`, TN `A[k×m]ᵀ·B[k×n]`. `c0` is the
 * initial C (accumulate = 1); without it C starts from 0.
 */
export function matmul(
  op: number,
  m: number,
  k: number,
  n: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c0?: ArrayLike<number>,
): Float64Array {
  if (op !== MatmulOp.NN && op !== MatmulOp.NT && op !== MatmulOp.TN) throw new Error(`reference matmul: unknown op ${op}`)
  // Element (i, p) of the left operand is a[i·ars + p·acs]; (p, j) of the right one b[p·brs + j·bcs].
  const [ars, acs] = op === MatmulOp.TN ? [1, m] : [k, 1]
  const [brs, bcs] = op === MatmulOp.NT ? [1, k] : [n, 1]
  const c = new Float64Array(m * n)
  if (c0) for (let i = 0; i < m * n; i++) c[i] = c0[i]
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * ars + p * acs]
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * brs + j * bcs]
    }
  }
  return c
}

// ---- activations ------------------------------------------------------------------

/** The activations by name, as `ActivationId` numbers them. */
export type ActivationName = keyof typeof ActivationId
/** Every activation, in id order. */
export const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'leakyRelu', 'tanh', 'sigmoid']

/** `act(x)`; `alpha` is LeakyReLU's negative slope. */
export function activate(act: ActivationName, alpha: number, x: number): number {
  switch (act) {
    case 'linear':
      return x
    case 'relu':
      return x > 0 ? x : 0
    case 'leakyRelu':
      return x > 0 ? x : alpha * x
    case 'tanh':
      return Math.tanh(x)
    case 'sigmoid':
      return sigmoid(x)
  }
}

/** `act'(x)` expressed through the output `y = act(x)`, as the kernels compute it. */
export function activationDerivative(act: ActivationName, alpha: number, y: number): number {
  switch (act) {
    case 'linear':
      return 1
    case 'relu':
      return y > 0 ? 1 : 0
    case 'leakyRelu':
      return y > 0 ? 1 : alpha
    case 'tanh':
      return 1 - y * y
    case 'sigmoid':
      return y * (1 - y)
  }
}

/** The logistic function, in the form that cannot overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x))
  const e = Math.exp(x)
  return e / (1 + e)
}

/** `Y[m×n] = act(X[m×k]·W[k×n] + bias[n])`; also returns the pre-activation Z. */
export function denseForward(
  m: number,
  k: number,
  n: number,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: ArrayLike<number>,
  act: ActivationName,
  alpha: number,
): { z: Float64Array; y: Float64Array } {
  const z = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) z[i * n + j] = bias[j]
  const xw = matmul(MatmulOp.NN, m, k, n, x, w, z)
  return { z: xw, y: xw.map((v) => activate(act, alpha, v)) }
}

/** `dZ = dY ⊙ act'(x)`, with the derivative taken from the output Y. */
export function activationBackward(act: ActivationName, alpha: number, y: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dz = new Float64Array(y.length)
  for (let i = 0; i < y.length; i++) dz[i] = dy[i] * activationDerivative(act, alpha, y[i])
  return dz
}

// ---- loss -------------------------------------------------------------------------

/**
 * Mean binary cross-entropy on logits and its gradient `(σ(l) − t) / len`.
 * Per element `max(l, 0) − l·t + ln(1 + e^{−|l|})`, which equals
 * `−t·ln σ(l) − (1−t)·ln(1 − σ(l))` without overflow for any finite logit.
 */
export function bceWithLogits(logits: ArrayLike<number>, targets: ArrayLike<number>): { loss: number; grad: Float64Array } {
  const len = logits.length
  const grad = new Float64Array(len)
  let sum = 0
  for (let i = 0; i < len; i++) {
    const l = logits[i]
    const t = targets[i]
    sum += Math.max(l, 0) - l * t + Math.log1p(Math.exp(-Math.abs(l)))
    grad[i] = (sigmoid(l) - t) / len
  }
  return { loss: len === 0 ? 0 : sum / len, grad }
}

// ---- optimizers ---------------------------------------------------------------------

/** Adam's hyper-parameters and the step number t ≥ 1. */
export interface AdamStep {
  lr: number
  beta1: number
  beta2: number
  eps: number
  t: number
}

/**
 * One Adam step in PyTorch's form, in place on f64 state:
 * `m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 *  p −= (lr / (1−β1^t)) · m / (sqrt(v) / sqrt(1−β2^t) + ε)`.
 * The hyper-parameters are rounded to f32 first because that is what the
 * kernel receives; the reference must solve the same problem.
 */
export function adamStep(p: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, s: AdamStep): void {
  const [lr, b1, b2, eps] = [s.lr, s.beta1, s.beta2, s.eps].map(Math.fround)
  const bc1 = 1 - b1 ** s.t
  const bc2 = 1 - b2 ** s.t
  for (let i = 0; i < p.length; i++) {
    m[i] = b1 * m[i] + (1 - b1) * g[i]
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
    p[i] -= ((lr / bc1) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps)
  }
}

/** One SGD step: `p − lr·g` (lr rounded to f32 as the kernel receives it). */
export function sgdStep(p: ArrayLike<number>, g: ArrayLike<number>, lr: number): Float64Array {
  const r = Math.fround(lr)
  return Float64Array.from(p, (pi, i) => pi - r * g[i])
}

/** The largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

// ---- the classic GAN step ----------------------------------------------------------

/**
 * A network of dense layers for {@link referenceGanStep}: LeakyReLU between
 * layers, its parameters `[W1, b1, W2, b2, …]` (each W `[in × out]`
 * row-major, the checkpoint's layout) and Adam's moments beside them, in f64.
 */
export interface ReferenceMlp {
  sizes: number[]
  p: Float64Array[]
  m: Float64Array[]
  v: Float64Array[]
  /** Adam steps taken. */
  t: number
}

/** A {@link ReferenceMlp} with the given parameters and zero Adam state. */
export function referenceMlp(sizes: number[], params: ArrayLike<number>[]): ReferenceMlp {
  if (params.length !== 2 * (sizes.length - 1))
    throw new Error(`referenceMlp: ${params.length} parameter arrays for ${sizes.length - 1} layers`)
  params.forEach((p, i) => {
    const l = i >> 1
    const want = i % 2 ? sizes[l + 1] : sizes[l] * sizes[l + 1]
    if (p.length !== want) throw new Error(`referenceMlp: parameter array ${i} has ${p.length} values, not ${want}`)
  })
  return {
    sizes,
    p: params.map((w) => Float64Array.from(w)),
    m: params.map((w) => new Float64Array(w.length)),
    v: params.map((w) => new Float64Array(w.length)),
    t: 0,
  }
}

/** Forward through every layer (LeakyReLU `alpha` between layers, `out` last); every layer's output, index 0 the input. */
function mlpForward(n: ReferenceMlp, x: ArrayLike<number>, rows: number, out: ActivationName, alpha: number): ArrayLike<number>[] {
  const ys: ArrayLike<number>[] = [x]
  for (let l = 0; l + 1 < n.sizes.length; l++) {
    const act = l + 2 < n.sizes.length ? 'leakyRelu' : out
    ys.push(denseForward(rows, n.sizes[l], n.sizes[l + 1], ys[l], n.p[2 * l], n.p[2 * l + 1], act, alpha).y)
  }
  return ys
}

/** Backward from dL/d(output) through the outputs `ys` of {@link mlpForward}: the parameter gradients and dL/d(input). */
function mlpBackward(n: ReferenceMlp, ys: ArrayLike<number>[], dOut: ArrayLike<number>, rows: number, out: ActivationName, alpha: number) {
  const grads: Float64Array[] = []
  let dy: ArrayLike<number> = dOut
  for (let l = n.sizes.length - 2; l >= 0; l--) {
    const [k, o] = [n.sizes[l], n.sizes[l + 1]]
    const dz = activationBackward(l + 2 < n.sizes.length ? 'leakyRelu' : out, alpha, ys[l + 1], dy)
    const db = new Float64Array(o)
    for (let i = 0; i < rows; i++) for (let j = 0; j < o; j++) db[j] += dz[i * o + j]
    grads[2 * l] = matmul(MatmulOp.TN, k, rows, o, ys[l], dz)
    grads[2 * l + 1] = db
    dy = matmul(MatmulOp.NT, rows, o, k, dz, n.p[2 * l])
  }
  return { grads, dx: dy }
}

function mlpAdam(n: ReferenceMlp, grads: Float64Array[], adam: Omit<AdamStep, 't'>): void {
  n.t++
  n.p.forEach((p, i) => adamStep(p, grads[i], n.m[i], n.v[i], { ...adam, t: n.t }))
}

/**
 * One step of the classic GAN, in place on `g` and `d`: D on the real batch
 * (target 1) and on G(z) detached (target 0), its loss the sum of the two
 * mean BCE-with-logits; Adam on D; then G through the updated D with the
 * non-saturating loss (mean BCE of D(G(z)) against 1); Adam on G. G ends in
 * tanh, D in a logit, LeakyReLU `alpha` elsewhere. Returns [D loss, G loss].
 */
export function referenceGanStep(
  g: ReferenceMlp,
  d: ReferenceMlp,
  real: ArrayLike<number>,
  z: ArrayLike<number>,
  rows: number,
  adam: Omit<AdamStep, 't'>,
  alpha = 0.2,
): [number, number] {
  const ones = new Float64Array(rows).fill(1)
  const zeros = new Float64Array(rows)
  const last = (ys: ArrayLike<number>[]) => ys[ys.length - 1]
  const fake = last(mlpForward(g, z, rows, 'tanh', alpha))
  const yr = mlpForward(d, real, rows, 'linear', alpha)
  const yf = mlpForward(d, fake, rows, 'linear', alpha)
  const lr = bceWithLogits(last(yr), ones)
  const lf = bceWithLogits(last(yf), zeros)
  const gr = mlpBackward(d, yr, lr.grad, rows, 'linear', alpha).grads
  const gf = mlpBackward(d, yf, lf.grad, rows, 'linear', alpha).grads
  mlpAdam(
    d,
    gr.map((x, i) => Float64Array.from(x, (v, j) => v + gf[i][j])),
    adam,
  )
  const gy = mlpForward(g, z, rows, 'tanh', alpha)
  const dy = mlpForward(d, last(gy), rows, 'linear', alpha)
  const lg = bceWithLogits(last(dy), ones)
  const dFake = mlpBackward(d, dy, lg.grad, rows, 'linear', alpha).dx
  mlpAdam(g, mlpBackward(g, gy, dFake, rows, 'tanh', alpha).grads, adam)
  return [lr.loss + lf.loss, lg.loss]
}

// ---- RNG --------------------------------------------------------------------------

const MASK64 = (1n << 64n) - 1n

function rotl(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (64n - k))) & MASK64
}

/** The SplitMix64 output function (finaliser). */
export function splitmixMix(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64
  return z ^ (z >> 31n)
}

/**
 * An independent port of the RNG documented in `crates/core/src/rng.rs`:
 * xoshiro256** seeded with four consecutive SplitMix64 outputs; uniform f32
 * from the top 24 bits; normals by Marsaglia's polar method on 53-bit
 * doubles in [−1, 1), keeping the second variate of each pair as a spare.
 */
export class ReferenceRng {
  readonly s: bigint[]
  #spare: number | undefined

  /**
   * Seeded through SplitMix64 (or, with four words, set to that state
   * directly, with the polar method's spare variate if one is kept).
   */
  constructor(seed: bigint | number | readonly bigint[], spare?: number) {
    this.#spare = spare
    if (Array.isArray(seed)) {
      this.s = seed.map((w) => BigInt.asUintN(64, w))
      return
    }
    let x = BigInt.asUintN(64, BigInt(seed as number | bigint))
    this.s = []
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b97f4a7c15n) & MASK64
      this.s.push(splitmixMix(x))
    }
  }

  /** The next 64-bit output of xoshiro256**. */
  nextU64(): bigint {
    const s = this.s
    const result = (rotl((s[1] * 5n) & MASK64, 7n) * 9n) & MASK64
    const t = (s[1] << 17n) & MASK64
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 45n)
    return result
  }

  /** Uniform in [0, 1): `(x >> 40) · 2^-24` (exact in f32). */
  uniformF32(): number {
    return Number(this.nextU64() >> 40n) * 2 ** -24
  }

  /** Uniform in [−1, 1) from 53 bits. */
  signedF64(): number {
    return 2 * (Number(this.nextU64() >> 11n) * 2 ** -53) - 1
  }

  /** A standard normal variate, rounded to f32 as the kernel stores it. */
  normalF32(): number {
    if (this.#spare !== undefined) {
      const z = this.#spare
      this.#spare = undefined
      return Math.fround(z)
    }
    for (;;) {
      const u = this.signedF64()
      const v = this.signedF64()
      const s = u * u + v * v
      if (s < 1 && s > 0) {
        const f = Math.sqrt((-2 * lnUnit(s)) / s)
        this.#spare = v * f
        return Math.fround(u * f)
      }
    }
  }
}

/** The f64 with the given high and low 32-bit words. */
function f64FromWords(hi: number, lo: number): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setUint32(0, hi)
  view.setUint32(4, lo)
  return view.getFloat64(0)
}

const LN2_HI = f64FromWords(0x3fe62e42, 0xfee00000)
const LN2_LO = f64FromWords(0x3dea39ef, 0x35793c76)
const LG = [
  [0x3fe55555, 0x55555593],
  [0x3fd99999, 0x9997fa04],
  [0x3fd24924, 0x94229359],
  [0x3fcc71c5, 0x1d8e78af],
  [0x3fc74664, 0x96cb03de],
  [0x3fc39a09, 0xd078c69f],
  [0x3fc2f112, 0xdf3e5244],
].map(([hi, lo]) => f64FromWords(hi, lo))

/**
 * ln s for a normal s in (0, 1) as the wasm module computes it: fdlibm's
 * `e_log.c` method in musl's single-formula form (what Rust's wasm32 std
 * calls for `f64::ln`), from its published constants. V8's `Math.log` is
 * fdlibm's original, whose branches round differently in the last bit now
 * and then, so it cannot serve as the bit-exact reference.
 */
export function lnUnit(s: number): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, s)
  const hx = view.getUint32(0) + (0x3ff00000 - 0x3fe6a09e)
  const k = (hx >>> 20) - 0x3ff
  view.setUint32(0, (hx & 0xfffff) + 0x3fe6a09e)
  const f = view.getFloat64(0) - 1
  const hfsq = 0.5 * f * f
  const t = f / (2 + f)
  const z = t * t
  const w = z * z
  const t1 = w * (LG[1] + w * (LG[3] + w * LG[5]))
  const t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])))
  const r = t2 + t1
  return t * (hfsq + r) + k * LN2_LO - hfsq + f + k * LN2_HI
}

/** What `kernel_rng_fill(seed, kind, n)` must write: kind 0 normals, kind 1 uniforms. */
export function rngFill(seed: number | bigint, kind: 0 | 1, n: number): Float32Array {
  const rng = new ReferenceRng(seed)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = kind === 0 ? rng.normalF32() : rng.uniformF32()
  return out
}
