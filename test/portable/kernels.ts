/**
 * The kernels against a plain-loop reference, in whatever runtime runs this
 * suite: matrix products in all three layouts, the dense layer with every
 * activation, activation gradients checked by finite differences, BCE,
 * Adam, SGD and the RNG. Both builds are checked, and the simd build must
 * agree with the scalar one bit for bit. Shapes hit every loop of the 4×8
 * tiles and their tails: 1, 3, 4, 5, 15, 16, 17 and > 64.
 */

import { assert, close, equal, sha256, type Api, type Suite } from './harness.js'

type Runtime = Awaited<ReturnType<Api['instantiate']>>

const SIZES = [1, 3, 4, 5, 15, 16, 17, 65]
const ACT = { linear: 0, relu: 1, leakyRelu: 2, tanh: 3, sigmoid: 4 } as const

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

/** Buffers in one module instance: allocated, filled, read back, freed. */
class Heap {
  #rt: Runtime
  #live: [number, number][] = []
  constructor(rt: Runtime) {
    this.#rt = rt
  }
  put(data: Float32Array): number {
    const bytes = Math.max(4, data.byteLength)
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
  status(s: number, what: string): void {
    assert(s === 0, `${what}: status ${s} (${s ? this.#rt.lastError() : ''})`)
  }
  free(): void {
    for (const [ptr, bytes] of this.#live) this.#rt.call((x) => x.wg_free(ptr, bytes))
    this.#live = []
  }
}

/** Runs `f` with a fresh heap on `rt`, freeing its buffers afterwards. */
function onHeap<T>(rt: Runtime, f: (h: Heap) => T): T {
  const h = new Heap(rt)
  try {
    return f(h)
  } finally {
    h.free()
  }
}

// ---- plain references (f64 accumulation) -----------------------------------

function refMatmul(op: number, m: number, k: number, n: number, a: Float32Array, b: Float32Array, c0?: Float32Array): Float64Array {
  const out = new Float64Array(m * n)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = c0 ? c0[i * n + j]! : 0
      for (let p = 0; p < k; p++) {
        const av = op === 2 ? a[p * m + i]! : a[i * k + p]! // TN: A stored [k×m]
        const bv = op === 1 ? b[j * k + p]! : b[p * n + j]! // NT: B stored [n×k]
        s += av * bv
      }
      out[i * n + j] = s
    }
  }
  return out
}

function act(id: number, alpha: number, x: number): number {
  switch (id) {
    case ACT.relu:
      return x > 0 ? x : 0
    case ACT.leakyRelu:
      return x > 0 ? x : alpha * x
    case ACT.tanh:
      return Math.tanh(x)
    case ACT.sigmoid:
      return 1 / (1 + Math.exp(-x))
    default:
      return x
  }
}

// ---- the kernels, called raw --------------------------------------------------

function matmul(
  rt: Runtime,
  op: number,
  m: number,
  k: number,
  n: number,
  a: Float32Array,
  b: Float32Array,
  c0?: Float32Array,
): Float32Array {
  return onHeap(rt, (h) => {
    const c = c0 ? h.put(c0) : h.zeros(m * n)
    h.status(
      rt.call((x) => x.kernel_matmul(op, m, k, n, h.put(a), h.put(b), c, c0 ? 1 : 0)),
      `matmul op ${op} ${m}×${k}×${n}`,
    )
    return h.get(c, m * n)
  })
}

function dense(
  rt: Runtime,
  m: number,
  k: number,
  n: number,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  id: number,
  alpha: number,
): Float32Array {
  return onHeap(rt, (h) => {
    const y = h.zeros(m * n)
    h.status(
      rt.call((e) => e.kernel_dense_forward(m, k, n, h.put(x), h.put(w), h.put(b), id, alpha, y)),
      `dense ${m}×${k}×${n} act ${id}`,
    )
    return h.get(y, m * n)
  })
}

function actBackward(rt: Runtime, id: number, alpha: number, y: Float32Array, dy: Float32Array): Float32Array {
  return onHeap(rt, (h) => {
    const dz = h.zeros(y.length)
    h.status(
      rt.call((e) => e.kernel_activation_backward(id, alpha, y.length, h.put(y), h.put(dy), dz)),
      `activation_backward ${id}`,
    )
    return h.get(dz, y.length)
  })
}

