/**
 * An MLP image classifier trained inside the wasm module with the same
 * kernels as the GANs (softmax cross-entropy, Adam). It scores conditional
 * GANs ({@link conditionalAccuracy}: the fraction of samples classified as
 * the class they were asked for) and exposes its last hidden layer as
 * features for distances between image sets.
 */

import { CLASSIFIER_METRICS_LEN, ClassifierKey, ClassifierMetric, ClassifierOutput, type Handle } from './abi.js'
import { DEFAULT_OPTIMIZER, type OptimizerConfig } from './config.js'
import { WasmganError } from './errors.js'
import { trainingLoop, type LoopOptions, type LoopProgress } from './fit.js'
import type { Gan } from './gan.js'
import { runtime } from './load.js'
import { decodeMeta, encodeMeta, track, untrack } from './model.js'
import type { Runtime } from './runtime.js'
import { checkTrainingLabels, uploadData, type TrainingData } from './upload.js'
import { classNames, decodeClassNames, encodeClassNames, integer, invalid, knownKeys, number, object, oneOf } from './validate.js'

/** Everything that defines a classifier; every field is optional. */
export interface ClassifierConfig {
  /** Values per image (default 784). */
  dataDim?: number
  /** Number of classes, ≥ 2 (default 10). */
  classes?: number
  /** Hidden layer widths (default [256, 128]); the last one is the feature size. */
  hidden?: number[]
  /** LeakyReLU slope of hidden layers, in [0, 1); 0 is ReLU (default 0). */
  leakySlope?: number
  /** Seed of the weights and the data order (default 0). */
  seed?: number
  /** Optimizer (default Adam, lr 1e-3, β = (0.9, 0.999)). */
  optimizer?: OptimizerConfig
  /** A name for each class, stored in checkpoints (default none). */
  classNames?: readonly string[]
}

/** A classifier configuration with every field filled in. */
export type ResolvedClassifierConfig = Required<Omit<ClassifierConfig, 'optimizer' | 'classNames'>> & {
  optimizer: Required<OptimizerConfig>
  /** The class names, or an empty array. */
  classNames: string[]
}

/** The defaults: a 784→256→128→10 ReLU MLP trained with Adam 1e-3. */
export const DEFAULT_CLASSIFIER_CONFIG: Readonly<ResolvedClassifierConfig> = Object.freeze({
  dataDim: 784,
  classes: 10,
  hidden: [256, 128],
  leakySlope: 0,
  seed: 0,
  optimizer: Object.freeze({ ...DEFAULT_OPTIMIZER, lr: 1e-3, beta1: 0.9 }),
  classNames: [],
})

/** Loss and accuracy after a training step. */
export interface ClassifierMetrics {
  /** Steps completed by this model (across saves and loads). */
  step: number
  /** Current pass over the data (0-based). */
  epoch: number
  /** Mean cross-entropy on the last batch. */
  loss: number
  /** Fraction of the last batch classified correctly, before the update. */
  accuracy: number
}

const MAX_WIDTH = 1 << 20

function resolve(config: ClassifierConfig): ResolvedClassifierConfig {
  const c = object<ClassifierConfig>('config', config)
  knownKeys('config', c, ['dataDim', 'classes', 'hidden', 'leakySlope', 'seed', 'optimizer', 'classNames'])
  const d = DEFAULT_CLASSIFIER_CONFIG
  const hidden = c.hidden ?? d.hidden
  if (!Array.isArray(hidden) || hidden.length < 1 || hidden.length > 64) invalid('hidden', 'an array of 1 to 64 layer widths', hidden)
  const o = object<OptimizerConfig>('optimizer', c.optimizer)
  knownKeys('optimizer', o, ['type', 'lr', 'beta1', 'beta2', 'eps'])
  const opt = { ...d.optimizer, ...o }
  const classes = integer('classes', c.classes ?? d.classes, 2, 1 << 16)
  return {
    dataDim: integer('dataDim', c.dataDim ?? d.dataDim, 1, MAX_WIDTH),
    classes,
    hidden: hidden.map((w, i) => integer(`hidden[${i}]`, w, 1, MAX_WIDTH)),
    leakySlope: number('leakySlope', c.leakySlope ?? d.leakySlope, 0, 1, { maxExclusive: true }),
    seed: integer('seed', c.seed ?? d.seed, 0, Number.MAX_SAFE_INTEGER),
    optimizer: {
      type: oneOf('optimizer.type', opt.type, ['adam', 'sgd'] as const),
      lr: number('optimizer.lr', opt.lr, 0, Infinity, { minExclusive: true }),
      beta1: number('optimizer.beta1', opt.beta1, 0, 1, { maxExclusive: true }),
      beta2: number('optimizer.beta2', opt.beta2, 0, 1, { maxExclusive: true }),
      eps: number('optimizer.eps', opt.eps, 0, Infinity, { minExclusive: true }),
    },
    classNames: c.classNames === undefined ? [] : classNames('classNames', c.classNames, classes),
  }
}

