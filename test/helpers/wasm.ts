/**
 * Shared helpers for the suites that call the raw `kernel_*` exports: loading
 * one embedded build, scoped allocations in its heap, one typed wrapper per
 * kernel (copy in, call, check the status, copy out), seeded test data, and
 * the two comparisons the suites use (within a tolerance, and bit for bit).
 */

import { expect } from 'vitest'
import type { Ptr } from '../../ts/abi.js'
import { instantiate } from '../../ts/load.js'
import type { Runtime } from '../../ts/runtime.js'

/** The two embedded builds. */
export type Variant = 'simd' | 'scalar'
/** Every build a kernel suite runs against. */
export const VARIANTS: readonly Variant[] = ['simd', 'scalar']

/** A fresh, independent instance of one embedded build, checked to be that build. */
export async function loadVariant(variant: Variant): Promise<Runtime> {
  const rt = await instantiate({ variant })
  expect(rt.simd, `the ${variant} build reports wg_simd() = ${rt.simd ? 1 : 0}`).toBe(variant === 'simd')
  return rt
}

/**
 * Allocations in a runtime's heap that are all freed together. Lengths are in
 * f32 elements; zero-length buffers still get a real (4-byte) allocation so
 * that every pointer handed to a kernel is valid and aligned.
 */
export class Heap {
  readonly rt: Runtime
  #live: Array<[Ptr, number]> = []

  constructor(rt: Runtime) {
    this.rt = rt
  }

  /** `len` f32 of uninitialised memory. */
  alloc(len: number): Ptr {
    const bytes = Math.max(len, 1) * 4
    const ptr = this.rt.call((x) => x.wg_alloc(bytes))
    if (ptr === 0) throw new Error(`wg_alloc(${bytes}) returned 0`)
    this.#live.push([ptr, bytes])
    return ptr
  }

  /** A copy of `data` in the heap. */
  f32(data: ArrayLike<number>): Ptr {
    const ptr = this.alloc(data.length)
    this.write(ptr, data)
    return ptr
  }

  /** Overwrites the f32 values at `ptr`. */
  write(ptr: Ptr, data: ArrayLike<number>): void {
    // A fresh view per access: any call may have grown (and detached) memory.
    this.rt.call((x) => new Float32Array(x.memory.buffer, ptr, data.length).set(data))
  }

  /** A copy of `len` f32 at `ptr`. */
  read(ptr: Ptr, len: number): Float32Array {
    return this.rt.call((x) => new Float32Array(x.memory.buffer, ptr, len).slice())
  }

  /** Frees every allocation of this heap. */
  free(): void {
    for (const [ptr, bytes] of this.#live.splice(0)) this.rt.call((x) => x.wg_free(ptr, bytes))
  }
}

/** Runs `f` with a heap that is freed afterwards, even when `f` throws. */
export function withHeap<T>(rt: Runtime, f: (heap: Heap) => T): T {
  const heap = new Heap(rt)
  try {
    return f(heap)
  } finally {
    if (!rt.trapped) heap.free()
  }
}

/** Adam hyper-parameters as the kernel takes them. */
export interface AdamParams {
  lr: number
  beta1: number
  beta2: number
  eps: number
  t: number
}

/** The three arrays one Adam step updates. */
export interface AdamState {
  p: Float32Array
  m: Float32Array
  v: Float32Array
}

/**
 * One typed wrapper per kernel over a runtime: inputs are copied into fresh
 * allocations, a non-zero status throws the module's message (via
 * `Runtime.check`), and outputs come back as copies.
 */
export class Kernels {
  readonly rt: Runtime

  constructor(rt: Runtime) {
    this.rt = rt
  }

  /** `kernel_matmul`; `c0` is C's content before the call (needed with accumulate = 1). */
  matmul(op: number, m: number, k: number, n: number, a: Float32Array, b: Float32Array, c0?: Float32Array, accumulate = 0): Float32Array {
    return withHeap(this.rt, (h) => {
      const [ap, bp, c] = [h.f32(a), h.f32(b), c0 ? h.f32(c0) : h.alloc(m * n)]
      const s = this.rt.call((x) => x.kernel_matmul(op, m, k, n, ap, bp, c, accumulate))
      this.rt.check(s, `kernel_matmul(op ${op}, ${m}×${k}×${n})`)
      return h.read(c, m * n)
    })
  }

  /** `kernel_dense_forward`: Y[m×n] = act(X[m×k]·W[k×n] + bias). */
  denseForward(
    m: number,
    k: number,
    n: number,
    xs: Float32Array,
    w: Float32Array,
    bias: Float32Array,
    act: number,
    alpha: number,
  ): Float32Array {
    return withHeap(this.rt, (h) => {
      const [xp, wp, bp, y] = [h.f32(xs), h.f32(w), h.f32(bias), h.alloc(m * n)]
      const s = this.rt.call((x) => x.kernel_dense_forward(m, k, n, xp, wp, bp, act, alpha, y))
      this.rt.check(s, `kernel_dense_forward(${m}×${k}×${n}, act ${act})`)
      return h.read(y, m * n)
    })
  }

