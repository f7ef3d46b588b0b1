/**
 * Data-parallel training across worker threads (Web Workers, or Node's
 * worker_threads), each with its own wasm module instance and a replica of
 * the model.
 *
 * Every batch is split into micro-batches of a fixed size; each worker
 * computes the gradient sums of a contiguous share of them, the shares are
 * exchanged, and every worker combines all of them in the same fixed tree
 * order (crates/core/src/reduce.rs) and takes the same optimizer step. So the
 * replicas stay identical, and the weights after N steps depend on the
 * micro-batch size but not on the number of workers: they equal those of
 * `gan.train(data, steps, { batchSize, microBatch })` on one thread.
 *
 * A step exchanges twice (after the discriminator's gradients, after the
 * generator's), each time about one gradient vector per worker.
 */

import { resolveConfig, type GanConfig, type ResolvedGanConfig } from './config.js'
import { WasmganError, describe } from './errors.js'
import type { StepMetrics } from './gan.js'
import { PARALLEL_WORKER_SOURCE } from './generated/parallel-worker-source.js'
import { initModule, wasmModule } from './load.js'
import { nodeBuiltin } from './node-builtins.js'
import type { ParallelReply, ParallelRequest, ParallelRequestBody, Phase } from './parallel-protocol.js'
import type { Runtime } from './runtime.js'
import { checkTrainingLabels, type TrainingData } from './upload.js'
import { WorkerCopies } from './worker-copies.js'
import { integer, invalid, knownKeys, object } from './validate.js'

/** Options of {@link ParallelGan.create} and {@link ParallelGan.load}. */
export interface ParallelOptions {
  /** Worker threads (default 2), each with its own module instance and model replica. */
  workers?: number
  /**
   * Rows per micro-batch (default 32); it must divide every batch size used,
   * and a batch needs at least as many micro-batches as there are workers.
   * The weights depend on it, not on `workers`.
   */
  microBatch?: number
  /** The module whose build the workers run (default: the one `init()` loaded, else the embedded build it would choose). */
  runtime?: Runtime
  /**
   * How a batch's micro-batches are shared out. `'measured'` (default): in
   * proportion to each worker's speed as measured over the previous calls,
   * so that a worker on a slower or busier core (an efficiency core, a
   * shared virtual CPU) gets fewer and nobody waits long for it; `'even'`:
   * equal shares. The weights are the same either way; a share needs
   * more micro-batches per batch than workers to move.
   */
  balance?: 'measured' | 'even'
}

/** Options of {@link ParallelGan.train}. */
export interface ParallelTrainOptions {
  /** Rows per batch (default 64). */
  batchSize?: number
}

const MAX_WORKERS = 64
const MAX_BATCH = 1 << 16

/**
 * Shares of `count` micro-batches for workers of the given relative
 * `speeds`: in proportion to them (largest remainders round), at least one
 * each (taken from the largest shares), summing to `count` (≥ the number of
 * workers). Non-finite or non-positive speeds count as the slowest valid
 * one (or all as equal).
 */
export function splitShares(count: number, speeds: readonly number[]): number[] {
  const valid = speeds.filter((v) => Number.isFinite(v) && v > 0)
  const slowest = valid.length ? Math.min(...valid) : 1
  const sp = speeds.map((v) => (Number.isFinite(v) && v > 0 ? v : slowest))
  const total = sp.reduce((a, v) => a + v, 0)
  const ideal = sp.map((v) => (count * v) / total)
  const shares = ideal.map(Math.floor)
  const byRemainder = ideal.map((x, w) => w).sort((a, b) => ideal[b] - shares[b] - (ideal[a] - shares[a]) || a - b)
  let left = count - shares.reduce((a, v) => a + v, 0)
  for (let i = 0; left > 0; i++, left--) shares[byRemainder[i]]++
  // Every worker computes at least one micro-batch: from the largest shares.
  for (let w = 0; w < shares.length; w++) {
    while (shares[w] < 1) {
      const top = shares.indexOf(Math.max(...shares))
      shares[top]--
      shares[w]++
    }
  }
  return shares
}