function encode(c: ResolvedClassifierConfig): Float64Array {
  const r: number[] = [ClassifierKey.dataDim, c.dataDim]
  for (const w of c.hidden) r.push(ClassifierKey.hidden, w)
  r.push(ClassifierKey.leakySlope, c.leakySlope, ClassifierKey.seed, c.seed, ClassifierKey.classes, c.classes)
  const o = c.optimizer
  const base = ClassifierKey.optimizer
  r.push(base, o.type === 'adam' ? 0 : 1, base + 1, o.lr, base + 2, o.beta1, base + 3, o.beta2, base + 4, o.eps)
  return new Float64Array(r)
}

function decode(record: Float64Array, names: string[]): ResolvedClassifierConfig {
  const f32 = (v: number) => Number(Math.fround(v).toPrecision(7))
  const c = {
    ...DEFAULT_CLASSIFIER_CONFIG,
    hidden: [] as number[],
    optimizer: { ...DEFAULT_CLASSIFIER_CONFIG.optimizer },
    classNames: names,
  }
  for (let i = 0; i + 1 < record.length; i += 2) {
    const [k, v] = [record[i], record[i + 1]]
    const base = ClassifierKey.optimizer
    if (k === ClassifierKey.dataDim) c.dataDim = v
    else if (k === ClassifierKey.hidden) c.hidden.push(v)
    else if (k === ClassifierKey.leakySlope) c.leakySlope = f32(v)
    else if (k === ClassifierKey.seed) c.seed = v
    else if (k === ClassifierKey.classes) c.classes = v
    else if (k === base) c.optimizer.type = v === 0 ? 'adam' : 'sgd'
    else if (k === base + 1) c.optimizer.lr = f32(v)
    else if (k === base + 2) c.optimizer.beta1 = f32(v)
    else if (k === base + 3) c.optimizer.beta2 = f32(v)
    else if (k === base + 4) c.optimizer.eps = f32(v)
    else throw new WasmganError('E_INTERNAL', `the module returned an unknown classifier config key ${k}`)
  }
  return c
}

const ADOPT = Symbol('adopt')

/** An MLP classifier whose weights live in the wasm module. */
export class Classifier {
  /** The configuration, with every default filled in. */
  readonly config: ResolvedClassifierConfig
  #rt: Runtime
  #handle: Handle | 0

  /**
   * A new classifier with weights drawn from `config.seed`.
   * @throws WasmganError `E_NOT_INITIALIZED` before `init()`, `E_INVALID_ARGUMENT` for a bad config.
   */
  constructor(config: ClassifierConfig = {}, options: { runtime?: Runtime } = {}) {
    const adopted = (options as { [ADOPT]?: { rt: Runtime; handle: Handle; config: ResolvedClassifierConfig } })[ADOPT]
    if (adopted) {
      this.#rt = adopted.rt
      this.#handle = adopted.handle
      this.config = adopted.config
    } else {
      const resolved = resolve(config)
      const rt = object<{ runtime?: Runtime }>('options', options).runtime ?? runtime()
      const handle = rt.withCopy(encode(resolved), (ptr, len) =>
        rt.handle(
          rt.call((x) => x.clf_new(ptr, len)),
          'creating the classifier',
        ),
      )
      this.#rt = rt
      this.#handle = handle
      this.config = resolved
      if (resolved.classNames.length > 0) {
        rt.withCopy(encodeClassNames(resolved.classNames), (ptr, len) =>
          rt.check(
            rt.call((x) => x.clf_set_class_names(handle, ptr, len)),
            'setting the class names',
          ),
        )
      }
    }
    track(this, this.#rt, this.#handle, (x, h) => x.clf_free(h))
  }

  /**
   * A classifier restored from {@link Classifier.save} output.
   * @throws WasmganError `E_CORRUPT_CHECKPOINT` / `E_UNSUPPORTED_VERSION` for a bad file,
   *   `E_INVALID_ARGUMENT` for a checkpoint of another kind of model.
   */
  static load(bytes: Uint8Array, options: { runtime?: Runtime } = {}): Classifier {
    if (!(bytes instanceof Uint8Array)) invalid('checkpoint', 'a Uint8Array', bytes)
    const rt = options.runtime ?? runtime()
    const handle = rt.withCopy(bytes, (ptr, len) =>
      rt.handle(
        rt.call((x) => x.clf_load(ptr, len)),
        'loading the checkpoint',
      ),
    )
    rt.check(
      rt.call((x) => x.clf_class_names(handle)),
      'reading the class names',
    )
    const names = decodeClassNames(rt.resultBytes())
    rt.check(
      rt.call((x) => x.clf_config(handle)),
      'reading the config',
    )
    const config = decode(rt.resultF64(), names)
    return new Classifier({}, { [ADOPT]: { rt, handle, config } } as { runtime?: Runtime })
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.#handle === 0
  }

  #live(): Handle {
    if (this.#handle === 0) throw new WasmganError('E_DISPOSED', 'this classifier was disposed; create or load a new one')
    return this.#handle
  }

  /** Width of {@link features} rows: the last hidden layer. */
  get featureSize(): number {
    return this.config.hidden[this.config.hidden.length - 1]
  }

  /** Metrics of the last step (zeros before the first). */
  get metrics(): ClassifierMetrics {
    const h = this.#live()
    const m = this.#rt.readF64(
      this.#rt.call((x) => x.clf_metrics_ptr(h)),
      CLASSIFIER_METRICS_LEN,
    )
    return {
      step: m[ClassifierMetric.step],
      epoch: m[ClassifierMetric.epoch],
      loss: m[ClassifierMetric.loss],
      accuracy: m[ClassifierMetric.accuracy],
    }
  }

  /** Training steps completed. */
  get step(): number {
    return this.metrics.step
  }

  /** Runs `steps` steps (default 1) on labelled `data` in one call into the module. */
  train(data: TrainingData, steps = 1, options: { batchSize?: number } = {}): ClassifierMetrics {
    const h = this.#live()
    const batch = integer('batchSize', options.batchSize ?? 64, 1, 1 << 16)
    integer('steps', steps, 0, 0xffffffff)
    checkTrainingLabels(data, this.config.classes, 'the classifier')
    const d = uploadData(this.#rt, data)
    if (d.dim !== this.config.dataDim) {
      throw new WasmganError(
        'E_INVALID_ARGUMENT',
        `the data has rows of ${d.dim} values but this classifier expects dataDim = ${this.config.dataDim}`,
      )
    }
    if (batch > d.count) invalid('batchSize', `at most the number of rows (${d.count})`, batch)
    this.#rt.check(
      this.#rt.call((x) => x.clf_train(h, d.handle, batch, steps)),
      'training the classifier',
    )
    return this.metrics
  }

  /** Trains for `epochs` passes, `steps` steps or `seconds` seconds, yielding progress between chunks. */
  fit(data: TrainingData, options: LoopOptions = {}): AsyncGenerator<ClassifierMetrics & LoopProgress, void, undefined> {
    this.#live()
    return trainingLoop(data?.count, options, (n, batch) => this.train(data, n, { batchSize: batch }))
  }

