/**
 * The training worker: runs a {@link Gan} on its own thread for
 * {@link WorkerGan}. It is bundled on its own (`scripts/build-worker.mjs`)
 * into a script that the package embeds as text, so no bundler has to know
 * that the package starts a worker; the main thread posts it the compiled
 * `WebAssembly.Module`, so the worker runs the very build `init()` chose
 * and the embedded wasm bytes are not shipped twice.
 *
 * Requests are handled as they arrive. `fit` yields to the event loop
 * between chunks of steps, so `sample`, `save` and `abort` requests sent
 * while it runs are answered between two chunks.
 */

import { WasmganError } from './errors.js'
import { loadImageDataset, type Source } from './data.js'
import { Gan } from './gan.js'
import { instantiate } from './load.js'
import type { Runtime } from './runtime.js'
import type { TrainingData } from './upload.js'
import type { DatasetInfo, ProgressMessage, Reply, RequestMessage, WorkerMessage } from './worker-protocol.js'

/** What the worker talks through: `self` in a Web Worker, `parentPort` under worker_threads. */
export interface HostPort {
  postMessage(message: unknown, transfer?: Transferable[]): void
  on?(event: 'message', listener: (data: unknown) => void): void
  addEventListener?(event: 'message', listener: (e: { data: unknown }) => void): void
}

/** Starts answering requests on `port`. */
export function start(port: HostPort): void {
  let rt: Runtime | undefined
  let resolveRuntime: (rt: Runtime) => void = () => {}
  let rejectRuntime: (e: unknown) => void = () => {}
  const runtimeReady = new Promise<Runtime>((resolve, reject) => {
    resolveRuntime = resolve
    rejectRuntime = reject
  })
  runtimeReady.catch(() => {}) // reported by each request that needs it
  let gan: Gan | undefined
  const datasets = new Map<number, TrainingData>()
  const fits = new Map<number, AbortController>()

  const send = (message: WorkerMessage, transfer: Transferable[] = []) => port.postMessage(message, transfer)

  const model = (): Gan => {
    if (!gan) throw new WasmganError('E_INTERNAL', 'the worker has no model yet')
    return gan
  }
  const dataset = (dataId: number): TrainingData => {
    const d = datasets.get(dataId)
    if (!d) throw new WasmganError('E_INTERNAL', `the worker has no dataset ${dataId}`)
    return d
  }

  async function handle(req: RequestMessage): Promise<Omit<Extract<Reply, { ok: true }>, 'id' | 'ok'> & { transfer?: Transferable[] }> {
    if (req.op === 'init') {
      try {
        rt = await instantiate({ source: req.module })
        resolveRuntime(rt)
      } catch (e) {
        rejectRuntime(e)
        throw e
      }
      return { value: { simd: rt.simd } }
    }
    if (req.op === 'abort') {
      fits.get(req.fitId)?.abort()
      return {}
    }
    const runtime = await runtimeReady
    switch (req.op) {
      case 'create':
        gan = new Gan(req.config, { runtime })
        return { config: gan.config }
      case 'load':
        gan = Gan.load(req.bytes, { runtime })
        return { config: gan.config, meta: gan.meta ?? null }
      case 'data':
        datasets.set(req.dataId, { images: req.images, count: req.count, dim: req.dim, labels: req.labels })
        return {}
      case 'loadData': {
        const d = await loadImageDataset({ images: req.images as Source, labels: req.labels as Source | undefined })
        datasets.set(req.dataId, d)
        const info: DatasetInfo = { count: d.count, dim: d.dim, height: d.height, width: d.width }
        if (d.classes !== undefined) info.classes = d.classes
        return { value: info }
      }
      case 'dropData':
        datasets.delete(req.dataId)
        return {}
      case 'train':
        model().train(dataset(req.dataId), req.steps, { batchSize: req.batchSize })
        return {}
      case 'fit': {
        const ctl = new AbortController()
        fits.set(req.id, ctl)
        try {
          for await (const progress of model().fit(dataset(req.dataId), { ...req.options, signal: ctl.signal })) {
            send({ id: req.id, progress } satisfies ProgressMessage)
          }
        } finally {
          fits.delete(req.id)
        }
        return {}
      }
      case 'sample': {
        const images = model().sample(req.n, req.options)
        return { value: images, transfer: [images.buffer] }
      }
      case 'save': {
        const bytes = model().save(req.meta)
        return { value: bytes, meta: req.meta ?? null, transfer: [bytes.buffer] }
      }
    }
  }

  const onRequest = (req: RequestMessage) => {
    handle(req).then(
      ({ transfer, ...rest }) => {
        const reply: Reply = { id: req.id, ok: true, ...rest }
        if (gan && !gan.disposed && !rt?.trapped) reply.metrics = gan.metrics
        send(reply, transfer)
      },
      (e: unknown) => {
        const error =
          e instanceof WasmganError
            ? { code: e.code, message: e.message }
            : { code: 'E_INTERNAL' as const, message: `the training worker failed: ${e instanceof Error ? e.message : String(e)}` }
        send({ id: req.id, ok: false, error })
      },
    )
  }

  if (typeof port.on === 'function') port.on('message', (data) => onRequest(data as RequestMessage))
  else port.addEventListener!('message', (e) => onRequest(e.data as RequestMessage))
  send({ ready: true })
}
