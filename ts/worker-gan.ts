/**
 * {@link WorkerGan}: the {@link Gan} API with the model and its training
 * loop on a worker thread, so a page stays responsive (and a server keeps
 * serving) while it trains. A Web Worker in browsers, Deno and Bun;
 * `worker_threads` in Node.
 *
 * The worker's code is embedded in the package as text and started from a
 * Blob URL (or with `eval` under worker_threads), so bundlers need no worker
 * or wasm configuration. It runs the module `init()` compiled (or the
 * embedded build), posted to it as a `WebAssembly.Module`; training in the
 * worker therefore gives the same bytes as training in-process.
 */

import type { GanConfig, ResolvedGanConfig } from './config.js'
import { resolveConfig } from './config.js'
import type { Source } from './data.js'
import { WasmganError, describe } from './errors.js'
import { classGrid, sampleTarget, type FitOptions, type FitProgress, type SampleOptions, type StepMetrics } from './gan.js'
import { initModule, wasmModule, type InitOptions } from './load.js'
import { nodeBuiltin } from './node-builtins.js'
import type { TrainingData } from './upload.js'
import { WorkerCopies } from './worker-copies.js'
import { invalid, knownKeys, object } from './validate.js'
import { WORKER_SOURCE } from './generated/worker-source.js'
import type { DatasetInfo, PortableSource, Reply, Request, WorkerMessage } from './worker-protocol.js'

/** Options of the {@link WorkerGan} constructor and {@link WorkerGan.load}. */
export interface WorkerGanOptions {
  /**
   * Which wasm module the worker runs. By default the one `init()` loaded,
   * or the embedded build `init()` would pick when it was not called.
   */
  wasm?: InitOptions
}

/**
 * A dataset loaded inside a {@link WorkerGan}'s worker by
 * {@link WorkerGan.loadData}: its pixels never cross to the calling thread.
 * Pass it to that WorkerGan's `fit` and `train`.
 */
export interface WorkerDataset extends DatasetInfo {
  /** The WorkerGan that holds the data. */
  readonly owner: WorkerGan
  /** Class names, when the labels are those of a well-known dataset (never set by `loadData`). */
  classNames?: string[]
}

/** What the worker is reached through, the same for Web Workers and worker_threads. */
interface Channel {
  post(message: unknown, transfer?: Transferable[]): void
  terminate(): void
  /** Lets the process exit while the worker idles (worker_threads, Bun); a no-op where unsupported. */
  hold(busy: boolean): void
}

/** Lets `load` start a worker from a checkpoint instead of a config. */
const FROM_CHECKPOINT = Symbol('fromCheckpoint')
const ids = { next: 1 }
const datasetIds = new WeakMap<WorkerDataset, number>()

const terminated = new FinalizationRegistry<{ channel: Promise<Channel> }>(({ channel }) => {
  channel.then(
    (c) => c.terminate(),
    () => {},
  )
})

/**
 * A GAN trained on a worker thread. It mirrors {@link Gan}: the same config,
 * the same `fit` progress, the same checkpoints; methods that reach the model
 * return promises. Training in the worker gives byte-identical checkpoints
 * to training the same config in-process.
 *
 * ```ts
 * const gan = new WorkerGan({ seed: 7 }) // no init() needed
 * const data = await gan.loadData({ images: 'train-images-idx3-ubyte.gz' }) // decoded in the worker
 * for await (const p of gan.fit(data, { epochs: 1 })) console.log(p.step, p.imagesPerSecond)
 * const images = await gan.sample(64, { seed: 1 })
 * const bytes = await gan.save() // the same bytes Gan.save gives
 * gan.dispose() // ends the worker
 * ```
 */
