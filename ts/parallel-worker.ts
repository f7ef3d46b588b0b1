/**
 * The data-parallel worker: one module instance and one replica of the model
 * on its own thread, driven by {@link ParallelGan}. It is bundled on its own
 * (`scripts/build-worker.mjs`) into a script the package embeds as
 * text, so no bundler has to know that the package starts workers; the main
 * thread posts it the compiled `WebAssembly.Module`, so the embedded wasm is
 * not shipped twice.
 *
 * Each `run` request may carry an `apply` (the optimizer step from every
 * worker's partial sums of the previous phase) and a `partial` (this worker's
 * sums for its micro-batches of the next phase); doing both in one message
 * halves the round trips per step.
 */

import { Status, type Handle } from './abi.js'
import { WasmganError } from './errors.js'
import { Gan, ganInternals } from './gan.js'
import { instantiate } from './load.js'
import type { Runtime } from './runtime.js'
import { uploadData, type TrainingData } from './upload.js'
import type { ParallelReply, ParallelRequest, Phase } from './parallel-protocol.js'
import type { StepMetrics } from './gan.js'

/** `self` in a Web Worker, `parentPort` under worker_threads. */
export interface WorkerPort {
  postMessage(message: unknown, transfer?: Transferable[]): void
  on?(event: 'message', listener: (data: unknown) => void): void
  addEventListener?(event: 'message', listener: (e: { data: unknown }) => void): void
}

/** How long a worker spins for another's sums before it sleeps on them (ms). */
const SPIN_MS = 4

/** Waits until `ctl[i]` ≥ `target`: spinning, then sleeping in 1 ms waits; throws if the abort flag `ctl[0]` is set. */
function waitFor(ctl: Int32Array, i: number, target: number): void {
  const start = performance.now()
  for (let n = 0; ; n++) {
    const v = Atomics.load(ctl, i)
    if (v >= target) return
    if (Atomics.load(ctl, 0) !== 0) throw new WasmganError('E_INTERNAL', 'another data-parallel worker failed')
    if ((n & 1023) === 1023 && performance.now() - start > SPIN_MS) Atomics.wait(ctl, i, v, 1)
  }
}

/**
 * Computes this worker's partial sums of `phase` for micro-batches `lo..hi`
 * and copies them into `out` when they fit. Returns their length in bytes;
 * they also stay in the module's result buffer.
 */
function partialSums(r: Runtime, handle: Handle, data: TrainingData, p: PartialArgs, out?: SharedArrayBuffer): number {
  const d = uploadData(r, data)
  r.check(
    r.call((x) => x.gan_dp_partial(handle, d.handle, p.batch, p.micro, p.phase, p.lo, p.hi)),
    'computing partial sums',
  )
  return r.call((x) => {
    const len = x.wg_result_len()
    // Straight from the module's memory into the shared buffer: no allocation per step.
    if (out && len <= out.byteLength) new Uint8Array(out, 0, len).set(new Uint8Array(x.memory.buffer, x.wg_result_ptr(), len))
    return len
  })
}

/** Phase 2 of `gan_dp_partial`: draws the next step's batch for micro-batches `lo..hi` ahead of its phase 0. */
function prefetch(r: Runtime, handle: Handle, data: TrainingData, p: Omit<PartialArgs, 'phase'>): void {
  r.check(
    r.call((x) => x.gan_dp_partial(handle, uploadData(r, data).handle, p.batch, p.micro, 2, p.lo, p.hi)),
    'drawing the next batch',
  )
}

/**
 * The optimizer step of `phase` from `parts`, copied into the module one
 * after another: every worker's sums, or with `own` the other workers' (this
 * worker's own are still in its module and are not copied back in).
 */
function applySums(r: Runtime, handle: Handle, parts: Uint8Array[], batch: number, micro: number, phase: Phase, own: boolean): void {
  const total = parts.reduce((a, p) => a + p.length, 0)
  const ptr = r.call((x) => x.gan_dp_input(handle, total))
  if (ptr === 0) r.check(Status.OutOfMemory, 'receiving partial sums')
  let at = ptr
  for (const p of parts) {
    r.writeBytes(at, p)
    at += p.length
  }
  r.check(
    r.call((x) => x.gan_dp_apply(handle, batch, micro, phase, total, own ? 1 : 0)),
    'applying the combined gradients',
  )
}

/** What `gan_dp_partial` needs besides the model and the data. */
interface PartialArgs {
  batch: number
  micro: number
  phase: Phase
  lo: number
  hi: number
}