export const kernelSuite: Suite = {
  name: 'kernels vs reference',
  tests: ({ api, record }) => {
    let simd: Runtime
    let scalar: Runtime
    const builds = () =>
      [
        ['simd', simd],
        ['scalar', scalar],
      ] as const
    return [
      {
        name: 'both builds load; the simd one reports simd128',
        async run() {
          simd = await api.instantiate({ variant: 'simd' })
          scalar = await api.instantiate({ variant: 'scalar' })
          equal(simd.simd, true, 'simd build')
          equal(scalar.simd, false, 'scalar build')
        },
      },
      {
        name: 'matmul NN, NT, TN (overwrite and accumulate) match the reference; simd equals scalar bit for bit',
        run() {
          let cases = 0
          for (const m of SIZES) {
            for (const k of [1, 4, 17, 65]) {
              for (const n of SIZES) {
                if ((m + k + n) % 3 !== 0 && m !== 65 && n !== 65) continue // a spread, not the full cube
                for (const op of [0, 1, 2]) {
                  const a = values(m * k, m * 7 + k)
                  const b = values(k * n, n * 13 + k)
                  const c0 = (m + n) % 2 ? values(m * n, 99) : undefined
                  const ref = refMatmul(op, m, k, n, a, b, c0)
                  const got = matmul(simd, op, m, k, n, a, b, c0)
                  close(got, ref, `op ${op} ${m}×${k}×${n}${c0 ? ' +=' : ''}`, 1e-5, 2e-7 * k + 1e-6)
                  equal(got, matmul(scalar, op, m, k, n, a, b, c0), `simd vs scalar op ${op} ${m}×${k}×${n}`)
                  cases++
                }
              }
            }
          }
          assert(cases > 150, `only ${cases} cases ran`)
        },
      },
      {
        name: 'dense forward with every activation matches act(X·W + b)',
        run() {
          for (const [id, alpha] of [
            [ACT.linear, 0],
            [ACT.relu, 0],
            [ACT.leakyRelu, 0.2],
            [ACT.tanh, 0],
            [ACT.sigmoid, 0],
          ] as const) {
            for (const [m, k, n] of [
              [1, 3, 1],
              [5, 17, 16],
              [17, 65, 5],
              [64, 100, 128],
            ] as const) {
              const x = values(m * k, 3 + id)
              const w = values(k * n, 5 + m)
              const b = values(n, 7)
              const lin = refMatmul(0, m, k, n, x, w)
              const ref = Array.from(lin, (v, i) => act(id, alpha, v + b[i % n]!))
              for (const [name, rt] of builds()) {
                close(dense(rt, m, k, n, x, w, b, id, alpha), ref, `${name} act ${id} ${m}×${k}×${n}`, 2e-5, 2e-7 * k + 2e-6)
              }
            }
          }
        },
      },
      {
        name: 'dense layer gradients (activation backward, dY·Wᵀ, Xᵀ·dZ) agree with finite differences',
        run() {
          const [m, k, n] = [3, 5, 4]
          const x = values(m * k, 21)
          const w = values(k * n, 22)
          const b = values(n, 23)
          const c = values(m * n, 24) // loss L = Σ c ⊙ Y
          for (const [id, alpha] of [
            [ACT.leakyRelu, 0.2],
            [ACT.tanh, 0],
            [ACT.sigmoid, 0],
          ] as const) {
            const loss = (xx: Float32Array, ww: Float32Array) => {
              const y = dense(scalar, m, k, n, xx, ww, b, id, alpha)
              let s = 0
              for (let i = 0; i < y.length; i++) s += c[i]! * y[i]!
              return s
            }
            const y = dense(simd, m, k, n, x, w, b, id, alpha)
            const dz = actBackward(simd, id, alpha, y, c)
            const dx = matmul(simd, 1, m, n, k, dz, w) // [m×n]·[k×n]ᵀ
            const dw = matmul(simd, 2, k, m, n, x, dz) // [m×k]ᵀ·[m×n]
            const fd = (base: Float32Array, which: 'x' | 'w') =>
              Array.from(base, (_, i) => {
                const eps = 1e-2
                const plus = base.slice()
                const minus = base.slice()
                plus[i] += eps
                minus[i] -= eps
                const f = (v: Float32Array) => (which === 'x' ? loss(v, w) : loss(x, v))
                return (f(plus) - f(minus)) / (2 * eps)
              })
            close(dx, fd(x, 'x'), `dX act ${id}`, 2e-2, 2e-3)
            close(dw, fd(w, 'w'), `dW act ${id}`, 2e-2, 2e-3)
          }
        },
      },
      {
        name: 'BCE with logits: mean loss and gradient match the reference and finite differences',
        run() {
          for (const len of [1, 5, 17, 64]) {
            const logits = values(len, len).map((v) => v * 6)
            const targets = values(len, len + 1).map((v) => (v > 0 ? 0.9 : 0))
            let ref = 0
            const refGrad = new Float64Array(len)
            for (let i = 0; i < len; i++) {
              const l = logits[i]!
              const t = targets[i]!
              ref += Math.max(l, 0) - l * t + Math.log1p(Math.exp(-Math.abs(l)))
              refGrad[i] = (1 / (1 + Math.exp(-l)) - t) / len
            }
            ref /= len
            for (const [name, rt] of builds()) {
              onHeap(rt, (h) => {
                const g = h.zeros(len)
                const loss = rt.call((x) => x.kernel_bce_logits(len, h.put(logits), h.put(targets), g))
                close([loss], [ref], `${name} loss len ${len}`, 1e-5, 1e-6)
                close(h.get(g, len), refGrad, `${name} grad len ${len}`, 1e-4, 1e-7)
              })
            }
            // The gradient is d(mean loss)/d(logit): check one entry numerically.
            const lossAt = (l: Float32Array) =>
              onHeap(scalar, (h) => scalar.call((x) => x.kernel_bce_logits(len, h.put(l), h.put(targets), h.zeros(len))))
            const plus = logits.slice()
            const minus = logits.slice()
            plus[0] += 1e-2
            minus[0] -= 1e-2
            close([(lossAt(plus) - lossAt(minus)) / 2e-2], [refGrad[0]!], `finite difference len ${len}`, 2e-2, 1e-4)
          }
        },
      },
      {
        name: 'Adam (three steps, bias-corrected) and SGD match the reference',
        run() {
          const len = 37
          const [lr, b1, b2, eps] = [1e-2, 0.5, 0.999, 1e-8]
          for (const [name, rt] of builds()) {
            onHeap(rt, (h) => {
              const p0 = values(len, 1)
              const p = h.put(p0)
              const m = h.zeros(len)
              const v = h.zeros(len)
              const rp = Float64Array.from(p0)
              const rm = new Float64Array(len)
              const rv = new Float64Array(len)
              for (let t = 1; t <= 3; t++) {
                const g = values(len, 10 + t)
                h.status(
                  rt.call((x) => x.kernel_adam(len, p, h.put(g), m, v, lr, b1, b2, eps, t)),
                  'adam',
                )
                const bc1 = 1 - b1 ** t
                const bc2 = 1 - b2 ** t
                for (let i = 0; i < len; i++) {
                  rm[i] = b1 * rm[i]! + (1 - b1) * g[i]!
                  rv[i] = b2 * rv[i]! + (1 - b2) * g[i]! ** 2
                  rp[i] -= ((lr / bc1) * rm[i]!) / (Math.sqrt(rv[i]!) / Math.sqrt(bc2) + eps)
                }
              }
              close(h.get(p, len), rp, `${name} adam p`, 1e-5, 1e-6)
              close(h.get(m, len), rm, `${name} adam m`, 1e-5, 1e-7)
              close(h.get(v, len), rv, `${name} adam v`, 1e-5, 1e-8)
              const q0 = values(len, 2)
              const g = values(len, 3)
              const q = h.put(q0)
              h.status(
                rt.call((x) => x.kernel_sgd(len, q, h.put(g), 0.1)),
                'sgd',
              )
              close(
                h.get(q, len),
                Array.from(q0, (v, i) => v - 0.1 * g[i]!),
                `${name} sgd`,
                1e-6,
                1e-7,
              )
            })
          }
        },
      },
      {
        name: 'the RNG is reproducible, equal in both builds, and has the right moments',
        async run() {
          const draw = (rt: Runtime, seed: number, kind: number, n: number) =>
            onHeap(rt, (h) => {
              const out = h.zeros(n)
              h.status(
                rt.call((x) => x.kernel_rng_fill(seed, kind, n, out)),
                'rng_fill',
              )
              return h.get(out, n)
            })
          const n = 20000
          const normal = draw(simd, 42, 0, n)
          equal(normal, draw(simd, 42, 0, n), 'same seed twice')
          equal(normal, draw(scalar, 42, 0, n), 'simd vs scalar')
          assert(
            draw(simd, 43, 0, 8).some((v, i) => v !== normal[i]),
            'another seed gives other values',
          )
          let mean = 0
          let sq = 0
          for (const v of normal) {
            mean += v / n
            sq += (v * v) / n
          }
          assert(
            Math.abs(mean) < 0.03 && Math.abs(sq - mean * mean - 1) < 0.05,
            `normal moments: mean ${mean}, variance ${sq - mean * mean}`,
          )
          const uniform = draw(simd, 42, 1, n)
          assert(
            uniform.every((v) => v >= 0 && v < 1),
            'uniform values in [0, 1)',
          )
          const bytes = new Uint8Array(normal.buffer, normal.byteOffset, normal.byteLength)
          // Recorded so the runner can compare the stream across runtimes.
          record('rng-normal-42', await sha256(bytes))
        },
      },
    ]
  },
}
