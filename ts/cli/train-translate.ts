/**
 * `wasmgan train --task edges|inpaint|upscale|pairs`: trains a pix2pix-style
 * translator and keeps a run folder like a GAN run's (config.json,
 * metrics.jsonl, samples/, checkpoint.wgan, state.json, index.html). At
 * every snapshot it scores held-out pairs (L1 and PSNR, next to copying the
 * input) and draws source | output | target triplets of held-out images.
 * When the run ends, the same generator is trained with L1 alone for as many
 * steps (unless --no-l1-baseline) and scored on the same pairs: the report
 * sets the three side by side.
 *
 * Held-out pairs: a built-in task derives them from the dataset's test split
 * (the first 2000 images) when its files are present, else from the last
 * fifth (at most 2000) of the training files, which training then leaves
 * out; user pairs hold out their last fifth (at most 2000).
 */

import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { DEFAULT_OPTIMIZER } from '../config.js'
import { loadImageDataset, type ImageDataset } from '../data.js'
import { imageGrid } from '../grid.js'
import { loadPairs, taskPairs, translationScore, type PairData } from '../pairs.js'
import { Translator, type ResolvedTranslatorConfig, type TranslatorConfig } from '../translator.js'
import { checkpointKindOf, loadModelCheckpoint, notATranslator } from './checkpoint-file.js'
import { DEFAULT_SECONDS } from './constants.js'
import { KNOWN_DATASETS } from './datasets.js'
import { CliError, EXIT, toCliError, usage } from './errors.js'
import { rows } from './eval.js'
import { writeFileAtomic } from './files.js'
import { encodePng } from './png.js'
import { buildTranslateReport, type BaselineResult, type TranslateMetrics } from './report-translate.js'
import { loadTrainingData, type DataRequest } from './resolve-dataset.js'
import { LAYOUT, RunFolder, snapshotName } from './run-folder.js'
import { exitCodeFor, StopRequest } from './signals.js'
import type { TrainExtensions } from './train.js'
import { stopRule, type TrainFlags } from './train-config.js'
import { refuseGanFlags, type TranslateTrainFlags } from './translate-flags.js'
import { isTranslateRunConfig, type TranslateRunConfig } from './translate-run.js'
import { CHECKPOINT_FORMAT, PACKAGE_VERSION } from './version.js'

/** Most held-out pairs scored. */
const HELD_OUT = 2000
/** Held-out triplets drawn per grid (two per row). */
const TRIPLETS = 8
/** Seed of the held-out sources of a built-in task. */
const HELD_OUT_SEED = 5
/** The L1-only baseline's result, beside the run's files. */
export const BASELINE_FILE = 'baseline.json'

type Flags = TrainFlags & TranslateTrainFlags

/** Training and held-out data of a translation run. */
interface RunData {
  /** Images for a built-in task, pairs for `pairs`. */
  train: ImageDataset | PairData
  heldOut: PairData
  info: Omit<TranslateRunConfig['data'], 'task'>
}

const pairRows = (p: PairData, from: number, to: number): PairData => ({
  ...p,
  count: to - from,
  sources: p.sources.subarray(from * p.dim, to * p.dim),
  targets: p.targets.subarray(from * p.dim, to * p.dim),
})
const heldOutOf = (n: number) => Math.min(HELD_OUT, Math.floor(n / 5))

function digest(...arrays: Float32Array[]): string {
  const h = createHash('sha256')
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
  return h.digest('hex')
}

/** Loads the pairs or images of a run and splits off the held-out pairs. */
async function loadRunData(
  task: TranslateRunConfig['data']['task'],
  req: { dataRequest?: DataRequest; pairs?: { source: string; target: string } },
  model: { mask: number },
  log: (line: string) => void,
): Promise<RunData> {
  if (task === 'pairs') {
    const { source, target } = req.pairs!
    let pairs: PairData
    try {
      pairs = await loadPairs({ sources: source, targets: target })
    } catch (err) {
      throw toCliError(err, 'data', `--task pairs (--source ${source}, --target ${target})`)
    }
    const h = heldOutOf(pairs.count)
    if (h < 1) throw new CliError(EXIT.data, `--task pairs needs at least 5 pairs (a fifth is held out for scoring), got ${pairs.count}`)
    const train = pairRows(pairs, 0, pairs.count - h)
    return {
      train,
      heldOut: pairRows(pairs, pairs.count - h, pairs.count),
      info: {
        pairs: { source, target },
        description: `user pairs ${source} → ${target}`,
        count: train.count,
        heldOut: h,
        height: pairs.height,
        width: pairs.width,
        digest: digest(pairs.sources, pairs.targets),
      },
    }
  }
  const dr = req.dataRequest!
  const loaded = await loadTrainingData(dr, log)
  let train: ImageDataset = loaded.data
  let held: ImageDataset
  let where: string
  const ds = dr.dataDir === undefined ? KNOWN_DATASETS[dr.dataset ?? 'fashion-mnist'] : undefined
  if (ds && existsSync(join(loaded.dir, ds.test.images.name))) {
    const test = await loadImageDataset({ images: join(loaded.dir, ds.test.images.name) })
    held = rows(test, 0, Math.min(HELD_OUT, test.count))
    where = `the first ${held.count} test images`
  } else {
    const n = train.count
    const h = heldOutOf(n)
    if (h < 1) throw new CliError(EXIT.data, `--task ${task} needs at least 5 images (a fifth is held out for scoring), got ${n}`)
    held = rows(train, n - h, n)
    train = rows(train, 0, n - h)
    where = `the last ${h} training images, left out of training`
  }
  const heldOut = taskPairs(held, task, { seed: HELD_OUT_SEED, mask: model.mask })
  const name = loaded.ref.name === 'custom' ? `${loaded.ref.images} in ${loaded.ref.dir}` : ds!.title
  return {
    train,
    heldOut,
    info: {
      ref: loaded.ref,
      description: `${task} pairs derived from ${name} (held out: ${where})`,
      count: train.count,
      heldOut: heldOut.count,
      height: train.height,
      width: train.width,
      digest: digest(train.images, held.images),
    },
  }
}

/** The translator config the flags ask for, on top of the checkpoint's when resuming. */
function modelConfig(f: Flags, task: TranslateRunConfig['data']['task'], size: { width: number; height: number }): TranslatorConfig {
  const opt = (lr: number | undefined) => ({
    ...DEFAULT_OPTIMIZER,
    ...(lr !== undefined && { lr }),
    ...(f.beta1 !== undefined && { beta1: f.beta1 }),
    ...(f.beta2 !== undefined && { beta2: f.beta2 }),
  })
  return {
    task,
    width: size.width,
    height: size.height,
    ...(f.gHidden && { generator: f.gHidden }),
    ...(f.dHidden && { discriminator: f.dHidden }),
    ...(f.seed !== undefined && { seed: f.seed }),
    generatorOptimizer: opt(f.gLr ?? f.lr),
    discriminatorOptimizer: opt(f.dLr ?? f.lr),
  }
}

interface State {
  step: number
  seconds: number
  from: number
  sums: { n: number; dLoss: number; gAdversarial: number; l1: number }
  status: 'running' | 'done' | 'interrupted'
  signal?: string
}