/** One worker: post a request, get its reply. */
interface Channel {
  post(req: ParallelRequest, transfer?: Transferable[]): void
  terminate(): void
  /** Keeps a Node process alive while a request is in flight (no-op elsewhere). */
  hold(on: boolean): void
}

/** Starts a worker: a Web Worker where the platform has one (browsers, Bun), else worker_threads (Node, Deno). */
async function spawn(onMessage: (reply: ParallelReply) => void, onError: (e: Error) => void): Promise<Channel> {
  const g = globalThis as { Worker?: typeof Worker; Deno?: unknown }
  const WebWorker = g.Worker
  // As in WorkerGan: Deno's Web Workers cannot be unref'd, its worker_threads can.
  if (typeof WebWorker === 'function' && g.Deno === undefined) {
    const url = URL.createObjectURL(new Blob([`${PARALLEL_WORKER_SOURCE}\n__wasmganParallel.start(self)`], { type: 'text/javascript' }))
    let w: Worker
    try {
      w = new WebWorker(url, { type: 'module', name: 'wasmgan-parallel' })
    } catch (e) {
      URL.revokeObjectURL(url)
      throw new WasmganError('E_LOAD', `could not start a data-parallel worker: ${String(e)}`, { cause: e })
    }
    w.addEventListener('message', (e: MessageEvent) => onMessage(e.data as ParallelReply))
    w.addEventListener('error', (e: ErrorEvent) => {
      e.preventDefault?.()
      onError(new Error(e.message || 'the worker reported an error'))
    })
    const r = w as Worker & { ref?: () => void; unref?: () => void }
    r.unref?.()
    return {
      post: (req, transfer = []) => w.postMessage(req, transfer),
      terminate: () => {
        w.terminate()
        URL.revokeObjectURL(url)
      },
      hold: (on) => (on ? r.ref?.() : r.unref?.()),
    }
  }
  let threads: Awaited<ReturnType<typeof nodeBuiltin<'worker_threads'>>>
  try {
    threads = await nodeBuiltin('worker_threads')
  } catch (e) {
    throw new WasmganError('E_LOAD', `this runtime has neither Web Workers nor worker_threads: ${describe(e)}`, { cause: e })
  }
  const w = new threads.Worker(`${PARALLEL_WORKER_SOURCE}\n__wasmganParallel.start(require('node:worker_threads').parentPort)`, {
    eval: true,
    name: 'wasmgan-parallel',
  })
  w.on('message', (m: unknown) => onMessage(m as ParallelReply))
  w.on('error', (e: Error) => onError(e))
  w.unref()
  return {
    post: (req, transfer = []) => w.postMessage(req, transfer as never),
    terminate: () => void w.terminate(),
    hold: (on) => (on ? w.ref() : w.unref()),
  }
}

/** A worker with its requests in flight. */
class WorkerHandle {
  #channel!: Channel
  #pending = new Map<number, { resolve: (r: ParallelReply & { ok: true }) => void; reject: (e: unknown) => void }>()
  #nextId = 1
  #failed: Error | undefined

  static async start(): Promise<WorkerHandle> {
    const h = new WorkerHandle()
    h.#channel = await spawn(
      (reply) => h.#onReply(reply),
      (e) => h.#fail(e),
    )
    return h
  }

  #onReply(reply: ParallelReply) {
    const p = this.#pending.get(reply.id)
    if (!p) return
    this.#pending.delete(reply.id)
    if (this.#pending.size === 0) this.#channel.hold(false)
    if (reply.ok) p.resolve(reply)
    else p.reject(new WasmganError(reply.error.code, reply.error.message))
  }

  #fail(e: Error) {
    this.#failed = e
    for (const p of this.#pending.values()) {
      p.reject(new WasmganError('E_INTERNAL', `a data-parallel worker stopped: ${e.message}`, { cause: e }))
    }
    this.#pending.clear()
    this.#channel.hold(false)
  }

  request(req: ParallelRequestBody, transfer: Transferable[] = []): Promise<ParallelReply & { ok: true }> {
    if (this.#failed) return Promise.reject(new WasmganError('E_INTERNAL', `a data-parallel worker stopped: ${this.#failed.message}`))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      if (this.#pending.size === 1) this.#channel.hold(true)
      this.#channel.post({ ...req, id } as ParallelRequest, transfer)
    })
  }

  terminate() {
    this.#channel.terminate()
  }
}

