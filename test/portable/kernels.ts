/**
 * The core of test/kernels.test.ts and test/rng.test.ts in a form every
 * runtime can run (Node, Bun, Deno, Chromium): each kernel against the same
 * plain-loop oracle (test/reference.ts) with the same tolerances, the simd
 * build against the scalar one bit for bit, a dense layer's gradients
 * against finite differences, and the RNG against the BigInt port of its
 * documented stream. An engine that computes differently (a JIT bug, a
 * different SIMD lowering) fails here in that engine.
 */

import * as ref from '../reference.js'
import { assert, close, sameBits, sha256, type Api, type Suite } from './harness.js'

type Runtime = Awaited<ReturnType<Api['instantiate']>>

/** Sizes that hit every loop of the simd kernels: 4-row blocks, 8- and 4-column tiles, tails, and > 64. */
const SIZES = [1, 3, 4, 5, 15, 16, 17, 65, 128]
/** Each size once in each position, without pairing two big ones (as in test/kernels.test.ts). */
const SHAPES: [number, number, number][] = SIZES.map((_, i) => [SIZES[i]!, SIZES[(i + 3) % SIZES.length]!, SIZES[(i + 7) % SIZES.length]!])
/** One output column or one product per element (the simd build's `gemv` and `outer`), as in test/kernels.test.ts. */
const NARROW: [number, number, number][] = [
  [23, 7, 1],
  [37, 130, 1],
  [6, 1, 1],
  [23, 1, 13],
]
const OPS = { NN: 0, NT: 1, TN: 2 } as const
const LEAKY = 0.2

/** Deterministic values in [-1, 1) (an LCG: the suite must not depend on Math.random). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n)
  let s = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = s / 2 ** 31 - 1
  }
  return out
}

/** Products: |got − want| ≤ 1e-5 · sqrt(k) · max(|z|, 1), as in test/kernels.test.ts. */
const productTol = (k: number, z: ArrayLike<number>) => (i: number) => 1e-5 * Math.sqrt(Math.max(k, 1)) * Math.max(Math.abs(z[i]!), 1)

