/**
 * The GAN configuration users write, its defaults, its validation, and its
 * encoding as the config record (`ConfigKey` pairs) that crosses into wasm
 * and is stored in checkpoints.
 */

import { ActivationId, ConditioningId, ConfigKey } from './abi.js'
import { WasmganError } from './errors.js'
import { classNames, integer, invalid, knownKeys, number, object, oneOf } from './validate.js'

/**
 * How a conditional GAN's discriminator uses the label (the generator always
 * reads it as a one-hot vector after z):
 * - `'acgan'` (default): D has an auxiliary head that classifies images, and
 *   G is trained to make images D classifies as the requested class
 *   (Odena et al. 2017);
 * - `'projection'`: D's logit is ψ(φ(x)) + ⟨e_y, φ(x)⟩, a class embedding
 *   projected on D's features (Miyato & Koyama 2018);
 * - `'concat'`: the classic cGAN, D reads [x, onehot(y)] (Mirza & Osindero 2014).
 */
export type Conditioning = keyof typeof ConditioningId

/** An optimizer and its hyper-parameters. */
export interface OptimizerConfig {
  /** `'adam'` (default) or `'sgd'`. */
  type?: 'adam' | 'sgd'
  /** Learning rate, > 0 (default 2e-4). */
  lr?: number
  /** Adam β1 in [0, 1) (default 0.5, the usual GAN choice). */
  beta1?: number
  /** Adam β2 in [0, 1) (default 0.999). */
  beta2?: number
  /** Adam ε > 0 (default 1e-8). */
  eps?: number
}

/** Everything that defines a GAN; every field is optional. */
export interface GanConfig {
  /** Size of the latent vector z (default 100). */
  latent?: number
  /** Values per data row: 784 for 28×28 images (default 784). */
  dataDim?: number
  /** Hidden layer widths of the generator (default [128, 128]). */
  generator?: number[]
  /** Hidden layer widths of the discriminator (default [128, 128]). */
  discriminator?: number[]
  /** LeakyReLU slope of hidden layers, in [0, 1); 0 means ReLU (default 0.2). */
  leakySlope?: number
  /** Distribution of z, stored with the model so sampling matches training (default 'normal'). */
  latentDistribution?: 'normal' | 'uniform'
  /** Discriminator updates per generator update (default 1). */
  dSteps?: number
  /** One-sided label smoothing: real targets become 1 − s, s in [0, 0.5) (default 0). */
  labelSmoothing?: number
  /** Seed of every random stream: weights, noise, shuffling (default 0). */
  seed?: number
  /** Generator optimizer (default Adam, lr 2e-4, β = (0.5, 0.999)). */
  generatorOptimizer?: OptimizerConfig
  /** Discriminator optimizer (default Adam, lr 2e-4, β = (0.5, 0.999)). */
  discriminatorOptimizer?: OptimizerConfig
  /** Activation of the generator's output (default 'tanh', matching data in [-1, 1]). */
  generatorOutput?: 'tanh' | 'sigmoid' | 'linear'
  /**
   * The adversarial loss (default 'hinge': D: relu(1 − D(x)) + relu(1 + D(G(z))), G: −D(G(z))),
   * 'bce' (with the non-saturating generator loss) or 'least-squares' (LSGAN). Label smoothing
   * applies to 'bce' and 'least-squares' only (hinge has no targets).
   */
  loss?: 'bce' | 'hinge' | 'least-squares'
  /**
   * Decay of an exponential moving average of the generator's weights, in [0, 1); 0 turns it
   * off (default 0.99). When on, `sample` uses the averaged weights. The average warms up:
   * at step t it decays by min(emaDecay, (1 + t)/(10 + t)).
   */
  emaDecay?: number
  /** Number of classes of a conditional GAN; 0 (default) is unconditional. Training then needs labelled data. */
  classes?: number
  /** How a conditional GAN's discriminator uses labels (default 'acgan'; see {@link Conditioning}). */
  conditioning?: Conditioning
  /** Weight of the AC-GAN classification loss, ≥ 0 (default 1; used by 'acgan' only). */
  auxWeight?: number
  /** A name for each class (stored in checkpoints), e.g. `FASHION_MNIST_CLASSES`; default none (as is an empty list). */
  classNames?: readonly string[]
}

