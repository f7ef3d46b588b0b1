/**
 * The run config of `wasmgan train` from its flags: the model (defaults
 * filled, the dataset's image size as its input and output), the batch, the
 * stop rule and the snapshot interval. When resuming, the checkpoint's config
 * is the base and only the schedule may change.
 */

import { DEFAULT_CONFIG, DEFAULT_OPTIMIZER, RECORD_ABSENT, type Conditioning } from '../config.js'
import { DEFAULT_SECONDS, type DatasetId } from './constants.js'
import { usage } from './errors.js'
import { CLASS_GRID_COLUMNS } from './train-conditional.js'
import type { LoadedData } from './resolve-dataset.js'
import type { RunConfig, StopRule } from './run-config.js'
import { CHECKPOINT_FORMAT, PACKAGE_VERSION } from './version.js'

/** The parsed flags of `train` (undefined: not given). */
export interface TrainFlags {
  dataset?: DatasetId
  data?: string
  limit?: number
  epochs?: number
  steps?: number
  seconds?: number
  batch?: number
  seed?: number
  lr?: number
  gLr?: number
  dLr?: number
  beta1?: number
  beta2?: number
  latent?: number
  gHidden?: number[]
  dHidden?: number[]
  dSteps?: number
  labelSmoothing?: number
  loss?: RunConfig['model']['loss']
  emaDecay?: number
  every?: number
  out?: string
  resume?: string
  /** Train a conditional GAN on the dataset's labels. */
  conditional?: boolean
  /** How its discriminator reads the label (default acgan). */
  conditioning?: Conditioning
  /** `--no-score` sets false: no quality score at snapshots. */
  score?: boolean
}

/** Snapshots in a step-counted run when `--every` is not given. */
const SNAPSHOTS_PER_RUN = 50
/** Snapshot interval of a time-budgeted run when `--every` is not given. */
const DEFAULT_EVERY_FOR_SECONDS = 200
/** Images per snapshot grid. */
const GRID = 64

/** The stop rule the flags give, if any; two of them are a usage error. */
export function stopRule(f: TrainFlags): StopRule | undefined {
  const given = (['epochs', 'steps', 'seconds'] as const).filter((k) => f[k] !== undefined)
  if (given.length > 1) usage(`give only one of --epochs, --steps, --seconds (got ${given.map((g) => '--' + g).join(' and ')})`)
  if (f.epochs !== undefined) return { epochs: f.epochs }
  if (f.steps !== undefined) return { steps: f.steps }
  if (f.seconds !== undefined) return { seconds: f.seconds }
  return undefined
}

function stepsPerEpoch(count: number, batch: number, dSteps: number): number {
  return Math.floor(count / (batch * dSteps))
}

/** The step a stop rule ends at, or undefined for a time budget. */
export function targetStepOf(c: RunConfig): number | undefined {
  const s = c.run.stop
  if ('steps' in s) return s.steps
  if ('epochs' in s) return s.epochs * stepsPerEpoch(c.dataset.count, c.run.batch, c.model.dSteps)
  return undefined
}

/** Snapshot steps when --every is not given: 50 per step-counted run, every 200 steps in a time budget. */
function defaultEvery(stop: StopRule, count: number, batch: number, dSteps: number): number {
  if ('seconds' in stop) return DEFAULT_EVERY_FOR_SECONDS
  const total = 'steps' in stop ? stop.steps : stop.epochs * stepsPerEpoch(count, batch, dSteps)
  return Math.max(1, Math.ceil(total / SNAPSHOTS_PER_RUN))
}