/** Starts answering requests on `port`. */
export function start(port: WorkerPort): void {
  let rt: Runtime | undefined
  let gan: Gan | undefined
  const datasets = new Map<number, TrainingData>()

  const model = (): Gan => {
    if (!gan) throw new WasmganError('E_INTERNAL', 'the worker has no model yet')
    return gan
  }

  /** A failure of work done after a reply (a prefetch), reported with the next request. */
  let deferred: unknown
  /** Time spent on work done after a reply (a prefetch), reported with the next reply's `busy`. */
  let carried = 0
  /** Runs `f`, adding its duration to `carried`. */
  const timed = <T>(f: () => T): T => {
    const t0 = performance.now()
    try {
      return f()
    } finally {
      carried += performance.now() - t0
    }
  }
  /** The work timed since the last reply, for this reply. */
  const takeBusy = (): number => {
    const b = carried
    carried = 0
    return b
  }

  async function handle(
    req: ParallelRequest,
  ): Promise<{ reply: Omit<ParallelReply, 'id' | 'ok'>; transfer: Transferable[]; after?: () => void }> {
    if (deferred !== undefined) {
      const e = deferred
      deferred = undefined
      throw e
    }
    switch (req.op) {
      case 'init': {
        rt = await instantiate({ source: req.module })
        gan = req.checkpoint ? Gan.load(req.checkpoint, { runtime: rt }) : new Gan(req.config ?? {}, { runtime: rt })
        return { reply: { config: gan.config }, transfer: [] }
      }
      case 'data':
        datasets.set(req.dataId, { images: req.images, count: req.count, dim: req.dim, labels: req.labels })
        return { reply: {}, transfer: [] }
      case 'forget':
        datasets.delete(req.dataId)
        return { reply: {}, transfer: [] }
      case 'run': {
        const { rt: r, handle } = ganInternals(model())
        const shared = req.shared
        if (req.apply) {
          const { bytes, lengths, batch, micro, phase } = req.apply
          // From shared buffers, every sum but this worker's own, which its module still holds.
          const parts = bytes
            ? [bytes]
            : lengths!.flatMap((len, w) => (w === shared!.self ? [] : [new Uint8Array(shared!.read[w], 0, len)]))
          applySums(r, handle, parts, batch, micro, phase, !bytes)
        }
        const reply: { partial?: Uint8Array; partialLength?: number; metrics?: StepMetrics; busy?: number } = {}
        if (req.partial) {
          const data = datasets.get(req.partial.dataId)
          if (!data) throw new WasmganError('E_INTERNAL', `the worker has no dataset ${req.partial.dataId}`)
          const out = shared?.write
          const len = timed(() => partialSums(r, handle, data, req.partial!, out))
          if (out && len <= out.byteLength) reply.partialLength = len
          else reply.partial = r.resultBytes()
        }
        reply.metrics = model().metrics
        reply.busy = takeBusy()
        const p = req.partial
        // The next step's batch, after the reply is on its way.
        const after = p?.prefetch ? () => timed(() => prefetch(r, handle, datasets.get(p.dataId)!, p)) : undefined
        return { reply, transfer: reply.partial ? [reply.partial.buffer] : [], after }
      }
      case 'loop': {
        const { rt: r, handle } = ganInternals(model())
        const data = datasets.get(req.dataId)
        if (!data) throw new WasmganError('E_INTERNAL', `the worker has no dataset ${req.dataId}`)
        const ctl = new Int32Array(req.control)
        const { steps, batch, micro, lo, hi, self: me, workers, sets } = req
        const phases: Phase[] = [...(Array(model().config.dSteps).fill(0) as Phase[]), 1]
        let seq = req.seq
        let parity = req.parity
        // Lengths alternate with the buffer sets: a worker one exchange ahead must not overwrite a length another has yet to read.
        const lenAt = (v: number) => 1 + workers * (1 + parity) + v
        try {
          for (let s = 0; s < steps; s++) {
            for (const phase of phases) {
              const out = sets[parity][me]
              const len = timed(() => partialSums(r, handle, data, { batch, micro, phase, lo, hi }, out))
              if (len > out.byteLength) {
                throw new WasmganError('E_INTERNAL', `partial sums of ${len} bytes do not fit the ${out.byteLength}-byte exchange buffer`)
              }
              seq++
              Atomics.store(ctl, lenAt(me), len)
              Atomics.store(ctl, 1 + me, seq)
              Atomics.notify(ctl, 1 + me)
              // The next step's batch (and the real rows' pass) while the others finish.
              if (phase === 1 && s + 1 < steps) timed(() => prefetch(r, handle, data, { batch, micro, lo, hi }))
              const parts: Uint8Array[] = []
              for (let v = 0; v < workers; v++) {
                if (v === me) continue
                waitFor(ctl, 1 + v, seq)
                parts.push(new Uint8Array(sets[parity][v], 0, Atomics.load(ctl, lenAt(v))))
              }
              applySums(r, handle, parts, batch, micro, phase, true)
              parity ^= 1
            }
          }
        } catch (e) {
          // The others are waiting for this worker's sums: tell them to stop.
          Atomics.store(ctl, 0, 1)
          for (let v = 0; v < workers; v++) Atomics.notify(ctl, 1 + v)
          throw e
        }
        return { reply: { metrics: model().metrics, busy: takeBusy() }, transfer: [] }
      }
      case 'save': {
        const bytes = model().save(req.meta)
        return { reply: { bytes }, transfer: [bytes.buffer] }
      }
      case 'dispose':
        gan?.dispose()
        gan = undefined
        return { reply: {}, transfer: [] }
    }
  }

  const onRequest = (req: ParallelRequest) => {
    handle(req).then(
      ({ reply, transfer, after }) => {
        port.postMessage({ id: req.id, ok: true, ...reply } satisfies ParallelReply, transfer)
        try {
          after?.()
        } catch (e) {
          deferred = e
        }
      },
      (e: unknown) => {
        const error =
          e instanceof WasmganError
            ? { code: e.code, message: e.message }
            : { code: 'E_INTERNAL' as const, message: `a data-parallel worker failed: ${e instanceof Error ? e.message : String(e)}` }
        port.postMessage({ id: req.id, ok: false, error } satisfies ParallelReply)
      },
    )
  }
  if (typeof port.on === 'function') port.on('message', (data) => onRequest(data as ParallelRequest))
  else port.addEventListener!('message', (e) => onRequest(e.data as ParallelRequest))
}