/** Runs `wasmgan train --task …` (or `--resume` of a translator checkpoint); resolves to the exit code. */
export async function runTrainTranslator(f: Flags, ext: TrainExtensions): Promise<number> {
  const { log, print } = ext
  stopRule(f)
  refuseGanFlags(f as unknown as Record<string, unknown>)

  // ---- the checkpoint to resume, if any
  let resumed: { tr: Translator; config: TranslateRunConfig; path: string } | undefined
  if (f.resume !== undefined) {
    const kind = checkpointKindOf(f.resume)
    if (kind !== 'translator') throw notATranslator(f.resume, kind)
    const ck = loadModelCheckpoint(f.resume)
    if (ck.kind !== 'translator') throw notATranslator(f.resume, ck.kind)
    if (!isTranslateRunConfig(ck.meta)) {
      ck.model.dispose()
      throw new CliError(
        EXIT.checkpoint,
        `${f.resume} was not written by \`wasmgan train --task\` (its meta holds no run config), so there is no run to resume`,
      )
    }
    if (f.task !== undefined && f.task !== ck.meta.data.task) {
      ck.model.dispose()
      usage(`--task ${f.task} differs from the checkpoint's task ${ck.meta.data.task}; a resumed run keeps its task`)
    }
    resumed = { tr: ck.model, config: ck.meta, path: resolve(f.resume) }
  }
  const base = resumed?.config
  const task = base?.data.task ?? f.task!
  const defaultOut = () => {
    const t = new Date()
    const p = (n: number) => String(n).padStart(2, '0')
    return `runs/${task}-${t.getFullYear()}${p(t.getMonth() + 1)}${p(t.getDate())}-${p(t.getHours())}${p(t.getMinutes())}${p(t.getSeconds())}`
  }
  const folder = new RunFolder(resolve(f.out ?? (resumed ? dirname(resumed.path) : defaultOut())))
  folder.check()

  // ---- data
  const mask = base?.model.mask ?? 14
  const dataRequest: DataRequest | undefined =
    task === 'pairs'
      ? undefined
      : base?.data.ref
        ? base.data.ref.name === 'custom'
          ? { dataDir: f.data ?? base.data.ref.dir, limit: base.run.limit }
          : { dataset: base.data.ref.name, limit: base.run.limit }
        : { dataset: f.data === undefined ? (f.dataset ?? 'fashion-mnist') : undefined, dataDir: f.data, limit: f.limit }
  const pairsPaths = task === 'pairs' ? (base?.data.pairs ?? { source: resolve(f.source!), target: resolve(f.target!) }) : undefined
  let data: RunData
  try {
    data = await loadRunData(task, { dataRequest, pairs: pairsPaths }, { mask }, log)
  } catch (err) {
    resumed?.tr.dispose()
    throw err
  }
  if (base && data.info.digest !== base.data.digest) {
    resumed!.tr.dispose()
    throw new CliError(EXIT.data, `the data is not the data this checkpoint was trained on (its SHA-256 differs)`)
  }

  // ---- config
  const stop = stopRule(f) ?? base?.run.stop ?? { seconds: DEFAULT_SECONDS }
  const batch = f.batch ?? base?.run.batch ?? 64
  if (batch > data.train.count) {
    resumed?.tr.dispose()
    usage(`--batch ${batch} needs at least that many training ${task === 'pairs' ? 'pairs' : 'images'}, but there are ${data.train.count}`)
  }
  const stepsPerEpoch = Math.floor(data.train.count / batch)
  const target = 'steps' in stop ? stop.steps : 'epochs' in stop ? stop.epochs * stepsPerEpoch : undefined
  const budget = 'seconds' in stop ? stop.seconds : undefined
  const every = f.every ?? (stopRule(f) ? undefined : base?.run.every) ?? (target === undefined ? 200 : Math.max(1, Math.ceil(target / 50)))
  let tr: Translator
  try {
    tr = resumed?.tr ?? new Translator(modelConfig(f, task, data.info))
  } catch (err) {
    throw toCliError(err)
  }
  const config: TranslateRunConfig = {
    kind: 'wasmgan-translate-run',
    createdWith: base?.createdWith ?? { wasmgan: PACKAGE_VERSION, checkpointFormat: CHECKPOINT_FORMAT },
    data: { task, ...data.info },
    model: tr.config,
    run: {
      batch,
      ...((base?.run.limit ?? f.limit) !== undefined && { limit: base?.run.limit ?? f.limit }),
      stop,
      every,
      l1Baseline: f.l1Baseline === false ? false : (base?.run.l1Baseline ?? true),
      heldOutSeed: HELD_OUT_SEED,
    },
  }
  if (base) {
    const fresh = { ...modelConfig(f, task, data.info) }
    const asked = new Translator(fresh)
    const differs = JSON.stringify(asked.config) !== JSON.stringify(base.model) && hasModelFlags(f)
    asked.dispose()
    if (differs || (f.batch !== undefined && f.batch !== base.run.batch)) {
      tr.dispose()
      usage("flags differ from the checkpoint's config; a resumed run keeps its config")
    }
  }
  const startStep = tr.step
  folder.prepare(config, { resumeStep: resumed ? startStep : undefined, log })
  if (!resumed) rmSync(folder.path(BASELINE_FILE), { force: true })
  const saved = resumed ? readState(folder, startStep) : undefined
  // A checkpoint without its state.json (copied elsewhere): the clock restarts from the last metrics line at or before it.
  const lastSeconds = resumed
    ? (folder
        .readMetrics()
        .filter((m) => m.step <= startStep)
        .at(-1)?.seconds ?? 0)
    : 0
  const state: State = saved ?? {
    step: startStep,
    seconds: lastSeconds,
    from: startStep,
    sums: { n: 0, dLoss: 0, gAdversarial: 0, l1: 0 },
    status: 'running',
  }
  const resumeCommand = `wasmgan train --resume ${folder.shown(LAYOUT.checkpoint)}`
  const copy = translationScore(data.heldOut.sources, data.heldOut.targets)

  log(
    `${resumed ? `resuming at step ${startStep}` : 'training'} a translator (task ${task}) on ${data.train.count} ${task === 'pairs' ? 'pairs' : 'images'} of ` +
      `${data.info.width}×${data.info.height} (${data.heldOut.count} held out); batch ${batch}, until ${target !== undefined ? `step ${target}` : `${budget} s`}, ` +
      `snapshot every ${every} steps; ${ext.simd ? 'wasm simd128' : 'wasm scalar'}`,
  )
  log(`run folder: ${folder.shown()}`)

  const triplets = (t: Translator) => {
    const n = Math.min(TRIPLETS, data.heldOut.count)
    const dim = data.heldOut.dim
    const outputs = t.translate(data.heldOut.sources.subarray(0, n * dim), { seed: 0 })
    const tiles = new Float32Array(3 * n * dim)
    for (let i = 0; i < n; i++) {
      tiles.set(data.heldOut.sources.subarray(i * dim, (i + 1) * dim), 3 * i * dim)
      tiles.set(outputs.subarray(i * dim, (i + 1) * dim), (3 * i + 1) * dim)
      tiles.set(data.heldOut.targets.subarray(i * dim, (i + 1) * dim), (3 * i + 2) * dim)
    }
    return encodePng(imageGrid(tiles, 3 * n, { imageWidth: data.info.width, columns: 6 }))
  }
  const score = (t: Translator) => translationScore(t.translate(data.heldOut.sources, { seed: 0 }), data.heldOut.targets)

  const save = () => {
    writeFileAtomic(folder.path(LAYOUT.checkpoint), tr.save(config as unknown as Record<string, unknown>), { durable: true })
    writeFileAtomic(folder.path(LAYOUT.state), JSON.stringify({ ...state, step: tr.step }) + '\n')
  }
  const report = () => {
    const metrics = folder.readMetrics() as unknown as TranslateMetrics[]
    const snaps = folder.snapshots()
    const shown = snaps.length <= 12 ? snaps : Array.from({ length: 12 }, (_, i) => snaps[Math.round((i * (snaps.length - 1)) / 11)]!)
    writeFileAtomic(
      folder.path(LAYOUT.report),
      buildTranslateReport({
        config,
        metrics,
        copy,
        baseline: readBaseline(folder),
        latest: existsSync(folder.path(LAYOUT.latest)) ? readFileSync(folder.path(LAYOUT.latest)) : undefined,
        snapshots: shown.map((s) => ({ step: s.step, png: readFileSync(folder.path(s.file)) })),
        status: state.status,
        signal: state.signal,
        step: tr.step,
        seconds: state.seconds,
        resumeCommand,
        simd: ext.simd,
      }),
    )
  }
  const snapshot = () => {
    const m = tr.metrics
    const s = state.sums
    const held = score(tr)
    const line: TranslateMetrics = {
      step: m.step,
      epoch: m.epoch,
      from: state.from,
      dLoss: s.n ? s.dLoss / s.n : 0,
      gAdversarial: s.n ? s.gAdversarial / s.n : 0,
      l1: s.n ? s.l1 / s.n : 0,
      heldOutL1: round5(held.l1),
      heldOutPsnr: round3(held.psnr),
      seconds: round3(state.seconds),
    }
    const png = triplets(tr)
    writeFileAtomic(folder.path(snapshotName(m.step)), png)
    writeFileAtomic(folder.path(LAYOUT.latest), png)
    folder.appendMetrics(line as unknown as Parameters<RunFolder['appendMetrics']>[0])
    state.from = m.step
    state.sums = { n: 0, dLoss: 0, gAdversarial: 0, l1: 0 }
    save()
    report()
    log(
      `step ${m.step}${target !== undefined ? `/${target}` : ''}: train L1 ${line.l1.toFixed(4)}, D ${line.dLoss.toFixed(3)}; ` +
        `held-out L1 ${held.l1.toFixed(4)} PSNR ${held.psnr.toFixed(2)} dB (copying the input: ${copy.l1.toFixed(4)}, ${copy.psnr.toFixed(2)} dB)`,
    )
  }

  // ---- the loop: chunks of steps that end on snapshot steps, the clock and signals looked at between them
  const stopReq = new StopRequest().install((sig) =>
    log(`${sig}: stopping after this step and saving the checkpoint and report (again to quit at once)`),
  )
  const start = performance.now()
  const base0 = state.seconds
  const now = () => base0 + (performance.now() - start) / 1000
  const finished = () => (target !== undefined && tr.step >= target) || (budget !== undefined && now() >= budget)
  let chunk = 1
  let outcome: 'done' | 'interrupted' = 'done'
  try {
    while (!finished()) {
      if (stopReq.requested) {
        outcome = 'interrupted'
        break
      }
      const toSnapshot = every - (tr.step % every)
      const n = Math.max(1, Math.min(chunk, toSnapshot, target !== undefined ? target - tr.step : Infinity))
      const t0 = performance.now()
      for (let i = 0; i < n; i++) {
        // One step per call, so the interval means see every step's losses.
        const m = tr.train(data.train, 1, { batchSize: batch })
        state.sums.n++
        state.sums.dLoss += m.dLoss
        state.sums.gAdversarial += m.gAdversarial
        state.sums.l1 += m.l1
      }
      const dt = performance.now() - t0
      chunk = Math.max(1, Math.min(1000, Math.round((n * 100) / Math.max(dt, 1))))
      state.seconds = now()
      if (tr.step % every === 0 || tr.step === target) snapshot()
      // Lets a signal in.
      await new Promise((r) => setImmediate(r))
    }
    state.seconds = now()
    if (outcome === 'done' && state.sums.n > 0) snapshot()
  } finally {
    stopReq.dispose()
  }
  state.status = outcome
  if (outcome === 'interrupted') state.signal = stopReq.signal
  save()
  report()
  const last = folder.readMetrics().at(-1) as unknown as TranslateMetrics | undefined

  // ---- the L1-only baseline, for as many steps, scored on the same pairs
  if (outcome === 'done' && config.run.l1Baseline && readBaseline(folder)?.steps !== tr.step && tr.step > 0) {
    const steps = tr.step
    log(`training the L1-only baseline: the same generator, ${steps} steps with L1 alone (--no-l1-baseline skips this)`)
    const l1Config: ResolvedTranslatorConfig = { ...tr.config, adversarialWeight: 0 }
    const b = new Translator(l1Config)
    const t0 = performance.now()
    try {
      for (let done = 0; done < steps;) {
        const n = Math.min(200, steps - done)
        b.train(data.train, n, { batchSize: batch })
        done += n
      }
      const s = score(b)
      const result: BaselineResult = { steps, l1: round5(s.l1), psnr: round3(s.psnr), seconds: round3((performance.now() - t0) / 1000) }
      writeFileAtomic(folder.path(BASELINE_FILE), JSON.stringify(result) + '\n')
      writeFileAtomic(folder.path('samples/baseline-l1.png'), triplets(b))
    } finally {
      b.dispose()
    }
    report()
  }
  tr.dispose()

  const bl = readBaseline(folder)
  if (last) {
    print(
      `${outcome === 'done' ? 'trained' : `interrupted by ${state.signal} after`} ${last.step - startStep} steps (step ${last.step}) in ${state.seconds.toFixed(1)} s of training in all`,
    )
    print(`held-out (${data.heldOut.count} pairs): L1 ${last.heldOutL1.toFixed(4)}, PSNR ${last.heldOutPsnr.toFixed(2)} dB`)
    print(`copy the input: L1 ${copy.l1.toFixed(4)}, PSNR ${copy.psnr.toFixed(2)} dB`)
    if (bl) print(`L1 alone, same ${bl.steps} steps: L1 ${bl.l1.toFixed(4)}, PSNR ${bl.psnr.toFixed(2)} dB`)
  }
  print(`report: ${folder.shown(LAYOUT.report)}`)
  if (outcome === 'interrupted') {
    print(`resume: ${resumeCommand}`)
    return exitCodeFor(state.signal as 'SIGINT' | 'SIGTERM')
  }
  return EXIT.ok
}

/** Whether any flag that shapes the translator was given (compared with the checkpoint's on resume). */
function hasModelFlags(f: Flags): boolean {
  return [f.gHidden, f.dHidden, f.seed, f.lr, f.gLr, f.dLr, f.beta1, f.beta2].some((v) => v !== undefined)
}

function readState(folder: RunFolder, step: number): State | undefined {
  try {
    const s = JSON.parse(readFileSync(folder.path(LAYOUT.state), 'utf8')) as State
    return s.step === step && s.sums ? { ...s, status: 'running', signal: undefined } : undefined
  } catch {
    return undefined
  }
}

function readBaseline(folder: RunFolder): BaselineResult | undefined {
  try {
    return JSON.parse(readFileSync(folder.path(BASELINE_FILE), 'utf8')) as BaselineResult
  } catch {
    return undefined
  }
}

const round3 = (v: number) => Math.round(v * 1000) / 1000
const round5 = (v: number) => Math.round(v * 1e5) / 1e5
