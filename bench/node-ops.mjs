// Ops only the Node runner offers: the kernel table (simd build, scalar build,
// plain JS loops, and the peak loop), the memory check, and TF.js loading.

import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { Worker } from 'node:worker_threads'
import { CLASSIC } from './ops.mjs'
import { TFJS_BUNDLE } from './tfjs-bundle.mjs'

/** TF.js with gradients, both backends and tf.layers, from the bundle buildTfjsBundle() builds (bench/run.mjs runs it). */
export async function loadTfjs() {
  if (!existsSync(TFJS_BUNDLE)) throw new Error(`${TFJS_BUNDLE} is missing: bench/tfjs-bundle.mjs builds it`)
  const tf = await import(TFJS_BUNDLE)
  const req = createRequire(import.meta.url)
  tf.setWasmPaths(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + '/')
  return tf
}

const ACT = { linear: 0, leaky: 2, tanh: 3 }

/** The GAN's dense layers as the training step runs them at batch `b` (D sees real and fake rows). */
export function ganLayers(b) {
  return [
    { name: 'G1', rows: b, input: 100, output: 128, act: 'leaky' },
    { name: 'G2', rows: b, input: 128, output: 128, act: 'leaky' },
    { name: 'G3', rows: b, input: 128, output: 784, act: 'tanh' },
    { name: 'D1', rows: 2 * b, input: 784, output: 128, act: 'leaky' },
    { name: 'D2', rows: 2 * b, input: 128, output: 128, act: 'leaky' },
    { name: 'D3', rows: 2 * b, input: 128, output: 1, act: 'linear' },
  ]
}

/** The three products of each layer: forward (fused bias and activation), dX = dY·Wᵀ, dW = Xᵀ·dY. */
export function ganProducts(b) {
  const out = []
  for (const l of ganLayers(b)) {
    const { rows: r, input: i, output: o } = l
    out.push({ layer: l.name, product: `Y=act(XW+b)`, kind: 'fwd', m: r, k: i, n: o, act: l.act })
    out.push({ layer: l.name, product: 'dX=dY·Wᵀ', kind: 'nt', m: r, k: o, n: i })
    out.push({ layer: l.name, product: 'dW=Xᵀ·dY', kind: 'tn', m: i, k: r, n: o })
  }
  return out.map((p) => ({ ...p, flop: 2 * p.m * p.k * p.n }))
}

function fill(a, seed) {
  let s = seed >>> 0
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    a[i] = (s / 2 ** 32 - 0.5) * 0.2
  }
  return a
}

/** A product on one wasm build: buffers live in the module, one call per unit. */
function wasmProduct(x, p) {
  const { m, k, n } = p
  const alloc = (len, seed) => {
    const ptr = x.wg_alloc(Math.max(1, len) * 4)
    fill(new Float32Array(x.memory.buffer, ptr, len), seed)
    return ptr
  }
  const a = alloc(m * k, 1)
  const b = alloc(k * n, 2)
  const c = alloc(m * n, 3)
  const bias = alloc(n, 4)
  if (p.kind === 'fwd') return () => x.kernel_dense_forward(m, k, n, a, b, bias, ACT[p.act], 0.2, c)
  const op = p.kind === 'nt' ? 1 : 2
  return () => x.kernel_matmul(op, m, k, n, a, b, c, 0)
}

/** The same product as a plain JS loop over Float32Arrays. */
function jsProduct(p) {
  const { m, k, n } = p
  const a = fill(new Float32Array(m * k), 1)
  const b = fill(new Float32Array(k * n), 2)
  const c = new Float32Array(m * n)
  const bias = fill(new Float32Array(n), 4)
  if (p.kind === 'fwd') {
    const act = p.act
    return () => {
      for (let i = 0; i < m; i++) {
        const row = i * n
        for (let j = 0; j < n; j++) c[row + j] = bias[j]
        for (let q = 0; q < k; q++) {
          const av = a[i * k + q]
          const br = q * n
          for (let j = 0; j < n; j++) c[row + j] += av * b[br + j]
        }
        for (let j = 0; j < n; j++) {
          const v = c[row + j]
          c[row + j] = act === 'leaky' ? (v > 0 ? v : 0.2 * v) : act === 'tanh' ? Math.tanh(v) : v
        }
      }
    }
  }
  if (p.kind === 'nt') {
    // C[m×n] = A[m×k] · B[n×k]ᵀ: a dot product per element.
    return () => {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0
          for (let q = 0; q < k; q++) s += a[i * k + q] * b[j * k + q]
          c[i * n + j] = s
        }
      }
    }
  }
  // C[m×n] = A[k×m]ᵀ · B[k×n]
  return () => {
    c.fill(0)
    for (let q = 0; q < k; q++) {
      for (let i = 0; i < m; i++) {
        const av = a[q * m + i]
        for (let j = 0; j < n; j++) c[i * n + j] += av * b[q * n + j]
      }
    }
  }
}