/** A configuration with every field filled in. */
export type ResolvedGanConfig = Required<Omit<GanConfig, 'generatorOptimizer' | 'discriminatorOptimizer' | 'classNames'>> & {
  generatorOptimizer: Required<OptimizerConfig>
  discriminatorOptimizer: Required<OptimizerConfig>
  /** The class names, or an empty array when the model has none. */
  classNames: string[]
}

const MAX_WIDTH = 1 << 20
const OPTIMIZER_KEYS = ['type', 'lr', 'beta1', 'beta2', 'eps'] as const
const CONFIG_KEYS = [
  'latent',
  'dataDim',
  'generator',
  'discriminator',
  'leakySlope',
  'latentDistribution',
  'dSteps',
  'labelSmoothing',
  'seed',
  'generatorOptimizer',
  'discriminatorOptimizer',
  'generatorOutput',
  'loss',
  'emaDecay',
  'classes',
  'conditioning',
  'auxWeight',
  'classNames',
] as const

/** The default optimizer: Adam with the DCGAN settings. */
export const DEFAULT_OPTIMIZER: Readonly<Required<OptimizerConfig>> = Object.freeze({
  type: 'adam',
  lr: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  eps: 1e-8,
})

/**
 * What the config record means where `loss` or `emaDecay` is absent, and what
 * a run config stored before those fields existed trained with: BCE, no
 * weight average (the defaults before the measured ones below). The record
 * writes these two keys only when they differ from this, so checkpoints of
 * BCE models without EMA are byte for byte what they were before the options
 * existed, and an old checkpoint loads and resumes with the options it was
 * trained with whatever today's defaults are.
 */
export const RECORD_ABSENT: Readonly<Pick<ResolvedGanConfig, 'loss' | 'emaDecay'>> = Object.freeze({ loss: 'bce', emaDecay: 0 })

/**
 * The classic MLP GAN on 28×28 images. Loss and weight average are the best
 * configuration of `scripts/compare-quality.ts` (hinge loss, EMA 0.99: mean FD
 * 64.2 over seeds 1–3 at 3000 steps, against 86.5 for BCE without EMA; the
 * README has the table).
 */
export const DEFAULT_CONFIG: Readonly<ResolvedGanConfig> = Object.freeze({
  latent: 100,
  dataDim: 784,
  generator: [128, 128],
  discriminator: [128, 128],
  leakySlope: 0.2,
  latentDistribution: 'normal',
  dSteps: 1,
  labelSmoothing: 0,
  seed: 0,
  generatorOptimizer: DEFAULT_OPTIMIZER,
  discriminatorOptimizer: DEFAULT_OPTIMIZER,
  generatorOutput: 'tanh',
  loss: 'hinge',
  emaDecay: 0.99,
  classes: 0,
  conditioning: 'acgan',
  auxWeight: 1,
  classNames: [],
})

function widths(name: string, value: unknown): number[] {
  if (!Array.isArray(value)) invalid(name, 'an array of layer widths', value)
  if (value.length > 64) invalid(name, 'at most 64 hidden layers', value)
  return value.map((w, i) => integer(`${name}[${i}]`, w, 1, MAX_WIDTH))
}

function optimizer(name: string, value: unknown): Required<OptimizerConfig> {
  const o = object<OptimizerConfig>(name, value)
  knownKeys(name, o, OPTIMIZER_KEYS)
  const merged = { ...DEFAULT_OPTIMIZER, ...o }
  return {
    type: oneOf(`${name}.type`, merged.type, ['adam', 'sgd'] as const),
    lr: number(`${name}.lr`, merged.lr, 0, Infinity, { minExclusive: true }),
    beta1: number(`${name}.beta1`, merged.beta1, 0, 1, { maxExclusive: true }),
    beta2: number(`${name}.beta2`, merged.beta2, 0, 1, { maxExclusive: true }),
    eps: number(`${name}.eps`, merged.eps, 0, Infinity, { minExclusive: true }),
  }
}

