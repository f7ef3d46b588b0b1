/**
 * Image-to-image translation, pix2pix-style: a generator maps a source image
 * (and optional noise) to a target image, a discriminator judges (source,
 * image) pairs, and the generator's loss is adversarial + λ·L1. Everything
 * trains inside the wasm module; this class holds a handle and hands out
 * copies, like {@link Gan}.
 */

import { TRANSLATOR_METRICS_LEN, TaskId, TranslatorKey, TranslatorMetric, type Handle } from './abi.js'
import { DEFAULT_OPTIMIZER, type OptimizerConfig } from './config.js'
import { WasmganError, describe } from './errors.js'
import { trainingLoop, type LoopOptions, type LoopProgress } from './fit.js'
import { runtime } from './load.js'
import { decodeMeta, encodeMeta, track, untrack } from './model.js'
import { taskSources, translationScore, type PairData, type TaskOptions, type TranslationScore, type TranslationTask } from './pairs.js'
import type { Runtime } from './runtime.js'
import { uploadData, type TrainingData } from './upload.js'
import { integer, invalid, knownKeys, number, object, oneOf } from './validate.js'

/** Everything that defines a translator; every field is optional. */
export interface TranslatorConfig {
  /** Where training pairs come from (default 'edges'); see {@link TranslationTask}. */
  task?: TranslationTask
  /** Image width and height in pixels (default 28 × 28). */
  width?: number
  height?: number
  /** Side of the inpainting square in pixels (default 14). */
  mask?: number
  /** Normal noise values appended to the generator's input (default 0: a deterministic mapping). */
  noise?: number
  /** Generator hidden widths (default [512, 512]). */
  generator?: number[]
  /** Discriminator hidden widths (default [256, 256]); it reads [source, image]. */
  discriminator?: number[]
  /** LeakyReLU slope of hidden layers, in [0, 1) (default 0.2). */
  leakySlope?: number
  /** λ, the weight of the L1 term (default 100, as in pix2pix). */
  l1Weight?: number
  /**
   * Predict a correction to the source rather than the image: the output is
   * tanh(r + atanh(clamp(source, ±0.99))), so unchanged pixels need not pass
   * through the hidden layers (the MLP's stand-in for pix2pix's U-Net skip
   * connections). Default: true for 'inpaint' and 'upscale', whose sources
   * are close to their targets; false for 'edges' (where it learned slower)
   * and 'pairs'.
   */
  residual?: boolean
  /** Weight of the adversarial term (default 1); 0 trains the generator with L1 alone and never runs D. */
  adversarialWeight?: number
  /** Seed of every random stream (default 0). */
  seed?: number
  /** Optimizers (default Adam, lr 2e-4, β = (0.5, 0.999), as pix2pix). */
  generatorOptimizer?: OptimizerConfig
  discriminatorOptimizer?: OptimizerConfig
}

/** A translator configuration with every field filled in. */
export type ResolvedTranslatorConfig = Required<Omit<TranslatorConfig, 'generatorOptimizer' | 'discriminatorOptimizer'>> & {
  generatorOptimizer: Required<OptimizerConfig>
  discriminatorOptimizer: Required<OptimizerConfig>
}

/** The defaults: edges → image on 28 × 28, G 784→512→512→784, D 1568→256→256→1, λ = 100 (`residual` depends on the task). */
export const DEFAULT_TRANSLATOR_CONFIG: Readonly<ResolvedTranslatorConfig> = Object.freeze({
  task: 'edges',
  width: 28,
  height: 28,
  mask: 14,
  noise: 0,
  generator: [512, 512],
  discriminator: [256, 256],
  leakySlope: 0.2,
  l1Weight: 100,
  residual: false,
  adversarialWeight: 1,
  seed: 0,
  generatorOptimizer: DEFAULT_OPTIMIZER,
  discriminatorOptimizer: DEFAULT_OPTIMIZER,
})

/** Losses after a training step. */
export interface TranslatorMetrics {
  /** Steps completed by this model (across saves and loads). */
  step: number
  /** Current pass over the data (0-based). */
  epoch: number
  /** Discriminator loss (0 when training with L1 alone). */
  dLoss: number
  /** The generator's adversarial loss, mean −log D(s, G(s)), before weighting (0 with L1 alone). */
  gAdversarial: number
  /** Mean |G(s) − t| on the last batch, on the [-1, 1] scale, before weighting. */
  l1: number
  /** Mean D(s, t) and D(s, G(s)) on the last batch. */
  dReal: number
  dFake: number
}