  #infer(what: number, images: Float32Array, width: number): Uint8Array {
    const h = this.#live()
    if (!(images instanceof Float32Array)) invalid('images', 'a Float32Array', images)
    const dim = this.config.dataDim
    if (images.length === 0 || images.length % dim !== 0) {
      invalid('images', `a Float32Array of n × dataDim (${dim}) values with n ≥ 1`, images)
    }
    const n = images.length / dim
    const rt = this.#rt
    rt.withCopy(images, (ptr, len) =>
      rt.check(
        rt.call((x) => x.clf_infer(h, what, n, ptr, len)),
        'classifying',
      ),
    )
    const bytes = rt.resultBytes()
    if (bytes.length !== n * width * 4) throw new WasmganError('E_INTERNAL', 'the module returned a result of the wrong size')
    return bytes
  }

  /** The most likely class of each image (`images`: n × dataDim values in [-1, 1]). */
  predict(images: Float32Array): Uint32Array {
    const b = this.#infer(ClassifierOutput.labels, images, 1)
    return new Uint32Array(b.buffer, b.byteOffset, b.length / 4)
  }

  /** Softmax probabilities, `n × classes`. */
  probabilities(images: Float32Array): Float32Array {
    const b = this.#infer(ClassifierOutput.probabilities, images, this.config.classes)
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4)
  }

  /** The last hidden layer's activations, `n × featureSize`: a feature space for comparing image sets. */
  features(images: Float32Array): Float32Array {
    const b = this.#infer(ClassifierOutput.features, images, this.featureSize)
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4)
  }

  /** Fraction of `data`'s images whose predicted class equals its label. */
  accuracy(data: TrainingData): number {
    checkTrainingLabels(data, this.config.classes, 'the classifier')
    const predicted = this.predict(data.images)
    let correct = 0
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === data.labels![i]) correct++
    return correct / predicted.length
  }

  /** Everything needed to resume (format in docs/checkpoint-format.md); `meta` is stored as JSON. */
  save(meta?: Record<string, unknown>): Uint8Array {
    const h = this.#live()
    const rt = this.#rt
    rt.withCopy(encodeMeta(meta), (ptr, len) =>
      rt.check(
        rt.call((x) => x.clf_save(h, ptr, len)),
        'saving',
      ),
    )
    return rt.resultBytes()
  }

  /** The metadata stored with the last save or load, or undefined. */
  get meta(): Record<string, unknown> | undefined {
    const h = this.#live()
    this.#rt.check(
      this.#rt.call((x) => x.clf_meta(h)),
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
        this.#rt.call((x) => x.clf_free(h)),
        'disposing',
      )
  }
}

/** What {@link conditionalAccuracy} measures. */
export interface ConditionalAccuracy {
  /** Fraction of all samples classified as the class they were generated for. */
  accuracy: number
  /** The same fraction per requested class. */
  perClass: number[]
  /** Samples generated. */
  samples: number
}

/**
 * Scores a conditional GAN with a classifier: generates `samples` images in
 * equal shares of every class (default 1000) and returns the fraction that
 * the classifier assigns to the requested class, overall and per class.
 */
export function conditionalAccuracy(
  gan: Gan,
  classifier: Classifier,
  options: { samples?: number; seed?: number } = {},
): ConditionalAccuracy {
  const o = object<{ samples?: number; seed?: number }>('options', options)
  knownKeys('options', o, ['samples', 'seed'])
  const k = gan.config.classes
  if (k === 0) throw new WasmganError('E_INVALID_ARGUMENT', 'conditionalAccuracy needs a conditional GAN (classes > 0)')
  if (classifier.config.classes !== k) {
    throw new WasmganError('E_INVALID_ARGUMENT', `the classifier has ${classifier.config.classes} classes but the GAN has ${k}`)
  }
  if (classifier.config.dataDim !== gan.config.dataDim) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `the classifier reads ${classifier.config.dataDim} values per image but the GAN makes ${gan.config.dataDim}`,
    )
  }
  const n = integer('samples', o.samples ?? 1000, 1, 1 << 20)
  const labels = Uint32Array.from({ length: n }, (_, i) => i % k)
  const images = gan.sample(n, { labels, seed: o.seed ?? 0 })
  const predicted = classifier.predict(images)
  const hits = new Array<number>(k).fill(0)
  const asked = new Array<number>(k).fill(0)
  for (let i = 0; i < n; i++) {
    asked[labels[i]]++
    if (predicted[i] === labels[i]) hits[labels[i]]++
  }
  return {
    accuracy: hits.reduce((a, b) => a + b, 0) / n,
    perClass: hits.map((h, y) => (asked[y] ? h / asked[y] : NaN)),
    samples: n,
  }
}
