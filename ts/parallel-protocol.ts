/**
 * The messages between {@link ParallelGan} and its workers
 * (`parallel-worker.ts`). Everything here survives structured cloning.
 */

import type { ErrorCode } from './errors.js'
import type { GanConfig, ResolvedGanConfig } from './config.js'
import type { StepMetrics } from './gan.js'

/** 0: the discriminator's half of a step; 1: the generator's. */
export type Phase = 0 | 1

/** What the main thread asks of a worker. */
export type ParallelRequestBody =
  | { op: 'init'; module: WebAssembly.Module; config?: GanConfig; checkpoint?: Uint8Array }
  | { op: 'data'; dataId: number; images: Float32Array; count: number; dim: number; labels?: Uint8Array | Int32Array }
  /** Drops dataset `dataId` (replaced by a copy with other labels, or its array was garbage-collected). */
  | { op: 'forget'; dataId: number }
  | {
      op: 'run'
      /**
       * The optimizer step from every worker's partial sums: either `bytes`
       * (their wire forms, concatenated), or `lengths[w]` bytes at the start of
       * each worker's `shared` buffer, in worker order.
       */
      apply?: { phase: Phase; batch: number; micro: number; bytes?: Uint8Array; lengths?: number[] }
      /**
       * This worker's partial sums for micro-batches `lo..hi` of `phase`. With
       * `prefetch` (generator phase, another step follows), the worker then
       * draws the next step's batch right after replying, while the sums are
       * being exchanged.
       */
      partial?: { phase: Phase; dataId: number; batch: number; micro: number; lo: number; hi: number; prefetch?: boolean }
      /**
       * Exchange buffers shared by all threads (when the runtime has
       * SharedArrayBuffer): the apply reads every worker's sums from `read`
       * (the previous exchange's buffers, one per worker), the partial writes
       * this worker's to `write` (one of the other set: two sets alternate,
       * so no worker overwrites sums another is still reading). The sums are
       * never copied on the main thread nor allocated per step. `read[self]`
       * holds this worker's own sums, which its module still has: the apply
       * does not copy them back in.
       */
      shared?: { read: SharedArrayBuffer[]; write: SharedArrayBuffer; self: number }
    }
  | {
      op: 'loop'
      /**
       * `steps` whole steps with no message per exchange: each worker writes
       * its sums to its buffer of `sets[parity]` (the sets alternate per
       * exchange), publishes them through `control`, waits for every other
       * worker's (spinning first: a thread that sleeps between exchanges
       * takes ~0.3 ms to wake on a virtual machine, against microseconds
       * for one that spins) and applies them itself.
       */
      steps: number
      dataId: number
      batch: number
      micro: number
      lo: number
      hi: number
      self: number
      workers: number
      sets: [SharedArrayBuffer[], SharedArrayBuffer[]]
      parity: number
      /** Int32 control block: [0] abort flag; [1 + w] worker w's exchange count; [1 + workers·(1 + parity) + w] the byte length of its sums in `sets[parity]`. */
      control: SharedArrayBuffer
      /** Exchange count reached before this loop (the counters continue from it). */
      seq: number
    }
  | { op: 'save'; meta?: Record<string, unknown> }
  | { op: 'dispose' }

/** A request as posted: with the id its reply carries. */
export type ParallelRequest = ParallelRequestBody & { id: number }

/** The answer to one request. */
export type ParallelReply =
  | {
      id: number
      ok: true
      /** The partial sums, when they were not written to the shared buffer (too small, or none). */
      partial?: Uint8Array
      /** Length of the partial sums written to the shared buffer. */
      partialLength?: number
      metrics?: StepMetrics
      /**
       * Milliseconds this worker spent computing its sums (and drawing its
       * rows of the next batch) since its previous reply: what
       * {@link ParallelGan} balances the shares of micro-batches by.
       */
      busy?: number
      bytes?: Uint8Array
      /** The model's config, after `init`. */
      config?: ResolvedGanConfig
    }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } }
