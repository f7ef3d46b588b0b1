// What a benchmark runner can do, the same in Node, Bun, Deno and Chromium:
// each op is a plain async function of a JSON message and returns JSON. The
// orchestrator (bench/run.mjs) sends ops to one runner at a time, so windows
// of different implementations alternate and never overlap.
//
// A "window" runs whole training steps (or samples) of one prepared subject
// until `ms` milliseconds have passed and reports how many it ran, the wall
// time and, where the runtime can tell, the process CPU time.

import { fmaCeiling } from './fma.mjs'

/** Rows of Fashion-MNIST every implementation trains on (the first N of the training set). */
export const DATA_ROWS = 10000

/**
 * wasmgan's side of the comparison, spelled out: the classic GAN exactly as
 * TF.js and PyTorch run it here (BCE with the non-saturating generator loss,
 * hard labels, sampling from G's own weights), whatever the package's
 * defaults are.
 */
export const CLASSIC = Object.freeze({ loss: 'bce', labelSmoothing: 0, emaDecay: 0 })

/** FLOP of one `kernel_peak` iteration: 12 f32x4 chains, a multiply and an add each. */
const PEAK_FLOP_PER_ITERATION = 12 * 4 * 2

/** The model of a subject: the classic GAN, or with `conditioning` a conditional one over Fashion-MNIST's 10 classes. */
function modelConfig(conditioning, seed) {
  return conditioning ? { ...CLASSIC, classes: 10, conditioning, seed } : { ...CLASSIC, seed }
}

/** The runtime this code runs in, with its version. */
export function runtimeInfo() {
  const g = globalThis
  if (g.Bun) return { runtime: 'bun', version: g.Bun.version }
  if (g.Deno) return { runtime: 'deno', version: g.Deno.version.deno }
  if (g.process?.versions?.node && !g.window) return { runtime: 'node', version: g.process.versions.node }
  const ua = g.navigator?.userAgent ?? ''
  const m = /Chrome\/([\d.]+)/.exec(ua)
  return { runtime: 'chromium', version: m ? m[1] : ua }
}

/** Process CPU time in ms, or undefined where the runtime has no such clock (browsers). */
function cpuMs() {
  const p = globalThis.process
  if (typeof p?.cpuUsage !== 'function') return undefined
  const u = p.cpuUsage()
  const ms = (u.user + u.system) / 1000
  return Number.isFinite(ms) && ms > 0 ? ms : undefined
}

/**
 * The ops of one runner.
 * @param wasmgan the package's module (dist/index.js)
 * @param dataDir directory (path or URL) of the Fashion-MNIST .gz files
 * @param loadTfjs optional `() => Promise<tf>` (Node only)
 * @param extra optional extra ops (kernels, memory, workers) merged in
 */