/** Fills defaults and validates every field; throws `E_INVALID_ARGUMENT` naming the first bad one. */
export function resolveConfig(config: GanConfig = {}): ResolvedGanConfig {
  const c = object<GanConfig>('config', config)
  knownKeys('config', c, CONFIG_KEYS)
  const d = DEFAULT_CONFIG
  return {
    latent: integer('latent', c.latent ?? d.latent, 1, MAX_WIDTH),
    dataDim: integer('dataDim', c.dataDim ?? d.dataDim, 1, MAX_WIDTH),
    generator: widths('generator', c.generator ?? d.generator),
    discriminator: widths('discriminator', c.discriminator ?? d.discriminator),
    leakySlope: number('leakySlope', c.leakySlope ?? d.leakySlope, 0, 1, { maxExclusive: true }),
    latentDistribution: oneOf('latentDistribution', c.latentDistribution ?? d.latentDistribution, ['normal', 'uniform'] as const),
    dSteps: integer('dSteps', c.dSteps ?? d.dSteps, 1, 100),
    labelSmoothing: number('labelSmoothing', c.labelSmoothing ?? d.labelSmoothing, 0, 0.5, { maxExclusive: true }),
    seed: integer('seed', c.seed ?? d.seed, 0, Number.MAX_SAFE_INTEGER),
    generatorOptimizer: optimizer('generatorOptimizer', c.generatorOptimizer),
    discriminatorOptimizer: optimizer('discriminatorOptimizer', c.discriminatorOptimizer),
    generatorOutput: oneOf('generatorOutput', c.generatorOutput ?? d.generatorOutput, ['tanh', 'sigmoid', 'linear'] as const),
    loss: oneOf('loss', c.loss ?? d.loss, LOSSES),
    emaDecay: number('emaDecay', c.emaDecay ?? d.emaDecay, 0, 1, { maxExclusive: true }),
    ...conditional(c),
  }
}

function conditional(c: Partial<GanConfig>): Pick<ResolvedGanConfig, 'classes' | 'conditioning' | 'auxWeight' | 'classNames'> {
  const d = DEFAULT_CONFIG
  const classes = integer('classes', c.classes ?? d.classes, 0, 1 << 16)
  if (classes === 0 && c.classNames !== undefined && c.classNames.length > 0) {
    invalid('classNames', 'absent for an unconditional GAN (classes = 0)', c.classNames)
  }
  return {
    classes,
    conditioning: oneOf('conditioning', c.conditioning ?? d.conditioning, Object.keys(ConditioningId) as Conditioning[]),
    auxWeight: number('auxWeight', c.auxWeight ?? d.auxWeight, 0, Infinity),
    // An empty list is no names, as the resolved config of a model without names has it.
    classNames:
      c.classNames === undefined || (Array.isArray(c.classNames) && c.classNames.length === 0)
        ? []
        : classNames('classNames', c.classNames, classes),
  }
}

const LOSSES = ['bce', 'hinge', 'least-squares'] as const

const OUTPUT_IDS = { tanh: ActivationId.tanh, sigmoid: ActivationId.sigmoid, linear: ActivationId.linear } as const

/** The config record for `gan_new`. */
export function encodeConfig(c: ResolvedGanConfig): Float64Array {
  const r: number[] = []
  const put = (k: number, v: number) => r.push(k, v)
  put(ConfigKey.latent, c.latent)
  put(ConfigKey.dataDim, c.dataDim)
  for (const w of c.generator) put(ConfigKey.gHidden, w)
  for (const w of c.discriminator) put(ConfigKey.dHidden, w)
  put(ConfigKey.leakySlope, c.leakySlope)
  put(ConfigKey.latentDist, c.latentDistribution === 'normal' ? 0 : 1)
  put(ConfigKey.dSteps, c.dSteps)
  put(ConfigKey.labelSmoothing, c.labelSmoothing)
  put(ConfigKey.seed, c.seed)
  const opt = (base: number, o: Required<OptimizerConfig>) => {
    put(base, o.type === 'adam' ? 0 : 1)
    put(base + 1, o.lr)
    put(base + 2, o.beta1)
    put(base + 3, o.beta2)
    put(base + 4, o.eps)
  }
  opt(ConfigKey.gOptimizer, c.generatorOptimizer)
  opt(ConfigKey.dOptimizer, c.discriminatorOptimizer)
  put(ConfigKey.gOutput, OUTPUT_IDS[c.generatorOutput])
  // Only when they differ from what an absent key means (RECORD_ABSENT, not
  // today's defaults), exactly as the Rust side writes them, so records of
  // models that do not use these options are unchanged.
  if (c.loss !== RECORD_ABSENT.loss) put(ConfigKey.loss, LOSSES.indexOf(c.loss))
  if (c.emaDecay !== RECORD_ABSENT.emaDecay) put(ConfigKey.emaDecay, c.emaDecay)
  if (c.classes > 0) {
    put(ConfigKey.classes, c.classes)
    put(ConfigKey.conditioning, ConditioningId[c.conditioning])
    put(ConfigKey.auxWeight, c.auxWeight)
  }
  return new Float64Array(r)
}