/** Repeats `f` for about `ms` milliseconds; returns calls and wall ms. */
function timeWindow(f, ms) {
  const t0 = performance.now()
  let calls = 0
  let t = t0
  while (calls < 1 || t - t0 < ms) {
    f()
    calls++
    t = performance.now()
  }
  return { calls, wallMs: t - t0 }
}

export function nodeOps(wasmgan, dataDir) {
  return {
    /**
     * GFLOP/s of every product of the GAN's layers at `batch` for the simd
     * build, the scalar build and plain JS, and of the peak loop (simd and
     * scalar builds). Implementations alternate within each round.
     */
    async kernels({ batch = 64, rounds = 5, ms = 120, jsMs = 150 }) {
      const raw = async (variant) => (await wasmgan.instantiate({ variant })).call((x) => x)
      const builds = { simd: await raw('simd'), scalar: await raw('scalar') }
      const products = ganProducts(batch).map((p) => ({
        ...p,
        run: { simd: wasmProduct(builds.simd, p), scalar: wasmProduct(builds.scalar, p), js: jsProduct(p) },
        samples: { simd: [], scalar: [], js: [] },
      }))
      // Peak: 12 chains × 4 lanes × (mul + add) per iteration.
      const peakIters = 2_000_000
      const peak = { simd: [], scalar: [] }
      const peakFlop = peakIters * 12 * 4 * 2
      // Warm-up until every function runs optimised code.
      for (let i = 0; i < 3; i++) {
        for (const v of ['simd', 'scalar']) builds[v].kernel_peak(peakIters / 10)
        for (const p of products) for (const impl of ['simd', 'scalar', 'js']) timeWindow(p.run[impl], impl === 'js' ? 20 : 30)
      }
      for (let r = 0; r < rounds; r++) {
        for (const v of ['simd', 'scalar']) {
          const w = timeWindow(() => builds[v].kernel_peak(peakIters), ms)
          peak[v].push((peakFlop * w.calls) / w.wallMs / 1e6)
        }
        for (const p of products) {
          for (const impl of ['simd', 'scalar', 'js']) {
            const w = timeWindow(p.run[impl], impl === 'js' ? jsMs : ms)
            p.samples[impl].push((p.flop * w.calls) / w.wallMs / 1e6)
          }
        }
      }
      return {
        batch,
        peak: { simd: peak.simd, scalar: peak.scalar, flopPerCall: peakFlop },
        products: products.map(({ run, ...p }) => p),
      }
    },

    /**
     * How much arithmetic two threads get compared with one: the ceiling loop
     * alone on one thread, then on `threads` threads at once (each its own
     * module instance), alternating `rounds` times. On a machine whose cores
     * are SMT siblings of one physical core the total stays near one thread's.
     */
    async peakThreads({ threads = 2, rounds = 3, ms = 600 }) {
      const rt = await wasmgan.instantiate({ variant: 'simd' })
      const module = rt.module
      const code = `
        const { parentPort, workerData } = require('node:worker_threads')
        const x = new WebAssembly.Instance(workerData.module, {}).exports
        for (let i = 0; i < 5; i++) x.kernel_peak(200000)
        parentPort.on('message', (ms) => {
          const t0 = performance.now(); let n = 0
          while (performance.now() - t0 < ms) { x.kernel_peak(1000000); n++ }
          parentPort.postMessage((96e6 * n) / (performance.now() - t0) / 1e6)
        })`
      const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true, workerData: { module } }))
      const ask = (w, ms) =>
        new Promise((resolve) => {
          w.once('message', resolve)
          w.postMessage(ms)
        })
      const one = []
      const all = []
      try {
        await Promise.all(workers.map((w) => ask(w, 50)))
        for (let r = 0; r < rounds; r++) {
          one.push(await ask(workers[0], ms))
          all.push(await Promise.all(workers.map((w) => ask(w, ms))))
        }
      } finally {
        await Promise.all(workers.map((w) => w.terminate()))
      }
      return { threads, one, all }
    },

    /** Module memory after `steps[0]` and after `steps[1]` training steps (one model, one module). */
    async memory({ variant = 'simd', batch = 64, steps = [100, 10000] }) {
      const ds = await wasmgan.loadImageDataset({ images: `${dataDir}/train-images-idx3-ubyte.gz` })
      const data = { images: ds.images.slice(0, 10000 * ds.dim), count: 10000, dim: ds.dim }
      const rt = await wasmgan.instantiate({ variant })
      const gan = new wasmgan.Gan({ ...CLASSIC, seed: 1 }, { runtime: rt })
      const out = []
      let done = 0
      const t0 = performance.now()
      for (const target of steps) {
        while (done < target) {
          const n = Math.min(500, target - done)
          gan.train(data, n, { batchSize: batch })
          done += n
        }
        out.push({ steps: done, heapBytes: rt.memoryBytes, seconds: (performance.now() - t0) / 1000 })
      }
      gan.dispose()
      return { variant, batch, points: out }
    },
  }
}
