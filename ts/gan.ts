/**
 * The classic GAN: a generator and a discriminator (MLPs) trained with
 * binary cross-entropy, the generator with the non-saturating loss. All
 * weights, gradients and optimizer state live in the wasm module; this class
 * holds a handle and hands out copies.
 */

import { METRICS_LEN, Metric, type Handle } from './abi.js'
import { decodeConfig, encodeConfig, resolveConfig, type GanConfig, type ResolvedGanConfig } from './config.js'
import { WasmganError, describe } from './errors.js'
import { yieldToEventLoop } from './fit.js'
import { runtime } from './load.js'
import type { Runtime } from './runtime.js'
import { checkTrainingLabels, uploadData, type TrainingData } from './upload.js'
import { CollapseMonitor, type TrainingWarning } from './diagnostics.js'
import { decodeClassNames, encodeClassNames, integer, invalid, knownKeys, labelIds, object } from './validate.js'

/** Losses and discriminator outputs after a training step. */
export interface StepMetrics {
  /** Training steps completed by this model (across saves and loads). */
  step: number
  /** Current pass over the data (0-based), as the model's sampler counts it. */
  epoch: number
  /** Discriminator loss: mean BCE on the real batch + mean BCE on the fake batch. */
  dLoss: number
  /** Generator loss: mean −log D(G(z)). */
  gLoss: number
  /**
   * Mean D(x) on the last real batch: a probability σ(output) under the BCE and hinge losses,
   * the raw output (aimed at 1) under least squares.
   */
  dReal: number
  /** Mean D(G(z)) on the last fake batch, before the discriminator update (same scale as `dReal`). */
  dFake: number
}

/** Progress reported by {@link Gan.fit}. */
export interface FitProgress extends StepMetrics {
  /** Steps done in this `fit` call. */
  stepsDone: number
  /** Steps this `fit` call will run. */
  stepsTotal: number
  /** Milliseconds since this `fit` call started. */
  elapsedMs: number
  /** Real images consumed per second in this `fit` call. */
  imagesPerSecond: number
  /** Set on the report where a training problem is first detected (see `diagnostics`). */
  warning?: TrainingWarning
}

/** Options of {@link Gan.fit}. */
export interface FitOptions {
  /** Passes over the data (default 1). Ignored when `steps` is given. */
  epochs?: number
  /** Exact number of training steps to run. */
  steps?: number
  /** Rows per batch (default 64). */
  batchSize?: number
  /** Micro-batch size, as in {@link TrainOptions.microBatch}. */
  microBatch?: number
  /** Stops training at the next step boundary; the generator then returns normally. */
  signal?: AbortSignal
  /** Steps between progress reports (default: about every 100 ms). */
  reportEvery?: number
  /**
   * Watch for collapse (default true): a report carries a `warning` when the discriminator wins
   * outright for 200 steps or sample diversity falls below a quarter of the data's.
   */
  diagnostics?: boolean
}

/** Options of {@link Gan.train}. */
export interface TrainOptions {
  /** Rows per batch (default 64). */
  batchSize?: number
  /**
   * Sum each batch's gradients over micro-batches of this many rows (a divisor
   * of `batchSize`) in the fixed tree order that data-parallel training uses,
   * so the weights equal those of a {@link ParallelGan} with the same
   * `microBatch` on any number of workers. Default: the whole batch (plain
   * training; a micro-batch of the whole batch gives the same weights).
   */
  microBatch?: number
}

/** Options of {@link Gan.sample}. */
export interface SampleOptions {
  /** Latent vectors to use, `n × latent` values. */
  z?: Float32Array
  /** Draw the latent vectors from a fresh generator with this seed (reproducible). */
  seed?: number
  /**
   * Conditional GANs: the class of each sample, `n` integers in 0..classes-1
   * (an array or typed array). Default: `i mod classes` for sample i, so every
   * class gets an equal share. Refused by an unconditional GAN.
   */
  labels?: ArrayLike<number>
  /**
   * Write the rows into this array (exactly `n × dataDim` values) and return
   * it, instead of a new array. Reusing one array across calls saves
   * allocating ~3 kB per row: in Node and Deno on the development machine,
   * allocating the 800 kB of a 256-row batch took 0.2–2.8 ms, up to as long
   * as generating it (~2.4 ms).
   */
  into?: Float32Array
}

/** Options of the constructor and of {@link Gan.load}. */
export interface ModelOptions {
  /** A module instance from `instantiate()` instead of the one `init()` loaded. */
  runtime?: Runtime
}

/** Lets `load` hand an existing module-side model to the constructor. */
const ADOPT = Symbol('adopt')
/** Key of the method that exposes a model's runtime and handle to `parallel-worker.ts`. */
const INTERNALS = Symbol('internals')

/** A model's runtime and module-side handle (package-internal: not exported from the entry). */
export function ganInternals(gan: Gan): { rt: Runtime; handle: Handle } {
  return gan[INTERNALS]()
}
interface Adopted {
  rt: Runtime
  handle: Handle
  config: ResolvedGanConfig
}

const MAX_BATCH = 1 << 16
/** Seed of the diagnostic samples: fixed, so the check compares like with like over time. */
const DIAGNOSTIC_SEED = 0x5eed
const MAX_SAMPLES = 1 << 20

const released = new FinalizationRegistry<{ rt: Runtime; handle: Handle }>(({ rt, handle }) => {
  if (!rt.trapped) rt.call((x) => x.gan_free(handle))
})

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder()

/** A generative adversarial network whose weights live in the wasm module. */
export class Gan {
  /** The configuration, with every default filled in. */
  readonly config: ResolvedGanConfig
  #rt: Runtime
  #handle: Handle | 0

  /**
   * A new GAN with weights drawn from `config.seed`.
   * @throws WasmganError `E_NOT_INITIALIZED` before `init()`, `E_INVALID_ARGUMENT` for a bad config.
   */
  constructor(config: GanConfig = {}, options: ModelOptions = {}) {
    const adopted = (options as { [ADOPT]?: Adopted })[ADOPT]
    if (adopted) {
      this.#rt = adopted.rt
      this.#handle = adopted.handle
      this.config = adopted.config
    } else {
      const resolved = resolveConfig(config)
      const rt = object<ModelOptions>('options', options).runtime ?? runtime()
      this.#rt = rt
      this.#handle = rt.withCopy(encodeConfig(resolved), (ptr, len) =>
        rt.handle(
          rt.call((x) => x.gan_new(ptr, len)),
          'creating the GAN',
        ),
      )
      this.config = resolved
      if (resolved.classNames.length > 0) {
        const h = this.#handle
        rt.withCopy(encodeClassNames(resolved.classNames), (ptr, len) =>
          rt.check(
            rt.call((x) => x.gan_set_class_names(h, ptr, len)),
            'setting the class names',
          ),
        )
      }
    }
    released.register(this, { rt: this.#rt, handle: this.#handle }, this)
  }

  /**
   * A GAN restored from {@link Gan.save} output, ready to sample or to train
   * on exactly as if it had never stopped.
   * @throws WasmganError `E_CORRUPT_CHECKPOINT` or `E_UNSUPPORTED_VERSION` for a bad file.
   */
  static load(bytes: Uint8Array, options: ModelOptions = {}): Gan {
    if (!(bytes instanceof Uint8Array)) invalid('checkpoint', 'a Uint8Array', bytes)
    const rt = options.runtime ?? runtime()
    const handle = rt.withCopy(bytes, (ptr, len) =>
      rt.handle(
        rt.call((x) => x.gan_load(ptr, len)),
        'loading the checkpoint',
      ),
    )
    rt.check(
      rt.call((x) => x.gan_config(handle)),
      'reading the config',
    )
    const config = decodeConfig(rt.resultF64())
    rt.check(
      rt.call((x) => x.gan_class_names(handle)),
      'reading the class names',
    )
    config.classNames = decodeClassNames(rt.resultBytes())
    return new Gan({}, { [ADOPT]: { rt, handle, config } } as ModelOptions)
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.#handle === 0
  }

  #live(): Handle {
    if (this.#handle === 0) throw new WasmganError('E_DISPOSED', 'this GAN was disposed; create or load a new one')
    return this.#handle
  }

  /** Metrics of the last step (zeros before the first). */
  get metrics(): StepMetrics {
    const h = this.#live()
    const m = this.#rt.readF64(
      this.#rt.call((x) => x.gan_metrics_ptr(h)),
      METRICS_LEN,
    )
    return {
      step: m[Metric.step],
      epoch: m[Metric.epoch],
      dLoss: m[Metric.dLoss],
      gLoss: m[Metric.gLoss],
      dReal: m[Metric.dReal],
      dFake: m[Metric.dFake],
    }
  }

  /** Training steps completed. */
  get step(): number {
    return this.metrics.step
  }

  /**
   * Runs `steps` training steps (default 1) in one call into the module and
   * returns the metrics of the last one.
   */
  train(data: TrainingData, steps = 1, options: TrainOptions = {}): StepMetrics {
    const h = this.#live()
    const o = object<TrainOptions>('train options', options)
    knownKeys('train options', o, ['batchSize', 'microBatch'])
    const batch = integer('batchSize', o.batchSize ?? 64, 1, MAX_BATCH)
    const micro = o.microBatch === undefined ? batch : integer('microBatch', o.microBatch, 1, batch)
    if (batch % micro !== 0) invalid('microBatch', `a divisor of batchSize (${batch})`, micro)
    integer('steps', steps, 0, 0xffffffff)
    if (this.config.classes > 0) checkTrainingLabels(data, this.config.classes, 'a conditional GAN')
    const d = uploadData(this.#rt, data)
    if (d.dim !== this.config.dataDim) {
      throw new WasmganError(
        'E_INVALID_ARGUMENT',
        `the data has rows of ${d.dim} values but this GAN expects dataDim = ${this.config.dataDim}`,
      )
    }
    if (batch > d.count) invalid('batchSize', `at most the number of rows (${d.count})`, batch)
    this.#rt.check(
      this.#rt.call((x) =>
        micro === batch ? x.gan_train(h, d.handle, batch, steps) : x.gan_train_micro(h, d.handle, batch, micro, steps),
      ),
      'training',
    )
    return this.metrics
  }

  /** The runtime and module-side handle, for the data-parallel worker (not public API). */
  [INTERNALS](): { rt: Runtime; handle: Handle } {
    return { rt: this.#rt, handle: this.#live() }
  }

  /**
   * Trains for `epochs` passes (or exactly `steps` steps), yielding progress
   * between chunks of steps so the event loop stays responsive. Aborting the
   * signal stops at the next step boundary and ends the iteration normally.
   */
  async *fit(data: TrainingData, options: FitOptions = {}): AsyncGenerator<FitProgress, void, undefined> {
    const o = object<FitOptions>('fit options', options)
    knownKeys('fit options', o, ['epochs', 'steps', 'batchSize', 'microBatch', 'signal', 'reportEvery', 'diagnostics'])
    const batch = integer('batchSize', o.batchSize ?? 64, 1, MAX_BATCH)
    if (o.signal !== undefined && !(typeof o.signal === 'object' && o.signal !== null && 'aborted' in o.signal)) {
      invalid('signal', 'an AbortSignal', o.signal)
    }
    const count = data?.count
    let total: number
    if (o.steps !== undefined) {
      total = integer('steps', o.steps, 0, Number.MAX_SAFE_INTEGER)
    } else {
      const epochs = integer('epochs', o.epochs ?? 1, 0, 1e6)
      const perEpoch = Math.floor(count / (batch * this.config.dSteps))
      if (!(perEpoch >= 1)) {
        invalid('batchSize', `small enough for one step per epoch (batch × dSteps ≤ ${describe(count)} rows)`, batch)
      }
      total = epochs * perEpoch
    }
    const every = o.reportEvery === undefined ? undefined : integer('reportEvery', o.reportEvery, 1, 1e9)
    if (o.diagnostics !== undefined && typeof o.diagnostics !== 'boolean') invalid('diagnostics', 'a boolean', o.diagnostics)
    let monitor: CollapseMonitor | undefined
    const start = performance.now()
    let done = 0
    let chunk = every ?? 1
    while (done < total) {
      if (o.signal?.aborted) return
      const n = Math.min(chunk, total - done)
      const t0 = performance.now()
      const startStep = this.step
      const m = this.train(data, n, { batchSize: batch, microBatch: o.microBatch })
      const dt = performance.now() - t0
      // Created after the first chunk, whose train() call has validated `data`.
      if (o.diagnostics !== false && !monitor) {
        monitor = new CollapseMonitor(data.images, data.count, data.dim, this.config.loss, startStep)
      }
      done += n
      if (every === undefined) {
        // Aim for a report about every 100 ms whatever the model's speed.
        chunk = Math.max(1, Math.min(1000, Math.round((n * 100) / Math.max(dt, 1e-3))))
      }
      const elapsedMs = performance.now() - start
      const warning = monitor?.check(m.step, m.dReal, m.dFake, (k) => this.sample(k, { seed: DIAGNOSTIC_SEED }))
      yield {
        ...m,
        ...(warning ? { warning } : {}),
        stepsDone: done,
        stepsTotal: total,
        elapsedMs,
        imagesPerSecond: (done * batch * this.config.dSteps) / (elapsedMs / 1000),
      }
      await yieldToEventLoop()
    }
  }

  /**
   * Generates `n` rows (`n × dataDim` values in the generator's output range,
   * [-1, 1] for tanh). Without options the latent vectors come from the
   * model's own sampling stream, which training never touches. A conditional
   * GAN generates `labels[i]` for row i (default `i mod classes`).
   * @throws WasmganError `E_INVALID_ARGUMENT` for labels of the wrong count, out of
   *   range or not integers, for labels given to an unconditional GAN, and for
   *   an `into` that is not a Float32Array of `n × dataDim` values.
   */
  sample(n: number, options: SampleOptions = {}): Float32Array {
    const h = this.#live()
    integer('n', n, 1, MAX_SAMPLES)
    const o = object<SampleOptions>('sample options', options)
    knownKeys('sample options', o, ['z', 'seed', 'labels', 'into'])
    const into = o.into === undefined ? undefined : sampleTarget(o.into, n, this.config.dataDim)
    const k = this.config.classes
    let labels: Uint32Array | undefined
    if (k === 0) {
      if (o.labels !== undefined) invalid('labels', 'absent: this GAN is unconditional (classes = 0)', o.labels)
    } else {
      labels = o.labels === undefined ? Uint32Array.from({ length: n }, (_, i) => i % k) : labelIds('labels', o.labels, n, k)
    }
    if (o.z !== undefined && o.seed !== undefined) invalid('sample options', 'either z or seed, not both', o)
    const seed = o.seed === undefined ? 0 : integer('seed', o.seed, 0, Number.MAX_SAFE_INTEGER)
    if (o.z !== undefined) {
      if (!(o.z instanceof Float32Array)) invalid('z', 'a Float32Array', o.z)
      const want = n * this.config.latent
      if (o.z.length !== want) invalid('z', `a Float32Array of n × latent = ${n} × ${this.config.latent} = ${want} values`, o.z)
      for (let i = 0; i < o.z.length; i++) if (!Number.isFinite(o.z[i])) invalid(`z[${i}]`, 'a finite number', o.z[i])
    }
    const rt = this.#rt
    const labelBytes = labels && new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength)
    rt.withCopy(o.z, (zPtr, zLen) =>
      rt.withCopy(labelBytes, (lPtr, lBytes) =>
        rt.check(
          rt.call((x) => x.gan_sample(h, n, zPtr, zLen, lPtr, lBytes / 4, seed, o.seed === undefined ? 0 : 1)),
          'sampling',
        ),
      ),
    )
    return rt.resultF32(into)
  }

  /**
   * A conditional GAN's class grid: `perClass` samples of each class, class
   * by class (row r of a grid with `perClass` columns is class r), with the
   * labels that were asked for. Pass the images to `imageGrid(images,
   * classes × perClass, { columns: perClass })` to draw it.
   */
  sampleClasses(perClass = 10, options: { seed?: number } = {}): { images: Float32Array; labels: Uint32Array } {
    this.#live()
    const { labels, sample } = classGrid(this.config.classes, perClass, options)
    return { images: this.sample(labels.length, sample), labels }
  }

  /**
   * Everything needed to resume: config, weights, optimizer state, step
   * counts, data position and RNG states (format in docs/checkpoint-format.md).
   * `meta` is any JSON-serialisable object stored alongside (dataset name,
   * class names, notes) and returned by {@link meta} after loading.
   */
  save(meta?: Record<string, unknown>): Uint8Array {
    const h = this.#live()
    let metaBytes: Uint8Array | undefined
    if (meta !== undefined) {
      if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) invalid('meta', 'a plain object', meta)
      metaBytes = utf8Encoder.encode(JSON.stringify(meta))
    }
    const rt = this.#rt
    rt.withCopy(metaBytes, (ptr, len) =>
      rt.check(
        rt.call((x) => x.gan_save(h, ptr, len)),
        'saving',
      ),
    )
    return rt.resultBytes()
  }

  /** The metadata stored with the last save or load, or undefined. */
  get meta(): Record<string, unknown> | undefined {
    const h = this.#live()
    this.#rt.check(
      this.#rt.call((x) => x.gan_meta(h)),
      'reading meta',
    )
    const bytes = this.#rt.resultBytes()
    if (bytes.length === 0) return undefined
    try {
      return JSON.parse(utf8Decoder.decode(bytes)) as Record<string, unknown>
    } catch {
      throw new WasmganError('E_CORRUPT_CHECKPOINT', 'the checkpoint metadata is not valid JSON')
    }
  }

  /** Frees the model's memory in the module. Idempotent; later use throws `E_DISPOSED`. */
  dispose(): void {
    if (this.#handle === 0) return
    const h = this.#handle
    this.#handle = 0
    released.unregister(this)
    if (!this.#rt.trapped)
      this.#rt.check(
        this.#rt.call((x) => x.gan_free(h)),
        'disposing',
      )
  }
}