export function createOps({ wasmgan, dataDir, loadTfjs, extra = {} }) {
  const subjects = new Map()
  const data = {}
  let tfBackend

  /** TF.js on `backend`. */
  async function tfjsOn(backend) {
    if (!loadTfjs) throw new Error('TF.js is only benchmarked in the Node runner')
    const tf = await loadTfjs()
    // One backend per runner process: TF.js keeps one global engine, and
    // tensors of a model follow the backend that is current when they run.
    if (tfBackend !== undefined && tfBackend !== backend) throw new Error(`this runner already uses TF.js backend ${tfBackend}`)
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed to start`)
    tfBackend = backend
    return tf
  }

  /** The first DATA_ROWS rows of the training set, with their class labels when `labelled` (for conditional models). */
  async function trainingData(labelled = false) {
    const key = labelled ? 'labelled' : 'plain'
    if (!data[key]) {
      const ds = await wasmgan.loadImageDataset({
        images: `${dataDir}/train-images-idx3-ubyte.gz`,
        ...(labelled ? { labels: `${dataDir}/train-labels-idx1-ubyte.gz` } : {}),
      })
      const count = Math.min(DATA_ROWS, ds.count)
      data[key] = { images: ds.images.slice(0, count * ds.dim), count, dim: ds.dim }
      if (labelled) data[key].labels = ds.labels.slice(0, count)
    }
    return data[key]
  }

  /**
   * A thing to time: `run()` does `per` units (training steps, or batches of
   * samples) and may return a promise (work on workers).
   */
  async function makeSubject({ kind, variant, backend, batch, seed = 1, workers, microBatch, into, conditioning }) {
    if (kind === 'peak') {
      // The simd128 ceiling loop; a unit is a GFLOP, so units/s is GFLOP/s.
      const raw = (await wasmgan.instantiate({ variant: 'simd' })).call((x) => x)
      const iters = 1_000_000
      return { run: () => raw.kernel_peak(iters), per: (iters * PEAK_FLOP_PER_ITERATION) / 1e9, dispose: () => {} }
    }
    const d = await trainingData(Boolean(conditioning))
    if (kind === 'wasmgan-parallel') {
      const rt = await wasmgan.instantiate({ variant })
      const pg = await wasmgan.ParallelGan.create(modelConfig(conditioning, seed), { workers, microBatch, runtime: rt })
      // Several steps per call: each call ends with an extra exchange (the last apply).
      const per = 8
      return { run: () => pg.train(d, per, { batchSize: batch }), per, dispose: () => pg.dispose() }
    }
    if (kind === 'wasmgan-step' || kind === 'wasmgan-sample') {
      const rt = await wasmgan.instantiate({ variant })
      const gan = new wasmgan.Gan(modelConfig(conditioning, seed), { runtime: rt })
      if (kind === 'wasmgan-step') {
        return { run: () => gan.train(d, 1, { batchSize: batch }), dispose: () => gan.dispose(), rt }
      }
      // `into`: one array reused by every call (SampleOptions.into), so no result is allocated.
      const options = into ? { into: new Float32Array(batch * gan.config.dataDim) } : {}
      return { run: () => gan.sample(batch, options), dispose: () => gan.dispose(), rt }
    }
    if (kind === 'tfjs-step' || kind === 'tfjs-sample') {
      const tf = await tfjsOn(backend)
      const { createTfjsGan } = await import('./tfjs.mjs')
      const gan = createTfjsGan(tf, { variant, batch, images: d.images, count: d.count, dim: d.dim, seed })
      const tensors = () => tf.memory().numTensors
      if (kind === 'tfjs-step') return { run: () => gan.step(), dispose: () => gan.dispose(), tensors }
      return { run: () => gan.sample(batch), dispose: () => gan.dispose(), tensors }
    }
    throw new Error(`unknown subject kind ${kind}`)
  }

  const ops = {
    async hello() {
      return { ...runtimeInfo(), simd: wasmgan.simdSupported(), cpuClock: cpuMs() !== undefined }
    },

    /** Prepares a subject and warms it up (until its code is optimised). */
    async setup(msg) {
      const s = await makeSubject(msg)
      // Warm-up: wasm starts in a baseline tier and is recompiled optimised in
      // the background after enough calls; run for `warmMs` (at least 3 units).
      const t0 = performance.now()
      for (let i = 0; i < 3 || performance.now() - t0 < (msg.warmMs ?? 400); i++) await s.run()
      subjects.get(msg.key)?.dispose()
      subjects.set(msg.key, s)
      return { tensors: s.tensors?.() }
    },

    /** Runs units for about `ms` milliseconds (at least `minUnits`). */
    async window({ key, ms, minUnits = 1 }) {
      const s = subjects.get(key)
      if (!s) throw new Error(`no subject ${key}`)
      const c0 = cpuMs()
      const t0 = performance.now()
      let units = 0
      let t = t0
      while (units < minUnits || t - t0 < ms) {
        const r = s.run()
        if (r instanceof Promise) await r
        units += s.per ?? 1
        t = performance.now()
      }
      const c1 = cpuMs()
      return {
        units,
        wallMs: t - t0,
        cpuMs: c0 === undefined || c1 === undefined ? undefined : c1 - c0,
        tensors: s.tensors?.(),
        heapBytes: s.rt?.memoryBytes,
      }
    },

    /** A few recorded TF.js training steps with fixed noise, for another implementation to replay (traceTfjsGan). */
    async tfjsTrace({ backend, variant = 'usual', batch = 16, steps = 3, seed = 1 }) {
      const tf = await tfjsOn(backend)
      const d = await trainingData()
      const { traceTfjsGan } = await import('./tfjs.mjs')
      return traceTfjsGan(tf, { variant, batch, images: d.images, count: d.count, dim: d.dim, steps, seed })
    },

    async dispose({ key }) {
      await subjects.get(key)?.dispose()
      subjects.delete(key)
      return {}
    },

    /**
     * Trains the same model for `steps` steps with each worker count and
     * returns the SHA-256 of each final checkpoint (they must be equal).
     */
    async parallelIdentity({ batch, microBatch, steps, workerCounts = [1, 2], variant = 'simd', conditioning }) {
      const d = await trainingData(Boolean(conditioning))
      const rt = await wasmgan.instantiate({ variant })
      const hashes = []
      const sha256 = async (bytes) =>
        Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('')
      for (const workers of workerCounts) {
        const pg = await wasmgan.ParallelGan.create(modelConfig(conditioning, 5), { workers, microBatch, runtime: rt })
        await pg.train(d, steps, { batchSize: batch })
        hashes.push(await sha256(await pg.save()))
        await pg.dispose()
      }
      const single = new wasmgan.Gan(modelConfig(conditioning, 5), { runtime: rt })
      single.train(d, steps, { batchSize: batch, microBatch })
      const oneThread = await sha256(single.save())
      single.dispose()
      return { workerCounts, hashes, oneThread, identical: hashes.every((h) => h === hashes[0]) && oneThread === hashes[0] }
    },

    /** The ceiling loop with mul+add and with relaxed SIMD's fused multiply-add, in this engine (bench/fma.mjs). */
    async fmaCeiling({ rounds, ms }) {
      // kernel_peak, the ceiling the other sections divide by, in the same alternation.
      const raw = (await wasmgan.instantiate({ variant: 'simd' })).call((x) => x)
      const peak = { kind: 'kernel_peak', chains: 12, run: (n) => raw.kernel_peak(n), flopPerIteration: PEAK_FLOP_PER_ITERATION }
      return fmaCeiling({ rounds, ms, extra: [peak] })
    },

    ...extra,
  }
  return ops
}