export class WorkerGan {
  #config: ResolvedGanConfig
  #channel: Promise<Channel>
  #pending = new Map<
    number,
    { resolve: (r: Extract<Reply, { ok: true }>) => void; reject: (e: Error) => void; progress?: (p: FitProgress) => void }
  >()
  /** The arrays passed as data that the worker holds copies of. */
  #copies = new WorkerCopies((id) => {
    if (!this.#disposed) this.#post({ op: 'dropData', dataId: id })
  })
  #metrics: StepMetrics = { step: 0, epoch: 0, dLoss: 0, gLoss: 0, dReal: 0, dFake: 0 }
  #meta: Record<string, unknown> | undefined
  #disposed = false
  #failure: WasmganError | undefined
  #training = false
  /** Resolves once the model exists in the worker; rejects when it could not be made. */
  #ready: Promise<unknown>

  /**
   * A new GAN in a new worker, with weights drawn from `config.seed`. The
   * config is validated here, synchronously; the worker starts in the
   * background and every method waits for it.
   * @throws WasmganError `E_INVALID_ARGUMENT` for a bad config.
   */
  constructor(config: GanConfig = {}, options: WorkerGanOptions = {}) {
    const checkpoint = (options as { [FROM_CHECKPOINT]?: Uint8Array })[FROM_CHECKPOINT]
    // Until a checkpoint's worker has read it, the config is the default one; load() waits for that.
    this.#config = resolveConfig(checkpoint ? {} : config)
    const o = object<WorkerGanOptions>('options', options)
    knownKeys('options', o, ['wasm'])
    const module = o.wasm ? wasmModule(o.wasm) : (initModule() ?? wasmModule())
    this.#channel = spawn(
      (m) => this.#onMessage(m),
      (e) => this.#fail(e),
    )
    this.#channel.catch((e) => this.#fail(e))
    const init = module.then((m) => this.#call({ op: 'init', module: m }))
    this.#ready = init.then(() =>
      checkpoint ? this.#call({ op: 'load', bytes: checkpoint }) : this.#call({ op: 'create', config: this.#config }),
    )
    this.#ready.catch(() => {}) // surfaced by the first method that waits for it
    terminated.register(this, { channel: this.#channel }, this)
  }

  /**
   * A GAN in a new worker, restored from {@link Gan.save} or
   * {@link WorkerGan.save} output.
   * @throws WasmganError `E_CORRUPT_CHECKPOINT` or `E_UNSUPPORTED_VERSION` for a bad file.
   */
  static async load(bytes: Uint8Array, options: WorkerGanOptions = {}): Promise<WorkerGan> {
    if (!(bytes instanceof Uint8Array)) invalid('checkpoint', 'a Uint8Array', bytes)
    const gan = new WorkerGan({}, { ...options, [FROM_CHECKPOINT]: bytes.slice() } as WorkerGanOptions)
    try {
      await gan.#ready
      return gan
    } catch (e) {
      gan.dispose()
      throw e
    }
  }

  /** The configuration, with every default filled in. */
  get config(): ResolvedGanConfig {
    return this.#config
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.#disposed
  }

  /** Metrics of the last step, as of the worker's latest reply or progress report. */
  get metrics(): StepMetrics {
    return { ...this.#metrics }
  }

  /** Training steps completed, as of the worker's latest reply or progress report. */
  get step(): number {
    return this.#metrics.step
  }

  /** The metadata stored with the last save or load, or undefined. */
  get meta(): Record<string, unknown> | undefined {
    return this.#meta
  }

  /**
   * Loads an IDX image dataset (and optional labels) inside the worker, so
   * the pixels are decoded there and never cross threads. Sources are
   * bytes, Blobs (a `File` from a picker), URLs (relative ones are resolved
   * against the page here, since a worker started from a Blob has no base
   * URL) or, in Node/Bun/Deno, file paths.
   */
  async loadData(sources: { images: Source; labels?: Source }): Promise<WorkerDataset> {
    const s = object<{ images: Source; labels?: Source }>('sources', sources)
    knownKeys('sources', s, ['images', 'labels'])
    const dataId = ids.next++
    const imageSource: Source | undefined = s.images
    if (imageSource === undefined) return invalid('sources.images', 'an IDX source', imageSource)
    const images = await portable(imageSource, 'sources.images')
    const labelSource: Source | undefined = s.labels
    const labels = labelSource === undefined ? undefined : await portable(labelSource, 'sources.labels')
    const reply = await this.#request({ op: 'loadData', dataId, images, labels })
    const info = reply.value as DatasetInfo
    const dataset: WorkerDataset = { ...info, owner: this }
    datasetIds.set(dataset, dataId)
    return dataset
  }

  /** Frees a dataset from {@link loadData} in the worker; using it afterwards throws `E_INVALID_ARGUMENT`. */
  unloadData(dataset: WorkerDataset): void {
    const id = datasetIds.get(dataset)
    if (dataset?.owner !== this || id === undefined) invalid('dataset', 'a WorkerDataset loaded by this WorkerGan', dataset)
    datasetIds.delete(dataset)
    if (!this.#disposed) this.#post({ op: 'dropData', dataId: id })
  }

  /** Runs `steps` training steps (default 1) in the worker and resolves to the last step's metrics. */
  async train(data: TrainingData | WorkerDataset, steps = 1, options: { batchSize?: number } = {}): Promise<StepMetrics> {
    const o = object<{ batchSize?: number }>('train options', options)
    const dataId = this.#dataId(data)
    await this.#request({ op: 'train', dataId, steps, batchSize: o.batchSize })
    return this.metrics
  }

  /**
   * Trains for `epochs` passes (or exactly `steps` steps) in the worker and
   * yields its progress reports, as {@link Gan.fit} does. The worker trains
   * ahead without waiting for your loop; aborting `signal` or leaving the
   * loop early stops it at its next step boundary (possibly a chunk past the
   * last report you saw), and the iteration ends once it has stopped.
   */
  async *fit(data: TrainingData | WorkerDataset, options: FitOptions = {}): AsyncGenerator<FitProgress, void, undefined> {
    // Everything but the signal is checked by Gan.fit in the worker, with the same messages.
    const { signal, ...rest } = object<FitOptions>('fit options', options)
    if (signal !== undefined && !(typeof signal === 'object' && signal !== null && 'aborted' in signal)) {
      invalid('signal', 'an AbortSignal', signal)
    }
    this.#check()
    if (this.#training) {
      throw new WasmganError('E_INVALID_ARGUMENT', 'this WorkerGan is already running fit(); stop that loop (or abort its signal) first')
    }
    if (signal?.aborted) return
    const dataId = this.#dataId(data)
    const queue: FitProgress[] = []
    let wake: (() => void) | undefined
    let settled = false
    let aborted = false
    const id = ids.next++
    const finished = this.#request({ op: 'fit', dataId, options: rest }, id, (p) => {
      queue.push(p)
      wake?.()
    })
    finished.then(
      () => {
        settled = true
        wake?.()
      },
      () => {
        settled = true
        wake?.()
      },
    )
    const abort = () => {
      if (aborted || settled) return
      aborted = true
      this.#post({ op: 'abort', fitId: id })
      wake?.()
    }
    signal?.addEventListener('abort', abort)
    this.#training = true
    try {
      for (;;) {
        if (aborted) break
        const next = queue.shift()
        if (next) {
          yield next
          continue
        }
        if (settled) break
        await new Promise<void>((r) => (wake = r))
        wake = undefined
      }
      await finished
    } finally {
      signal?.removeEventListener('abort', abort)
      abort() // a loop left early (break, throw) stops the worker too
      await finished.catch(() => {})
      this.#training = false
    }
  }

  /**
   * Generates `n` rows in the worker, like {@link Gan.sample}. Answered
   * between two chunks when a `fit` is running.
   */
  async sample(n: number, options: SampleOptions = {}): Promise<Float32Array> {
    const { into, ...rest } = object<SampleOptions>('sample options', options)
    // `into` stays on this thread (posting it would copy it): checked here
    // when n is plausible (the worker reports a bad n), filled on arrival.
    const target = into !== undefined && Number.isSafeInteger(n) && n >= 1 ? sampleTarget(into, n, this.#config.dataDim) : undefined
    const reply = await this.#request({ op: 'sample', n, options: into === undefined ? options : rest })
    const rows = reply.value as Float32Array
    if (!target) return rows
    target.set(rows)
    return target
  }

  /** A conditional GAN's class grid, like {@link Gan.sampleClasses}, generated in the worker. */
  async sampleClasses(perClass = 10, options: { seed?: number } = {}): Promise<{ images: Float32Array; labels: Uint32Array }> {
    const { labels, sample } = classGrid(this.#config.classes, perClass, options)
    return { images: await this.sample(labels.length, sample), labels }
  }

  /** The checkpoint, byte for byte what {@link Gan.save} gives for the same model. */
  async save(meta?: Record<string, unknown>): Promise<Uint8Array> {
    const reply = await this.#request({ op: 'save', meta })
    return reply.value as Uint8Array
  }

  /**
   * Ends the worker at once (a running `fit` stops wherever it is) and frees
   * everything it held. Idempotent; later calls reject with `E_DISPOSED`.
   */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    terminated.unregister(this)
    this.#channel.then(
      (c) => c.terminate(),
      () => {},
    )
    const err = new WasmganError('E_DISPOSED', 'this WorkerGan was disposed; create or load a new one')
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
  }

  #dataId(data: TrainingData | WorkerDataset): number {
    if (data !== null && typeof data === 'object' && 'owner' in data) {
      const id = datasetIds.get(data)
      if (data.owner !== this) {
        throw new WasmganError('E_INVALID_ARGUMENT', 'this dataset was loaded by another WorkerGan; load it with this one')
      }
      if (id === undefined) throw new WasmganError('E_INVALID_ARGUMENT', 'this dataset was unloaded; load it again')
      return id
    }
    if (data === null || typeof data !== 'object') invalid('data', 'an ImageDataset, { images, count, dim } or a WorkerDataset', data)
    const { images, count, dim, labels } = data as TrainingData
    if (!(images instanceof Float32Array)) invalid('data.images', 'a Float32Array', images)
    const known = this.#copies.get(images, labels)
    if (known !== undefined) return known
    // Copied to the worker once per array (structured clone), again with
    // other labels; the worker validates it exactly as Gan.train does.
    const id = ids.next++
    this.#copies.set(images, labels, id)
    this.#post({ op: 'data', dataId: id, images, count, dim, labels })
    return id
  }

  #check(): void {
    if (this.#disposed) throw new WasmganError('E_DISPOSED', 'this WorkerGan was disposed; create or load a new one')
    if (this.#failure) throw this.#failure
  }

  #post(request: Request, id = ids.next++): number {
    this.#channel.then(
      (c) => c.post({ ...request, id }),
      () => {},
    )
    return id
  }

  /** Sends a request once the model exists and resolves with its reply. */
  async #request(request: Request, id = ids.next++, progress?: (p: FitProgress) => void): Promise<Extract<Reply, { ok: true }>> {
    this.#check()
    await this.#ready
    return this.#call(request, id, progress)
  }

  /** Sends a request without waiting for the model (used to create it). */
  #call(request: Request, id = ids.next++, progress?: (p: FitProgress) => void): Promise<Extract<Reply, { ok: true }>> {
    this.#check()
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, progress })
      this.#channel.then((c) => {
        c.hold(true)
        c.post({ ...request, id })
      }, reject)
    })
  }

  #onMessage(message: WorkerMessage): void {
    if ('ready' in message) return
    const pending = this.#pending.get(message.id)
    if ('progress' in message) {
      const { step, epoch, dLoss, gLoss, dReal, dFake } = message.progress
      this.#metrics = { step, epoch, dLoss, gLoss, dReal, dFake }
      pending?.progress?.(message.progress)
      return
    }
    if (!pending) return
    this.#pending.delete(message.id)
    if (this.#pending.size === 0)
      this.#channel.then(
        (c) => c.hold(false),
        () => {},
      )
    if (!message.ok) {
      pending.reject(new WasmganError(message.error.code, message.error.message))
      return
    }
    if (message.metrics) this.#metrics = message.metrics
    if (message.config) this.#config = message.config
    if (message.meta !== undefined) this.#meta = message.meta ?? undefined
    pending.resolve(message)
  }

  /** The worker died or could not start: every pending and later call fails with this. */
  #fail(e: unknown): void {
    if (this.#disposed || this.#failure) return
    this.#failure =
      e instanceof WasmganError
        ? e
        : new WasmganError('E_INTERNAL', `the training worker failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    for (const p of this.#pending.values()) p.reject(this.#failure)
    this.#pending.clear()
  }
}

/** Makes a source cloneable: URLs become absolute strings, a Response its bytes. */
async function portable(source: Source, name: string): Promise<PortableSource> {
  if (source instanceof URL) return source.href
  if (typeof source === 'string') {
    const base = (globalThis as { document?: { baseURI?: string } }).document?.baseURI
    // In a page, a relative path is a URL relative to it, as in loadIdx; the
    // worker (started from a Blob) could not resolve it. Elsewhere it is a file path.
    if (base && !/^[a-z][a-z0-9+.-]*:/i.test(source)) return new URL(source, base).href
    return source
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new WasmganError('E_IO', `cannot fetch ${source.url || name}: HTTP ${source.status}`)
    return new Uint8Array(await source.arrayBuffer())
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source
  return invalid(name, 'a path, URL, Uint8Array, ArrayBuffer, Blob or Response', source)
}

/** Starts the worker: a Web Worker where the platform has one, else worker_threads. */
async function spawn(onMessage: (m: WorkerMessage) => void, onError: (e: unknown) => void): Promise<Channel> {
  const g = globalThis as { Worker?: typeof Worker; Deno?: unknown }
  const WebWorker = g.Worker
  // Deno's Web Workers cannot be unref'd, so an idle one would keep the
  // process alive; its worker_threads can, like Node's.
  if (typeof WebWorker === 'function' && g.Deno === undefined) {
    const url = URL.createObjectURL(new Blob([`${WORKER_SOURCE}\n__wasmganWorker.start(self)`], { type: 'text/javascript' }))
    let worker: Worker
    try {
      worker = new WebWorker(url, { type: 'module', name: 'wasmgan' })
    } catch (e) {
      URL.revokeObjectURL(url)
      throw new WasmganError('E_LOAD', `could not start the training worker: ${String(e)}`, { cause: e })
    }
    worker.addEventListener('message', (e: MessageEvent) => {
      const m = e.data as WorkerMessage
      if ('ready' in m) URL.revokeObjectURL(url)
      onMessage(m)
    })
    worker.addEventListener('error', (e: ErrorEvent) => {
      e.preventDefault?.()
      onError(new Error(e.message || 'the worker reported an error'))
    })
    worker.addEventListener('messageerror', () => onError(new Error('a message from the worker could not be read')))
    const w = worker as Worker & { ref?: () => void; unref?: () => void }
    return {
      post: (m, t) => worker.postMessage(m, t ?? []),
      terminate: () => worker.terminate(),
      hold: (busy) => (busy ? w.ref?.() : w.unref?.()),
    }
  }
  let threads: Awaited<ReturnType<typeof nodeBuiltin<'worker_threads'>>>
  try {
    threads = await nodeBuiltin('worker_threads')
  } catch (e) {
    throw new WasmganError('E_LOAD', `this runtime has neither Web Workers nor worker_threads: ${describe(e)}`, { cause: e })
  }
  const worker = new threads.Worker(`${WORKER_SOURCE}\n__wasmganWorker.start(require('node:worker_threads').parentPort)`, {
    eval: true,
    name: 'wasmgan',
  })
  worker.on('message', onMessage)
  worker.on('error', onError)
  worker.on('exit', (code) => onError(new Error(`the worker exited with code ${code}`)))
  worker.unref()
  return {
    post: (m, t) => worker.postMessage(m, t as never),
    terminate: () => void worker.terminate(),
    hold: (busy) => (busy ? worker.ref() : worker.unref()),
  }
}