/** Whether buffers can be shared with workers (browsers need cross-origin isolation for it). */
function sharedMemoryWorks(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated
  return isolated !== false
}

/** Weights and biases of dense layers of the given widths. */
function paramCount(widths: number[]): number {
  let n = 0
  for (let i = 0; i + 1 < widths.length; i++) n += widths[i] * widths[i + 1] + widths[i + 1]
  return n
}

/** Joins byte arrays into one. */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * A GAN trained by several workers at once. Create it with
 * {@link ParallelGan.create} or {@link ParallelGan.load}; everything is
 * asynchronous because the work happens on the workers.
 *
 * ```ts
 * const pg = await ParallelGan.create({ seed: 7 }, { workers: 2, microBatch: 64 })
 * await pg.train(data, 1000, { batchSize: 256 })
 * const bytes = await pg.save() // a normal checkpoint: Gan.load(bytes) samples and trains on
 * await pg.dispose()
 * ```
 */
export class ParallelGan {
  /** The configuration, with every default filled in. */
  readonly config: ResolvedGanConfig
  /** Number of workers. */
  readonly workers: number
  /** Rows per micro-batch. */
  readonly microBatch: number
  /** How micro-batches are shared out (see {@link ParallelOptions.balance}). */
  readonly balance: 'measured' | 'even'
  #handles: WorkerHandle[]
  /** Each worker's measured speed, micro-batches per millisecond per phase (smoothed over calls), once measured. */
  #speeds: number[] | undefined
  #shares: number[] | undefined
  /** The arrays passed as data that the workers hold copies of. */
  #copies = new WorkerCopies((dataId) => {
    if (this.#disposed) return
    // A stopped worker has nothing to drop.
    for (const h of this.#handles) h.request({ op: 'forget', dataId }).catch(() => {})
  })
  #nextDataId = 1
  #metrics: StepMetrics | undefined
  /**
   * One exchange buffer per worker when SharedArrayBuffer is available (Node,
   * Bun, Deno, cross-origin-isolated pages); else the sums travel by
   * postMessage, copied on the main thread.
   */
  #shared: [SharedArrayBuffer[], SharedArrayBuffer[]] | undefined
  #parity = 0
  /** The workers' control block for `loop` (see parallel-protocol.ts) and the exchanges counted in it so far. */
  #control: SharedArrayBuffer | undefined
  #seq = 0
  #disposed = false
  #busy = false

  private constructor(config: ResolvedGanConfig, handles: WorkerHandle[], microBatch: number, balance: 'measured' | 'even') {
    this.config = config
    this.#handles = handles
    this.workers = handles.length
    this.microBatch = microBatch
    this.balance = balance
    const none = () => handles.map(() => new SharedArrayBuffer(0))
    this.#shared = sharedMemoryWorks() ? [none(), none()] : undefined
  }

  /** Starts `workers` workers, each creating the model from `config` (same seed: same weights). */
  static async create(config: GanConfig = {}, options: ParallelOptions = {}): Promise<ParallelGan> {
    resolveConfig(config) // invalid configs fail here, before any worker starts
    return ParallelGan.#start(options, { config })
  }

  /** Starts workers that each load the checkpoint `bytes` (from `Gan.save` or {@link ParallelGan.save}). */
  static async load(bytes: Uint8Array, options: ParallelOptions = {}): Promise<ParallelGan> {
    if (!(bytes instanceof Uint8Array)) invalid('checkpoint', 'a Uint8Array', bytes)
    return ParallelGan.#start(options, { checkpoint: bytes })
  }

