/**
 * The messages between {@link WorkerGan} (the caller's thread) and the
 * training worker (`worker-host.ts`). Everything here must survive
 * structured cloning: plain objects, typed arrays, Blobs, URLs as strings,
 * and a `WebAssembly.Module`.
 *
 * Each request carries an `id`; the worker answers it exactly once with a
 * {@link Reply}. A `fit` request also gets {@link ProgressMessage}s with the
 * same id before its reply.
 */

import type { ErrorCode } from './errors.js'
import type { GanConfig, ResolvedGanConfig } from './config.js'
import type { FitOptions, FitProgress, SampleOptions, StepMetrics } from './gan.js'

/** An IDX source that can cross to a worker (paths and URLs are strings). */
export type PortableSource = string | Uint8Array | ArrayBuffer | Blob

/** What the caller asks of the worker. */
export type Request =
  | { op: 'init'; module: WebAssembly.Module }
  | { op: 'create'; config: GanConfig }
  | { op: 'load'; bytes: Uint8Array }
  | { op: 'data'; dataId: number; images: Float32Array; count: number; dim: number; labels?: Uint8Array | Int32Array }
  | { op: 'loadData'; dataId: number; images: PortableSource; labels?: PortableSource }
  | { op: 'dropData'; dataId: number }
  | { op: 'train'; dataId: number; steps: number; batchSize?: number }
  | { op: 'fit'; dataId: number; options: Omit<FitOptions, 'signal'> }
  | { op: 'abort'; fitId: number }
  | { op: 'sample'; n: number; options: SampleOptions }
  | { op: 'save'; meta?: Record<string, unknown> }

/** A request as posted: with the id its reply will carry. */
export type RequestMessage = Request & { id: number }

/** Facts about a dataset the worker loaded itself. */
export interface DatasetInfo {
  count: number
  dim: number
  height: number
  width: number
  classes?: number
  classNames?: string[]
}

/** The worker's answer to one request. */
export type Reply =
  | {
      id: number
      ok: true
      /** Op-specific result (see `WorkerGan`). */
      value?: unknown
      /** The model's metrics after the request, when a model exists. */
      metrics?: StepMetrics
      /** The model's config after `create` or `load`. */
      config?: ResolvedGanConfig
      /** The model's metadata after `load` or `save`. */
      meta?: Record<string, unknown> | null
    }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } }

/** Progress of a running `fit`, sent between its chunks of steps. */
export interface ProgressMessage {
  id: number
  progress: FitProgress
}

/** The first message of a worker: it is listening. */
export interface ReadyMessage {
  ready: true
}

export type WorkerMessage = Reply | ProgressMessage | ReadyMessage