/** Held-out scores of a translator next to the copy-the-input baseline on the same pairs. */
export interface TranslatorEvaluation extends TranslationScore {
  /** The same scores for outputs that are the sources themselves. */
  copy: TranslationScore
  /** Pairs scored. */
  count: number
}

const MAX_WIDTH = 1 << 20
const OPT_KEYS = ['type', 'lr', 'beta1', 'beta2', 'eps'] as const
const CONFIG_KEYS = [
  'task',
  'width',
  'height',
  'mask',
  'noise',
  'generator',
  'discriminator',
  'leakySlope',
  'l1Weight',
  'residual',
  'adversarialWeight',
  'seed',
  'generatorOptimizer',
  'discriminatorOptimizer',
] as const

function widths(name: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length > 64) invalid(name, 'an array of at most 64 layer widths', value)
  return value.map((w, i) => integer(`${name}[${i}]`, w, 1, MAX_WIDTH))
}

function optimizer(name: string, value: unknown): Required<OptimizerConfig> {
  const o = object<OptimizerConfig>(name, value)
  knownKeys(name, o, OPT_KEYS)
  const m = { ...DEFAULT_OPTIMIZER, ...o }
  return {
    type: oneOf(`${name}.type`, m.type, ['adam', 'sgd'] as const),
    lr: number(`${name}.lr`, m.lr, 0, Infinity, { minExclusive: true }),
    beta1: number(`${name}.beta1`, m.beta1, 0, 1, { maxExclusive: true }),
    beta2: number(`${name}.beta2`, m.beta2, 0, 1, { maxExclusive: true }),
    eps: number(`${name}.eps`, m.eps, 0, Infinity, { minExclusive: true }),
  }
}

/** Fills defaults and validates every field; throws `E_INVALID_ARGUMENT` naming the first bad one. */
export function resolveTranslatorConfig(config: TranslatorConfig = {}): ResolvedTranslatorConfig {
  const c = object<TranslatorConfig>('config', config)
  knownKeys('config', c, CONFIG_KEYS)
  const d = DEFAULT_TRANSLATOR_CONFIG
  const width = integer('width', c.width ?? d.width, 1, 1 << 15)
  const height = integer('height', c.height ?? d.height, 1, 1 << 15)
  if (width * height > MAX_WIDTH / 2) invalid('width × height', `at most ${MAX_WIDTH / 2} pixels`, width * height)
  const task = oneOf('task', c.task ?? d.task, Object.keys(TaskId) as TranslationTask[])
  const r: ResolvedTranslatorConfig = {
    task,
    width,
    height,
    mask: integer('mask', c.mask ?? Math.min(d.mask, width, height), 1, Math.min(width, height)),
    noise: integer('noise', c.noise ?? d.noise, 0, MAX_WIDTH / 2),
    generator: widths('generator', c.generator ?? d.generator),
    discriminator: widths('discriminator', c.discriminator ?? d.discriminator),
    leakySlope: number('leakySlope', c.leakySlope ?? d.leakySlope, 0, 1, { maxExclusive: true }),
    l1Weight: number('l1Weight', c.l1Weight ?? d.l1Weight, 0, Infinity),
    residual:
      c.residual === undefined
        ? task === 'inpaint' || task === 'upscale'
        : typeof c.residual === 'boolean'
          ? c.residual
          : invalid('residual', 'true or false', c.residual),
    adversarialWeight: number('adversarialWeight', c.adversarialWeight ?? d.adversarialWeight, 0, Infinity),
    seed: integer('seed', c.seed ?? d.seed, 0, Number.MAX_SAFE_INTEGER),
    generatorOptimizer: optimizer('generatorOptimizer', c.generatorOptimizer),
    discriminatorOptimizer: optimizer('discriminatorOptimizer', c.discriminatorOptimizer),
  }
  if (r.l1Weight === 0 && r.adversarialWeight === 0) invalid('l1Weight and adversarialWeight', 'not both 0 (nothing would be trained)', 0)
  return r
}