/** A run config from the flags, on top of `base` (the checkpoint's, when resuming). */
export function buildConfig(f: TrainFlags, loaded: LoadedData, base: RunConfig | undefined): RunConfig {
  const d = loaded.data
  const bm = base?.model
  type Optimizer = RunConfig['model']['generatorOptimizer']
  const opt = (lr: number | undefined, from: Optimizer | undefined): Optimizer => ({
    ...DEFAULT_OPTIMIZER,
    ...from,
    ...(lr !== undefined && { lr }),
    ...(f.beta1 !== undefined && { beta1: f.beta1 }),
    ...(f.beta2 !== undefined && { beta2: f.beta2 }),
  })
  // Defaults filled here, checked by the Gan constructor (the flags were checked when parsed).
  const model: RunConfig['model'] = {
    ...DEFAULT_CONFIG,
    // A stored run without these fields predates them: it trained with what they meant then.
    ...(bm && RECORD_ABSENT),
    ...bm,
    dataDim: d.dim,
    ...(f.latent !== undefined && { latent: f.latent }),
    ...(f.gHidden !== undefined && { generator: f.gHidden }),
    ...(f.dHidden !== undefined && { discriminator: f.dHidden }),
    ...(f.seed !== undefined && { seed: f.seed }),
    ...(f.dSteps !== undefined && { dSteps: f.dSteps }),
    ...(f.labelSmoothing !== undefined && { labelSmoothing: f.labelSmoothing }),
    ...(f.loss !== undefined && { loss: f.loss }),
    ...(f.emaDecay !== undefined && { emaDecay: f.emaDecay }),
    // A conditional GAN learns the dataset's classes (and keeps their names in the checkpoint).
    ...(f.conditional && !bm && { classes: d.classes ?? 0, classNames: d.classNames ?? [] }),
    ...(f.conditioning !== undefined && { conditioning: f.conditioning }),
    generatorOptimizer: opt(f.gLr ?? f.lr, bm?.generatorOptimizer),
    discriminatorOptimizer: opt(f.dLr ?? f.lr, bm?.discriminatorOptimizer),
  }
  const batch = f.batch ?? base?.run.batch ?? 64
  if (batch * model.dSteps > d.count) {
    usage(
      `--batch ${batch}${model.dSteps > 1 ? ` × --d-steps ${model.dSteps}` : ''} needs at least that many images, but the data has ${d.count}`,
    )
  }
  if ('epochs' in (stopRule(f) ?? {}) && stepsPerEpoch(d.count, batch, model.dSteps) < 1) {
    usage(`--epochs needs at least one step per epoch: --batch ${batch} is more than the ${d.count} images`)
  }
  const newStop = stopRule(f)
  const stop = newStop ?? base?.run.stop ?? { seconds: DEFAULT_SECONDS }
  // A new stop rule gets a snapshot interval to match, unless --every says otherwise.
  const every = f.every ?? (newStop ? undefined : base?.run.every) ?? defaultEvery(stop, d.count, batch, model.dSteps)
  if (base) {
    // Everything the checkpoint fixes stays as stored, so the saved meta matches an uninterrupted run's.
    // Recipe flags that differ are reported by the caller (recipeDiff), so batch and model are compared, not taken.
    return { ...base, model, run: { ...base.run, batch, stop, every } }
  }
  const limit = f.limit
  return {
    kind: 'wasmgan-run',
    createdWith: { wasmgan: PACKAGE_VERSION, checkpointFormat: CHECKPOINT_FORMAT },
    dataset: {
      ref: loaded.ref,
      count: d.count,
      height: d.height,
      width: d.width,
      ...(d.classNames && { classNames: d.classNames }),
      digest: loaded.digest,
    },
    model,
    run: {
      batch,
      ...(limit !== undefined && { limit }),
      stop,
      every,
      sampleSeed: model.seed,
      sampleCount: model.classes > 0 ? model.classes * CLASS_GRID_COLUMNS : GRID,
    },
  }
}

/** runs/<dataset>-<date>-<time>, the run folder when --out is not given. */
export function defaultOutDir(f: TrainFlags): string {
  const name = f.data !== undefined ? 'data' : (f.dataset ?? 'fashion-mnist')
  const t = new Date()
  const p = (n: number) => String(n).padStart(2, '0')
  return `runs/${name}-${t.getFullYear()}${p(t.getMonth() + 1)}${p(t.getDate())}-${p(t.getHours())}${p(t.getMinutes())}${p(t.getSeconds())}`
}