  static async #start(options: ParallelOptions, init: { config?: GanConfig; checkpoint?: Uint8Array }): Promise<ParallelGan> {
    const o = object<ParallelOptions>('parallel options', options)
    knownKeys('parallel options', o, ['workers', 'microBatch', 'runtime', 'balance'])
    const workers = integer('workers', o.workers ?? 2, 1, MAX_WORKERS)
    const microBatch = integer('microBatch', o.microBatch ?? 32, 1, MAX_BATCH)
    const balance = o.balance ?? 'measured'
    if (balance !== 'measured' && balance !== 'even') invalid('balance', "'measured' or 'even'", balance)
    const module = o.runtime ? o.runtime.module : await (initModule() ?? wasmModule())
    if (!module) throw new WasmganError('E_INVALID_ARGUMENT', 'this runtime has no compiled module to start workers with')
    const handles: WorkerHandle[] = []
    let config: ResolvedGanConfig
    try {
      for (let i = 0; i < workers; i++) handles.push(await WorkerHandle.start())
      const replies = await Promise.all(
        handles.map((h) => h.request({ op: 'init', module, config: init.config, checkpoint: init.checkpoint })),
      )
      config = replies[0].config!
    } catch (e) {
      for (const h of handles) h.terminate()
      throw e
    }
    return new ParallelGan(config, handles, microBatch, balance)
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.#disposed
  }

  /** Metrics of the last step (undefined before the first). */
  get metrics(): StepMetrics | undefined {
    return this.#metrics
  }

  /** Micro-batches each worker computed per batch in the last call of {@link train} (undefined before the first). */
  get shares(): readonly number[] | undefined {
    return this.#shares?.slice()
  }

  /** Each worker's share of `count` micro-batches for the next call. */
  #split(count: number): number[] {
    const even = this.#handles.map((_, w) => Math.floor((count * (w + 1)) / this.workers) - Math.floor((count * w) / this.workers))
    if (this.balance === 'even' || !this.#speeds || count <= this.workers) return even
    return splitShares(count, this.#speeds)
  }

  /**
   * Learns each worker's speed from one call of `steps` steps: `shares[w]`
   * micro-batches in each phase, `busy[w]` ms spent on them in all (waiting
   * excluded). Smoothed, so one noisy call moves the shares by half.
   */
  #learn(shares: number[], busy: number[], steps: number) {
    if (busy.some((b) => !(b > 0))) return
    const phases = steps * (this.config.dSteps + 1)
    const speeds = shares.map((n, w) => (n * phases) / busy[w])
    this.#speeds = this.#speeds ? this.#speeds.map((v, w) => (v + speeds[w]) / 2) : speeds
  }

  #live() {
    if (this.#disposed) throw new WasmganError('E_DISPOSED', 'this ParallelGan was disposed; create or load a new one')
    if (this.#busy) throw new WasmganError('E_INVALID_ARGUMENT', 'this ParallelGan is busy: await the previous call first')
  }

  /** Copies `data` to every worker once (per Float32Array, and again with other labels). */
  async #upload(data: TrainingData): Promise<number> {
    if (data === null || typeof data !== 'object') invalid('data', 'an ImageDataset or { images, count, dim }', data)
    const { images, count, dim } = data
    if (!(images instanceof Float32Array)) invalid('data.images', 'a Float32Array', images)
    if (!Number.isInteger(count) || count < 1) invalid('data.count', 'an integer ≥ 1', count)
    if (!Number.isInteger(dim) || dim < 1) invalid('data.dim', 'an integer ≥ 1', dim)
    if (images.length !== count * dim) {
      throw new WasmganError(
        'E_INVALID_ARGUMENT',
        `data.images must hold count × dim = ${count} × ${dim} = ${count * dim} values, got ${images.length}`,
      )
    }
    if (dim !== this.config.dataDim) {
      throw new WasmganError(
        'E_INVALID_ARGUMENT',
        `the data has rows of ${dim} values but this GAN expects dataDim = ${this.config.dataDim}`,
      )
    }
    // A conditional model trains on the labels too; an unconditional one is not sent them.
    const k = this.config.classes
    if (k > 0) {
      checkTrainingLabels(data, k, 'a conditional GAN')
      if (data.labels!.length !== count) invalid('data.labels', `${count} labels (one per row)`, data.labels)
    }
    const labels = k > 0 ? data.labels : undefined
    const known = this.#copies.get(images, labels)
    if (known !== undefined) return known
    const dataId = this.#nextDataId++
    // Each worker checks the values (range [-1, 1]) as it uploads them into its module.
    await Promise.all(this.#handles.map((h) => h.request({ op: 'data', dataId, images, count, dim, labels })))
    this.#copies.set(images, labels, dataId)
    return dataId
  }

  /**
   * Runs `steps` training steps on batches of `batchSize` rows, the work of
   * each step shared by the workers; resolves with the last step's metrics.
   */
  async train(data: TrainingData, steps = 1, options: ParallelTrainOptions = {}): Promise<StepMetrics> {
    this.#live()
    const o = object<ParallelTrainOptions>('train options', options)
    knownKeys('train options', o, ['batchSize'])
    const batch = integer('batchSize', o.batchSize ?? 64, 1, MAX_BATCH)
    integer('steps', steps, 0, 0xffffffff)
    const micro = this.microBatch
    if (batch % micro !== 0) invalid('batchSize', `a multiple of microBatch (${micro})`, batch)
    const count = batch / micro
    if (count < this.workers) {
      invalid(
        'batchSize',
        `at least workers × microBatch = ${this.workers} × ${micro} = ${this.workers * micro} rows, so every worker has a micro-batch`,
        batch,
      )
    }
    if (batch > data?.count) invalid('batchSize', `at most the number of rows (${describe(data.count)})`, batch)
    this.#busy = true
    try {
      const dataId = await this.#upload(data)
      const shares = this.#split(count)
      let lo = 0
      const ranges = shares.map((n) => [lo, (lo += n)])
      if (this.#shared && steps > 0) {
        this.#learn(shares, await this.#loop(dataId, steps, batch, micro, ranges), steps)
        this.#shares = shares
        return this.#metrics!
      }
      const busy = shares.map(() => 0)
      let apply: { phase: Phase; parts: Uint8Array[] } | { phase: Phase; lengths: number[] } | undefined
      // One exchange: each worker applies the previous phase's sums (if any)
      // and computes its sums for `phase` (if any).
      const exchange = async (phase: Phase | undefined, prefetch = false) => {
        // Two sets of shared buffers alternate: this exchange writes one and reads the other.
        const write = this.#shared?.[this.#parity]
        const read = this.#shared?.[1 - this.#parity]
        this.#parity = 1 - this.#parity
        const replies = await Promise.all(
          this.#handles.map((h, w) => {
            const transfer: Transferable[] = []
            let applyMsg
            if (apply && 'lengths' in apply) {
              applyMsg = { phase: apply.phase, batch, micro, lengths: apply.lengths }
            } else if (apply) {
              // Every worker gets its own copy of all sums, transferred.
              const bytes = concat(apply.parts)
              transfer.push(bytes.buffer)
              applyMsg = { phase: apply.phase, batch, micro, bytes }
            }
            const partial = phase === undefined ? undefined : { phase, dataId, batch, micro, lo: ranges[w][0], hi: ranges[w][1], prefetch }
            return h.request(
              { op: 'run', apply: applyMsg, partial, shared: write && read ? { read, write: write[w], self: w } : undefined },
              transfer,
            )
          }),
        )
        this.#metrics = replies[0].metrics
        replies.forEach((r, w) => (busy[w] += r.busy ?? 0))
        if (phase === undefined) {
          apply = undefined
        } else if (write) {
          // A buffer that was too small grows, and takes the sums that did not fit.
          const lengths = replies.map((r, w) => {
            if (r.partial) {
              const grown = new SharedArrayBuffer(Math.ceil(r.partial.length * 1.25))
              new Uint8Array(grown).set(r.partial)
              write[w] = grown
              return r.partial.length
            }
            return r.partialLength!
          })
          apply = { phase, lengths }
        } else {
          apply = { phase, parts: replies.map((r) => r.partial!) }
        }
      }
      for (let s = 0; s < steps; s++) {
        for (let k = 0; k < this.config.dSteps; k++) await exchange(0)
        // While the generator's sums travel, workers draw the next step's batch.
        await exchange(1, s + 1 < steps)
      }
      if (apply) await exchange(undefined)
      if (steps > 0) {
        this.#learn(shares, busy, steps)
        this.#shares = shares
      }
    } finally {
      this.#busy = false
    }
    return this.#metrics!
  }

  /**
   * `steps` steps with the workers exchanging their sums among themselves
   * through shared memory, with no message per exchange (`loop` in
   * parallel-protocol.ts): a round trip through this thread cost ~0.3 ms
   * per hop on a virtual machine whose idle threads sleep, twice per step.
   */
  async #loop(dataId: number, steps: number, batch: number, micro: number, ranges: number[][]): Promise<number[]> {
    const sets = this.#shared!
    // Room for one block per micro-batch: the most a worker's range can produce. The layer sizes
    // are those of crates/core/src/config.rs: labels widen G's input, and D's input (concat) or output (the others).
    const c = this.config
    const [dIn, dOut] = c.classes === 0 ? [0, 0] : c.conditioning === 'concat' ? [c.classes, 0] : [0, c.classes]
    const params = Math.max(
      paramCount([c.latent + c.classes, ...c.generator, c.dataDim]),
      paramCount([c.dataDim + dIn, ...c.discriminator, 1 + dOut]),
    )
    ranges.forEach(([lo, hi], w) => {
      const need = 16 + (hi - lo) * (8 + 8 * 3 + 4 * params)
      for (const set of sets) if (set[w].byteLength < need) set[w] = new SharedArrayBuffer(need)
    })
    this.#control ??= new SharedArrayBuffer(4 * (1 + 3 * this.workers))
    const control = this.#control
    const results = await Promise.allSettled(
      this.#handles.map((h, w) =>
        h
          .request({
            op: 'loop',
            steps,
            dataId,
            batch,
            micro,
            lo: ranges[w][0],
            hi: ranges[w][1],
            self: w,
            workers: this.workers,
            sets,
            parity: this.#parity,
            control,
            seq: this.#seq,
          })
          .catch((e: unknown) => {
            // A worker that stopped leaves the others waiting for its sums.
            const ctl = new Int32Array(control)
            Atomics.store(ctl, 0, 1)
            for (let v = 0; v < this.workers; v++) Atomics.notify(ctl, 1 + v)
            throw e
          }),
      ),
    )
    const exchanges = steps * (this.config.dSteps + 1)
    this.#seq += exchanges
    this.#parity = (this.#parity + exchanges) % 2
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) {
      // The replicas may now differ: start the counters afresh and report the first failure.
      this.#control = undefined
      this.#seq = 0
      throw failed.reason
    }
    const replies = results.map((r) => (r as PromiseFulfilledResult<ParallelReply & { ok: true }>).value)
    this.#metrics = replies[0].metrics
    return replies.map((r) => r.busy ?? 0)
  }

  /** The model as a checkpoint (the same bytes `Gan.save` writes; all replicas are identical). */
  async save(meta?: Record<string, unknown>): Promise<Uint8Array> {
    this.#live()
    const reply = await this.#handles[0].request({ op: 'save', meta })
    return reply.bytes!
  }

  /** Every replica's checkpoint (for checking that they are identical). */
  async saveAll(): Promise<Uint8Array[]> {
    this.#live()
    return Promise.all(this.#handles.map(async (h) => (await h.request({ op: 'save' })).bytes!))
  }

  /** Stops the workers. Idempotent; later use throws `E_DISPOSED`. */
  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    for (const h of this.#handles) h.terminate()
  }
}