function encode(c: ResolvedTranslatorConfig): Float64Array {
  const r: number[] = []
  const put = (k: number, v: number) => r.push(k, v)
  put(TranslatorKey.width, c.width)
  put(TranslatorKey.height, c.height)
  for (const w of c.generator) put(TranslatorKey.gHidden, w)
  for (const w of c.discriminator) put(TranslatorKey.dHidden, w)
  put(TranslatorKey.leakySlope, c.leakySlope)
  put(TranslatorKey.task, TaskId[c.task])
  put(TranslatorKey.noise, c.noise)
  put(TranslatorKey.l1Weight, c.l1Weight)
  put(TranslatorKey.seed, c.seed)
  for (const [base, o] of [
    [TranslatorKey.gOptimizer, c.generatorOptimizer],
    [TranslatorKey.dOptimizer, c.discriminatorOptimizer],
  ] as const) {
    put(base, o.type === 'adam' ? 0 : 1)
    put(base + 1, o.lr)
    put(base + 2, o.beta1)
    put(base + 3, o.beta2)
    put(base + 4, o.eps)
  }
  put(TranslatorKey.advWeight, c.adversarialWeight)
  put(TranslatorKey.mask, c.mask)
  put(TranslatorKey.residual, c.residual ? 1 : 0)
  return new Float64Array(r)
}

function decode(record: Float64Array): ResolvedTranslatorConfig {
  const f32 = (v: number) => Number(Math.fround(v).toPrecision(7))
  const c = {
    ...DEFAULT_TRANSLATOR_CONFIG,
    generator: [] as number[],
    discriminator: [] as number[],
    generatorOptimizer: { ...DEFAULT_OPTIMIZER },
    discriminatorOptimizer: { ...DEFAULT_OPTIMIZER },
  } as ResolvedTranslatorConfig
  const tasks = Object.keys(TaskId) as TranslationTask[]
  for (let i = 0; i + 1 < record.length; i += 2) {
    const [k, v] = [record[i], record[i + 1]]
    if (k >= TranslatorKey.gOptimizer && k < TranslatorKey.dOptimizer + 5) {
      const o = k < TranslatorKey.dOptimizer ? c.generatorOptimizer : c.discriminatorOptimizer
      const field = (k - TranslatorKey.gOptimizer) % 5
      if (field === 0) o.type = v === 0 ? 'adam' : 'sgd'
      else if (field === 1) o.lr = f32(v)
      else if (field === 2) o.beta1 = f32(v)
      else if (field === 3) o.beta2 = f32(v)
      else o.eps = f32(v)
      continue
    }
    switch (k) {
      case TranslatorKey.width:
        c.width = v
        break
      case TranslatorKey.height:
        c.height = v
        break
      case TranslatorKey.gHidden:
        c.generator.push(v)
        break
      case TranslatorKey.dHidden:
        c.discriminator.push(v)
        break
      case TranslatorKey.leakySlope:
        c.leakySlope = f32(v)
        break
      case TranslatorKey.task:
        c.task = tasks.find((t) => TaskId[t] === v) ?? 'pairs'
        break
      case TranslatorKey.noise:
        c.noise = v
        break
      case TranslatorKey.l1Weight:
        c.l1Weight = f32(v)
        break
      case TranslatorKey.seed:
        c.seed = v
        break
      case TranslatorKey.advWeight:
        c.adversarialWeight = f32(v)
        break
      case TranslatorKey.mask:
        c.mask = v
        break
      case TranslatorKey.residual:
        c.residual = v === 1
        break
      default:
        throw new WasmganError('E_INTERNAL', `the module returned an unknown translator config key ${k}`)
    }
  }
  return c
}

/** `[source, target]` rows for training on user pairs, made once per PairData. */
const pairRows = new WeakMap<PairData, Float32Array>()

function rowsOf(p: PairData): Float32Array {
  let rows = pairRows.get(p)
  if (!rows) {
    rows = new Float32Array(p.count * 2 * p.dim)
    for (let i = 0; i < p.count; i++) {
      rows.set(p.sources.subarray(i * p.dim, (i + 1) * p.dim), i * 2 * p.dim)
      rows.set(p.targets.subarray(i * p.dim, (i + 1) * p.dim), i * 2 * p.dim + p.dim)
    }
    pairRows.set(p, rows)
  }
  return rows
}

function isPairData(d: unknown): d is PairData {
  return typeof d === 'object' && d !== null && 'sources' in d && 'targets' in d
}

const ADOPT = Symbol('adopt')

/** A pix2pix-style translator whose weights live in the wasm module. */
export class Translator {
  /** The configuration, with every default filled in. */
  readonly config: ResolvedTranslatorConfig
  #rt: Runtime
  #handle: Handle | 0

  /**
   * A new translator with weights drawn from `config.seed`.
   * @throws WasmganError `E_NOT_INITIALIZED` before `init()`, `E_INVALID_ARGUMENT` for a bad config.
   */
  constructor(config: TranslatorConfig = {}, options: { runtime?: Runtime } = {}) {
    const adopted = (options as { [ADOPT]?: { rt: Runtime; handle: Handle; config: ResolvedTranslatorConfig } })[ADOPT]
    if (adopted) {
      this.#rt = adopted.rt
      this.#handle = adopted.handle
      this.config = adopted.config
    } else {
      const resolved = resolveTranslatorConfig(config)
      const rt = object<{ runtime?: Runtime }>('options', options).runtime ?? runtime()
      this.#rt = rt
      this.#handle = rt.withCopy(encode(resolved), (ptr, len) =>
        rt.handle(
          rt.call((x) => x.tr_new(ptr, len)),
          'creating the translator',
        ),
      )
      this.config = resolved
    }
    track(this, this.#rt, this.#handle, (x, h) => x.tr_free(h))
  }

  /**
   * A translator restored from {@link Translator.save} output, ready to
   * translate or to train on exactly as if it had never stopped.
   * @throws WasmganError `E_CORRUPT_CHECKPOINT` / `E_UNSUPPORTED_VERSION` for a bad file,
   *   `E_INVALID_ARGUMENT` for a checkpoint of another kind of model.
   */
  static load(bytes: Uint8Array, options: { runtime?: Runtime } = {}): Translator {
    if (!(bytes instanceof Uint8Array)) invalid('checkpoint', 'a Uint8Array', bytes)
    const rt = options.runtime ?? runtime()
    const handle = rt.withCopy(bytes, (ptr, len) =>
      rt.handle(
        rt.call((x) => x.tr_load(ptr, len)),
        'loading the checkpoint',
      ),
    )
    rt.check(
      rt.call((x) => x.tr_config(handle)),
      'reading the config',
    )
    return new Translator({}, { [ADOPT]: { rt, handle, config: decode(rt.resultF64()) } } as { runtime?: Runtime })
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.#handle === 0
  }

  #live(): Handle {
    if (this.#handle === 0) throw new WasmganError('E_DISPOSED', 'this translator was disposed; create or load a new one')
    return this.#handle
  }

  /** Values per image. */
  get dim(): number {
    return this.config.width * this.config.height
  }

  /** Metrics of the last step (zeros before the first). */
  get metrics(): TranslatorMetrics {
    const h = this.#live()
    const m = this.#rt.readF64(
      this.#rt.call((x) => x.tr_metrics_ptr(h)),
      TRANSLATOR_METRICS_LEN,
    )
    return {
      step: m[TranslatorMetric.step],
      epoch: m[TranslatorMetric.epoch],
      dLoss: m[TranslatorMetric.dLoss],
      gAdversarial: m[TranslatorMetric.gAdversarial],
      l1: m[TranslatorMetric.l1],
      dReal: m[TranslatorMetric.dReal],
      dFake: m[TranslatorMetric.dFake],
    }
  }

  /** Training steps completed. */
  get step(): number {
    return this.metrics.step
  }

  /** Checks `data` against the task and returns what to upload. */
  #rows(data: TrainingData | PairData): TrainingData {
    const c = this.config
    if (c.task === 'pairs') {
      if (!isPairData(data)) invalid('data', "PairData ({ sources, targets, ... } from makePairs or loadPairs) for task 'pairs'", data)
      if (data.width !== c.width || data.height !== c.height) {
        throw new WasmganError(
          'E_INVALID_ARGUMENT',
          `the pairs' images are ${data.height} × ${data.width} but this translator's are ${c.height} × ${c.width}`,
        )
      }
      if (data.sources.length !== data.count * data.dim || data.targets.length !== data.count * data.dim) {
        throw new WasmganError(
          'E_INVALID_ARGUMENT',
          `sources and targets must each hold count × dim = ${data.count} × ${data.dim} values, got ${data.sources.length} and ${data.targets.length}`,
        )
      }
      return { images: rowsOf(data), count: data.count, dim: 2 * data.dim }
    }
    if (isPairData(data)) {
      invalid('data', `images (an ImageDataset or { images, count, dim }) for task '${c.task}', which makes its own sources`, data)
    }
    if (data?.dim !== this.dim) {
      throw new WasmganError(
        'E_INVALID_ARGUMENT',
        `the data has images of ${describe(data?.dim)} values but this translator's are ${c.height} × ${c.width} = ${this.dim}`,
      )
    }
    return data
  }

  /**
   * Runs `steps` training steps (default 1) in one call into the module and
   * returns the metrics of the last one. `data` is images for a built-in task
   * (sources are derived afresh for every batch) or {@link PairData} for
   * `task: 'pairs'`.
   */
  train(data: TrainingData | PairData, steps = 1, options: { batchSize?: number } = {}): TranslatorMetrics {
    const h = this.#live()
    const batch = integer('batchSize', options.batchSize ?? 64, 1, 1 << 16)
    integer('steps', steps, 0, 0xffffffff)
    const rows = this.#rows(data)
    const d = uploadData(this.#rt, rows)
    if (batch > d.count) invalid('batchSize', `at most the number of rows (${d.count})`, batch)
    this.#rt.check(
      this.#rt.call((x) => x.tr_train(h, d.handle, batch, steps)),
      'training the translator',
    )
    return this.metrics
  }

  /** Trains for `epochs` passes, `steps` steps or `seconds` seconds, yielding progress between chunks. */
  fit(data: TrainingData | PairData, options: LoopOptions = {}): AsyncGenerator<TranslatorMetrics & LoopProgress, void, undefined> {
    this.#live()
    return trainingLoop(data?.count, options, (n, batch) => this.train(data, n, { batchSize: batch }))
  }

  /**
   * Translates source images (`n × width × height` values in [-1, 1]) into
   * outputs of the same size. With noise inputs (`config.noise > 0`) the noise
   * comes from `seed` when given, else from the model's sampling stream.
   */
  translate(sources: Float32Array, options: { seed?: number } = {}): Float32Array {
    const h = this.#live()
    if (!(sources instanceof Float32Array)) invalid('sources', 'a Float32Array', sources)
    if (sources.length === 0 || sources.length % this.dim !== 0) {
      invalid('sources', `a Float32Array of n × ${this.config.height} × ${this.config.width} values with n ≥ 1`, sources)
    }
    const o = object<{ seed?: number }>('translate options', options)
    knownKeys('translate options', o, ['seed'])
    const seed = o.seed === undefined ? 0 : integer('seed', o.seed, 0, Number.MAX_SAFE_INTEGER)
    for (let i = 0; i < sources.length; i++) {
      const v = sources[i]
      if (!(v >= -1 && v <= 1)) invalid(`sources[${i}]`, 'in [-1, 1]', v)
    }
    const n = sources.length / this.dim
    const rt = this.#rt
    rt.withCopy(sources, (ptr, len) =>
      rt.check(
        rt.call((x) => x.tr_translate(h, n, ptr, len, seed, o.seed === undefined ? 0 : 1)),
        'translating',
      ),
    )
    return rt.resultF32()
  }

  /**
   * The sources this translator's built-in task derives from `images`
   * (with the model's mask size), e.g. to translate held-out images.
   */
  sourcesFor(images: Float32Array, options: Pick<TaskOptions, 'seed'> = {}): Float32Array {
    this.#live()
    const c = this.config
    if (c.task === 'pairs')
      throw new WasmganError('E_INVALID_ARGUMENT', 'a translator trained on user pairs has no built-in task to derive sources')
    return taskSources(c.task, images, c.width, c.height, {
      ...object<{ seed?: number }>('options', options),
      mask: c.mask,
      runtime: this.#rt,
    })
  }

  /**
   * Held-out L1 and PSNR ([0, 1] pixel scale) of this translator on `pairs`,
   * next to the copy-the-input baseline on the same pairs.
   */
  evaluate(pairs: PairData, options: { seed?: number } = {}): TranslatorEvaluation {
    if (!isPairData(pairs)) invalid('pairs', 'PairData (from makePairs, loadPairs or taskPairs)', pairs)
    const outputs = this.translate(pairs.sources, options)
    return { ...translationScore(outputs, pairs.targets), copy: translationScore(pairs.sources, pairs.targets), count: pairs.count }
  }

  /** Everything needed to resume (format in docs/checkpoint-format.md); `meta` is stored as JSON. */
  save(meta?: Record<string, unknown>): Uint8Array {
    const h = this.#live()
    const rt = this.#rt
    rt.withCopy(encodeMeta(meta), (ptr, len) =>
      rt.check(
        rt.call((x) => x.tr_save(h, ptr, len)),
        'saving',
      ),
    )
    return rt.resultBytes()
  }

  /** The metadata stored with the last save or load, or undefined. */
  get meta(): Record<string, unknown> | undefined {
    const h = this.#live()
    this.#rt.check(
      this.#rt.call((x) => x.tr_meta(h)),
      'reading meta',
    )
    return decodeMeta(this.#rt.resultBytes())
  }

  /** Frees the model's memory in the module. Idempotent; later use throws `E_DISPOSED`. */
  dispose(): void {
    if (this.#handle === 0) return
    const h = this.#handle
    this.#handle = 0
    untrack(this)
    if (!this.#rt.trapped)
      this.#rt.check(
        this.#rt.call((x) => x.tr_free(h)),
        'disposing',
      )
  }
}