/**
 * What `sampleClasses` samples (Gan's and WorkerGan's): `perClass` labels of
 * each of `classes` classes in class order, and the sample options for them;
 * checked.
 */
export function classGrid(classes: number, perClass: number, options: { seed?: number }): { labels: Uint32Array; sample: SampleOptions } {
  if (classes === 0)
    throw new WasmganError('E_INVALID_ARGUMENT', 'sampleClasses needs a conditional GAN (classes > 0); this one is unconditional')
  integer('perClass', perClass, 1, Math.floor(MAX_SAMPLES / classes))
  const o = object<{ seed?: number }>('options', options)
  knownKeys('options', o, ['seed'])
  const labels = Uint32Array.from({ length: classes * perClass }, (_, i) => Math.floor(i / perClass))
  return { labels, sample: { labels, ...(o.seed === undefined ? {} : { seed: o.seed }) } }
}

/** Checks a sample's `into` option: a Float32Array of exactly `n × dataDim` values. */
export function sampleTarget(into: unknown, n: number, dataDim: number): Float32Array {
  if (!(into instanceof Float32Array)) invalid('into', 'a Float32Array', into)
  const want = n * dataDim
  if (into.length !== want) invalid('into', `a Float32Array of n × dataDim = ${n} × ${dataDim} = ${want} values`, into)
  return into
}