  /** `kernel_activation_backward`: dZ = dY ⊙ act'(from Y). */
  activationBackward(act: number, alpha: number, y: Float32Array, dy: Float32Array): Float32Array {
    return withHeap(this.rt, (h) => {
      const [yp, dyp, dz] = [h.f32(y), h.f32(dy), h.alloc(y.length)]
      const s = this.rt.call((x) => x.kernel_activation_backward(act, alpha, y.length, yp, dyp, dz))
      this.rt.check(s, `kernel_activation_backward(act ${act}, len ${y.length})`)
      return h.read(dz, y.length)
    })
  }

  /** `kernel_bce_logits`: the mean loss and its gradient with respect to the logits. */
  bce(logits: Float32Array, targets: Float32Array): { loss: number; grad: Float32Array } {
    return withHeap(this.rt, (h) => {
      const [lp, tp, grad] = [h.f32(logits), h.f32(targets), h.alloc(logits.length)]
      const loss = this.rt.call((x) => x.kernel_bce_logits(logits.length, lp, tp, grad))
      if (Number.isNaN(loss)) throw new Error(`kernel_bce_logits failed: ${this.rt.lastError()}`)
      return { loss, grad: h.read(grad, logits.length) }
    })
  }

  /** `kernel_adam`: one step; returns the updated p, m and v. */
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, hp: AdamParams): AdamState {
    return withHeap(this.rt, (h) => {
      const [pp, gp, mp, vp] = [h.f32(p), h.f32(g), h.f32(m), h.f32(v)]
      const s = this.rt.call((x) => x.kernel_adam(p.length, pp, gp, mp, vp, hp.lr, hp.beta1, hp.beta2, hp.eps, hp.t))
      this.rt.check(s, `kernel_adam(len ${p.length}, t ${hp.t})`)
      return { p: h.read(pp, p.length), m: h.read(mp, p.length), v: h.read(vp, p.length) }
    })
  }

  /** `kernel_sgd`: p − lr·g. */
  sgd(p: Float32Array, g: Float32Array, lr: number): Float32Array {
    return withHeap(this.rt, (h) => {
      const [pp, gp] = [h.f32(p), h.f32(g)]
      const s = this.rt.call((x) => x.kernel_sgd(p.length, pp, gp, lr))
      this.rt.check(s, `kernel_sgd(len ${p.length})`)
      return h.read(pp, p.length)
    })
  }

  /** `kernel_rng_fill`: `n` normals (kind 0) or uniforms (kind 1) from `seed`. */
  rngFill(seed: number, kind: number, n: number): Float32Array {
    return withHeap(this.rt, (h) => {
      const out = h.alloc(n)
      const s = this.rt.call((x) => x.kernel_rng_fill(seed, kind, n, out))
      this.rt.check(s, `kernel_rng_fill(seed ${seed}, kind ${kind}, n ${n})`)
      return h.read(out, n)
    })
  }
}

/**
 * `n` f32 uniform in [lo, hi) from a small seeded generator (mulberry32).
 * Test data only: it is deliberately not the library's RNG, so a bug there
 * cannot hide itself in the inputs.
 */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296
    out[i] = lo + (hi - lo) * u
  }
  return out
}

/**
 * Asserts `|got[i] − want[i]| ≤ tol(i)` for every i. On failure the message
 * names the worst element (index, got, want, tolerance) instead of dumping
 * arrays; passes also make one `expect` per array, which keeps big shapes fast.
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length)
  let worst = -1
  let worstRatio = 0
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i])
    const ratio = Number.isNaN(err) ? Infinity : err === 0 ? 0 : err / tol(i)
    if (ratio > worstRatio) {
      worstRatio = ratio
      worst = i
    }
  }
  if (worstRatio > 1) {
    const i = worst
    expect.fail(
      `${what}: element ${i} is ${got[i]}, expected ${want[i]} ± ${tol(i)} (error ${Math.abs(got[i] - want[i])}, ${worstRatio.toFixed(1)}× the tolerance)`,
    )
  }
}

/** Asserts two f32 arrays are identical bit for bit (so −0 ≠ +0 and NaN payloads count). */
export function expectSameBits(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length)
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length)
  let diffs = 0
  let first = -1
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) {
      if (first < 0) first = i
      diffs++
    }
  }
  if (diffs > 0) {
    const hex = (u: number) => '0x' + u.toString(16).padStart(8, '0')
    expect.fail(
      `${what}: ${diffs} of ${a.length} elements differ; first at ${first}: ${a[first]} (${hex(ua[first])}) vs ${b[first]} (${hex(ub[first])})`,
    )
  }
}