/** Buffers in one module instance: allocated, filled, read back, freed together. */
class Heap {
  #rt: Runtime
  #live: [number, number][] = []
  constructor(rt: Runtime) {
    this.#rt = rt
  }
  put(data: ArrayLike<number>): number {
    const bytes = Math.max(4, data.length * 4)
    const ptr = this.#rt.call((x) => x.wg_alloc(bytes))
    assert(ptr !== 0, `wg_alloc(${bytes}) failed`)
    this.#live.push([ptr, bytes])
    this.#rt.call((x) => new Float32Array(x.memory.buffer, ptr, data.length).set(data))
    return ptr
  }
  zeros(n: number): number {
    return this.put(new Float32Array(n))
  }
  get(ptr: number, n: number): Float32Array {
    return this.#rt.call((x) => new Float32Array(x.memory.buffer, ptr, n).slice())
  }
  ok(status: number, what: string): void {
    assert(status === 0, `${what}: status ${status} (${status ? this.#rt.lastError() : ''})`)
  }
  free(): void {
    for (const [ptr, bytes] of this.#live) this.#rt.call((x) => x.wg_free(ptr, bytes))
    this.#live = []
  }
}

/** One typed call per kernel on one runtime: copy in, call, check the status, copy out. */
function kernels(rt: Runtime) {
  const run = <T>(f: (h: Heap) => T): T => {
    const h = new Heap(rt)
    try {
      return f(h)
    } finally {
      h.free()
    }
  }
  return {
    matmul: (op: number, m: number, k: number, n: number, a: Float32Array, b: Float32Array, c0?: Float32Array) =>
      run((h) => {
        const c = c0 ? h.put(c0) : h.zeros(m * n)
        h.ok(
          rt.call((x) => x.kernel_matmul(op, m, k, n, h.put(a), h.put(b), c, c0 ? 1 : 0)),
          `matmul ${op} ${m}×${k}×${n}`,
        )
        return h.get(c, m * n)
      }),
    dense: (m: number, k: number, n: number, x: Float32Array, w: Float32Array, b: Float32Array, act: number, alpha: number) =>
      run((h) => {
        const y = h.zeros(m * n)
        h.ok(
          rt.call((e) => e.kernel_dense_forward(m, k, n, h.put(x), h.put(w), h.put(b), act, alpha, y)),
          `dense ${m}×${k}×${n}`,
        )
        return h.get(y, m * n)
      }),
    actBackward: (act: number, alpha: number, y: Float32Array, dy: Float32Array) =>
      run((h) => {
        const dz = h.zeros(y.length)
        h.ok(
          rt.call((e) => e.kernel_activation_backward(act, alpha, y.length, h.put(y), h.put(dy), dz)),
          'activation_backward',
        )
        return h.get(dz, y.length)
      }),
    bce: (logits: Float32Array, targets: Float32Array) =>
      run((h) => {
        const g = h.zeros(logits.length)
        const loss = rt.call((x) => x.kernel_bce_logits(logits.length, h.put(logits), h.put(targets), g))
        return { loss, grad: h.get(g, logits.length) }
      }),
    adam: (p: Float32Array, grads: Float32Array[], s: Omit<ref.AdamStep, 't'>) =>
      run((h) => {
        const [pp, m, v] = [h.put(p), h.zeros(p.length), h.zeros(p.length)]
        grads.forEach((g, i) =>
          h.ok(
            rt.call((x) => x.kernel_adam(p.length, pp, h.put(g), m, v, s.lr, s.beta1, s.beta2, s.eps, i + 1)),
            'adam',
          ),
        )
        return { p: h.get(pp, p.length), m: h.get(m, p.length), v: h.get(v, p.length) }
      }),
    sgd: (p: Float32Array, g: Float32Array, lr: number) =>
      run((h) => {
        const pp = h.put(p)
        h.ok(
          rt.call((x) => x.kernel_sgd(p.length, pp, h.put(g), lr)),
          'sgd',
        )
        return h.get(pp, p.length)
      }),
    rng: (seed: number, kind: 0 | 1, n: number) =>
      run((h) => {
        const out = h.zeros(n)
        h.ok(
          rt.call((x) => x.kernel_rng_fill(seed, kind, n, out)),
          'rng_fill',
        )
        return h.get(out, n)
      }),
  }
}

export const kernelSuite: Suite = {
  name: 'kernels vs reference',
  tests: ({ api, record }) => {
    let simd: ReturnType<typeof kernels>
    let scalar: ReturnType<typeof kernels>
    const both = () =>
      [
        ['simd', simd],
        ['scalar', scalar],
      ] as const
    return [
      {
        name: 'both embedded builds load, and the simd one reports simd128',
        async run() {
          const [a, b] = await Promise.all([api.instantiate({ variant: 'simd' }), api.instantiate({ variant: 'scalar' })])
          assert(a.simd && !b.simd, `wg_simd(): simd build ${a.simd}, scalar build ${b.simd}`)
          simd = kernels(a)
          scalar = kernels(b)
        },
      },
      {
        name: 'matmul NN, NT, TN, overwriting and accumulating, match the reference; simd equals scalar bit for bit',
        run() {
          for (const [m, k, n] of [...SHAPES, ...NARROW]) {
            for (const op of [OPS.NN, OPS.NT, OPS.TN]) {
              const a = values(m * k, m * 7 + k + op)
              const b = values(k * n, n * 13 + k)
              const c0 = values(m * n, 99)
              for (const init of [undefined, c0]) {
                const want = ref.matmul(op, m, k, n, a, b, init)
                const got = simd.matmul(op, m, k, n, a, b, init)
                const what = `op ${op} ${m}×${k}×${n}${init ? ' +=' : ''}`
                close(got, want, productTol(k, want), what)
                sameBits(got, scalar.matmul(op, m, k, n, a, b, init), `simd vs scalar ${what}`)
              }
            }
          }
        },
      },
      {
        name: 'dense forward with every activation matches act(X·W + b); simd equals scalar bit for bit',
        run() {
          for (const act of ref.ACTIVATIONS) {
            for (const [m, k, n] of [...SHAPES.slice(0, 5), [64, 100, 128] as [number, number, number], ...NARROW]) {
              const x = values(m * k, 3 + k)
              const w = values(k * n, 5 + m)
              const b = values(n, 7)
              const { z, y } = ref.denseForward(m, k, n, x, w, b, act, LEAKY)
              const got = both().map(([name, kern]) => {
                const out = kern.dense(m, k, n, x, w, b, ref.ACTIVATIONS.indexOf(act), LEAKY)
                close(out, y, productTol(k, z), `${name} ${act} ${m}×${k}×${n}`)
                return out
              })
              sameBits(got[0]!, got[1]!, `simd vs scalar ${act} ${m}×${k}×${n}`)
            }
          }
        },
      },
      {
        name: 'activation backward matches the reference, and a dense layer’s gradients match finite differences',
        run() {
          for (const act of ref.ACTIVATIONS) {
            const id = ref.ACTIVATIONS.indexOf(act)
            const y = Float32Array.from(values(67, 31), (v) => ref.activate(act, LEAKY, 3 * v))
            const dy = values(67, 32)
            const want = ref.activationBackward(act, LEAKY, y, dy)
            for (const [name, kern] of both())
              close(kern.actBackward(id, LEAKY, y, dy), want, (i) => 1e-6 * Math.abs(dy[i]!) + 1e-30, `${name} ${act}`)
          }
          // L = Σ c ⊙ act(X·W + b); dX = (c ⊙ act') · Wᵀ (NT), dW = Xᵀ · (c ⊙ act') (TN).
          const [m, k, n] = [3, 5, 4]
          const [x, w, b, c] = [values(m * k, 21), values(k * n, 22), values(n, 23), values(m * n, 24)]
          for (const act of ['leakyRelu', 'tanh', 'sigmoid'] as const) {
            const id = ref.ACTIVATIONS.indexOf(act)
            const loss = (xx: Float32Array, ww: Float32Array) =>
              ref.denseForward(m, k, n, xx, ww, b, act, LEAKY).y.reduce((s, v, i) => s + c[i]! * v, 0)
            const dz = simd.actBackward(id, LEAKY, simd.dense(m, k, n, x, w, b, id, LEAKY), c)
            const fd = (base: Float32Array, f: (v: Float32Array) => number) =>
              Array.from(base, (_, i) => {
                const [plus, minus] = [Float32Array.from(base), Float32Array.from(base)]
                plus[i] += 1e-3
                minus[i] -= 1e-3
                return (f(plus) - f(minus)) / 2e-3
              })
            close(
              simd.matmul(OPS.NT, m, n, k, dz, w),
              fd(x, (v) => loss(v, w)),
              () => 2e-3,
              `dX ${act}`,
            )
            close(
              simd.matmul(OPS.TN, k, m, n, x, dz),
              fd(w, (v) => loss(x, v)),
              () => 2e-3,
              `dW ${act}`,
            )
          }
        },
      },
      {
        name: 'BCE with logits: mean loss and gradient match the reference',
        run() {
          for (const len of [1, 5, 17, 64]) {
            const logits = values(len, len).map((v) => v * 8)
            const targets = values(len, len + 1).map((v) => (v > 0 ? 0.9 : 0))
            const want = ref.bceWithLogits(logits, targets)
            for (const [name, kern] of both()) {
              const got = kern.bce(logits, targets)
              close([got.loss], [want.loss], () => 1e-6 * Math.max(1, want.loss), `${name} loss len ${len}`)
              close(got.grad, want.grad, () => 1e-6 / len, `${name} grad len ${len}`)
            }
          }
        },
      },
      {
        name: 'Adam (three bias-corrected steps) and SGD match the reference',
        run() {
          const hp = { lr: 1e-2, beta1: 0.5, beta2: 0.999, eps: 1e-8 }
          const p0 = values(37, 1)
          const grads = [values(37, 11), values(37, 12), values(37, 13)]
          const [p, m, v] = [Float64Array.from(p0), new Float64Array(37), new Float64Array(37)]
          grads.forEach((g, i) => ref.adamStep(p, g, m, v, { ...hp, t: i + 1 }))
          for (const [name, kern] of both()) {
            const got = kern.adam(p0, grads, hp)
            close(got.m, m, (i) => 1e-6 * (Math.abs(m[i]!) + 1), `${name} adam m`)
            close(got.v, v, (i) => 1e-6 * Math.abs(v[i]!) + 1e-30, `${name} adam v`)
            close(got.p, p, (i) => 1e-5 * hp.lr + 2 ** -21 * Math.abs(p[i]!), `${name} adam p`)
            const want = ref.sgdStep(p0, grads[0]!, 0.1)
            close(kern.sgd(p0, grads[0]!, 0.1), want, (i) => 2 ** -23 * (Math.abs(want[i]!) + Math.abs(0.1 * grads[0]![i]!)), `${name} sgd`)
          }
        },
      },
      {
        name: 'the RNG writes the documented stream (BigInt port) in both builds',
        async run() {
          for (const [seed, kind, n] of [
            [42, 0, 4099],
            [7, 1, 1001],
            [2 ** 40 + 3, 0, 257],
          ] as const) {
            const want = ref.rngFill(seed, kind, n)
            const got = simd.rng(seed, kind, n)
            sameBits(got, want, `seed ${seed} kind ${kind}`)
            sameBits(scalar.rng(seed, kind, n), got, `scalar vs simd seed ${seed}`)
          }
          const normals = simd.rng(42, 0, 20000)
          record('rng-normal-42', await sha256(new Uint8Array(normals.buffer)))
        },
      },
    ]
  },
}