/**
 * The config from a record read back from the module. Hyper-parameters held
 * as f32 inside the model come back rounded to f32 (e.g. lr 2e-4 becomes
 * 0.00019999999494757503); they are shown rounded to 7 significant digits.
 */
export function decodeConfig(record: Float64Array): ResolvedGanConfig {
  const f32 = (v: number) => Number(Math.fround(v).toPrecision(7))
  const c = {
    ...DEFAULT_CONFIG,
    // Keys the record may leave out mean what they meant when it was written.
    ...RECORD_ABSENT,
    generator: [] as number[],
    discriminator: [] as number[],
    generatorOptimizer: { ...DEFAULT_OPTIMIZER },
    discriminatorOptimizer: { ...DEFAULT_OPTIMIZER },
    classNames: [] as string[],
  } as ResolvedGanConfig
  for (let i = 0; i + 1 < record.length; i += 2) {
    const [k, v] = [record[i], record[i + 1]]
    const opt = k >= ConfigKey.dOptimizer && k <= ConfigKey.dEps ? c.discriminatorOptimizer : c.generatorOptimizer
    switch (k) {
      case ConfigKey.latent:
        c.latent = v
        break
      case ConfigKey.dataDim:
        c.dataDim = v
        break
      case ConfigKey.gHidden:
        c.generator.push(v)
        break
      case ConfigKey.dHidden:
        c.discriminator.push(v)
        break
      case ConfigKey.leakySlope:
        c.leakySlope = f32(v)
        break
      case ConfigKey.latentDist:
        c.latentDistribution = v === 0 ? 'normal' : 'uniform'
        break
      case ConfigKey.dSteps:
        c.dSteps = v
        break
      case ConfigKey.labelSmoothing:
        c.labelSmoothing = f32(v)
        break
      case ConfigKey.seed:
        c.seed = v
        break
      case ConfigKey.gOptimizer:
      case ConfigKey.dOptimizer:
        opt.type = v === 0 ? 'adam' : 'sgd'
        break
      case ConfigKey.gLr:
      case ConfigKey.dLr:
        opt.lr = f32(v)
        break
      case ConfigKey.gBeta1:
      case ConfigKey.dBeta1:
        opt.beta1 = f32(v)
        break
      case ConfigKey.gBeta2:
      case ConfigKey.dBeta2:
        opt.beta2 = f32(v)
        break
      case ConfigKey.gEps:
      case ConfigKey.dEps:
        opt.eps = f32(v)
        break
      case ConfigKey.gOutput:
        c.generatorOutput = v === ActivationId.sigmoid ? 'sigmoid' : v === ActivationId.linear ? 'linear' : 'tanh'
        break
      case ConfigKey.loss:
        c.loss = LOSSES[v] ?? 'bce'
        break
      case ConfigKey.emaDecay:
        c.emaDecay = f32(v)
        break
      case ConfigKey.classes:
        c.classes = v
        break
      case ConfigKey.conditioning:
        c.conditioning = (Object.keys(ConditioningId) as Conditioning[]).find((k) => ConditioningId[k] === v) ?? 'acgan'
        break
      case ConfigKey.auxWeight:
        c.auxWeight = f32(v)
        break
      default:
        throw new WasmganError('E_INTERNAL', `the module returned an unknown config key ${k}`)
    }
  }
  return c
}
