// What a benchmark runner can do, the same in Node, Bun, Deno and Chromium:
// each op is a plain async function of a JSON message and returns JSON. The
// orchestrator (bench/run.mjs) sends ops to one runner at a time, so windows
// of different implementations alternate and never overlap.
//
// A "window" runs whole training steps (or samples) of one prepared subject
// until `ms` milliseconds have passed and reports how many it ran, the wall
// time and, where the runtime can tell, the process CPU time.

/** Rows of Fashion-MNIST every implementation trains on (the first N of the training set). */
export const DATA_ROWS = 10000

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
  let data
  let tfBackend

  async function trainingData() {
    if (!data) {
      const ds = await wasmgan.loadImageDataset({ images: `${dataDir}/train-images-idx3-ubyte.gz` })
      const count = Math.min(DATA_ROWS, ds.count)
      data = { images: ds.images.slice(0, count * ds.dim), count, dim: ds.dim }
    }
    return data
  }

  /** A thing to time: `run()` does one unit (a step, or a batch of samples). */
  async function makeSubject({ kind, variant, backend, batch, seed = 1 }) {
    const d = await trainingData()
    if (kind === 'wasmgan-step' || kind === 'wasmgan-sample') {
      const rt = await wasmgan.instantiate({ variant })
      const gan = new wasmgan.Gan({ seed }, { runtime: rt })
      if (kind === 'wasmgan-step') {
        return { run: () => gan.train(d, 1, { batchSize: batch }), dispose: () => gan.dispose(), rt }
      }
      return { run: () => gan.sample(batch), dispose: () => gan.dispose(), rt }
    }
    if (kind === 'tfjs-step' || kind === 'tfjs-sample') {
      if (!loadTfjs) throw new Error('TF.js is only benchmarked in the Node runner')
      const tf = await loadTfjs()
      // One backend per runner process: TF.js keeps one global engine, and
      // tensors of a model follow the backend that is current when they run.
      if (tfBackend !== undefined && tfBackend !== backend) throw new Error(`this runner already uses TF.js backend ${tfBackend}`)
      if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed to start`)
      tfBackend = backend
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
      for (let i = 0; i < 3 || performance.now() - t0 < (msg.warmMs ?? 400); i++) s.run()
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
        s.run()
        units++
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

    async dispose({ key }) {
      subjects.get(key)?.dispose()
      subjects.delete(key)
      return {}
    },

    ...extra,
  }
  return ops
}
