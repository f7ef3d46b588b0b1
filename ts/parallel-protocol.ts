/**
 * The messages between {@link ParallelGan} and its workers
 * (`parallel-worker.ts`). Everything here survives structured cloning.
 */

import type { ErrorCode } from './errors.js'
import type { GanConfig } from './config.js'
import type { StepMetrics } from './gan.js'

/** 0: the discriminator's half of a step; 1: the generator's. */
export type Phase = 0 | 1

/** What the main thread asks of a worker. */
export type ParallelRequestBody =
  | { op: 'init'; module: WebAssembly.Module; config?: GanConfig; checkpoint?: Uint8Array }
  | { op: 'data'; dataId: number; images: Float32Array; count: number; dim: number }
  | {
      op: 'run'
      /** The optimizer step from every worker's partial sums (concatenated wire forms). */
      apply?: { phase: Phase; batch: number; micro: number; bytes: Uint8Array }
      /** This worker's partial sums for micro-batches `lo..hi` of `phase`. */
      partial?: { phase: Phase; dataId: number; batch: number; micro: number; lo: number; hi: number }
    }
  | { op: 'save'; meta?: Record<string, unknown> }
  | { op: 'dispose' }

/** A request as posted: with the id its reply carries. */
export type ParallelRequest = ParallelRequestBody & { id: number }

/** The answer to one request. */
export type ParallelReply =
  | { id: number; ok: true; partial?: Uint8Array; metrics?: StepMetrics; bytes?: Uint8Array }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } }
