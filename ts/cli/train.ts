/**
 * `wasmgan train`: trains a GAN on a dataset and keeps a run folder up to
 * date: a grid from fixed latent vectors, a metrics line and the checkpoint
 * at every snapshot, and the report page. A new run is built from the flags;
 * `--resume` rebuilds it from the checkpoint's meta and continues exactly
 * where it stopped.
 */

import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { ImageDataset } from '../data.js'
import type { Gan, StepMetrics } from '../gan.js'
import { Gan as GanClass } from '../gan.js'
import { imageGrid } from '../grid.js'
import { loadCheckpoint } from './checkpoint-file.js'
import { curvesSvg } from './curves.js'
import { CliError, EXIT, toCliError, usage } from './errors.js'
import { writeFileAtomic } from './files.js'
import { encodePng } from './png.js'
import { Progress } from './progress.js'
import { buildReport, duration, evenly } from './report.js'
import { isRunConfig, recipeDiff, type RunConfig } from './run-config.js'
import { LAYOUT, RunFolder, snapshotName, type MetricsLine, type RunState } from './run-folder.js'
import { loadTrainingData, type DataRequest } from './resolve-dataset.js'
import { scoreSvg } from './score-plot.js'
import { exitCodeFor, StopRequest } from './signals.js'
import { checkLabelled, classGrid, conditionalScoring, isConditional, type ConditionalScoring } from './train-conditional.js'
import { scoreContext, snapshotScoreHook, type ScoreContext } from './snapshot-score.js'
import { buildConfig, defaultOutDir, stopRule, targetStepOf, type TrainFlags } from './train-config.js'
import { emptyAccumulator, trainLoop, type LoopState } from './training-loop.js'

export type { TrainFlags } from './train-config.js'

/** What a snapshot hook sees. */
export interface SnapshotContext {
  gan: Gan
  step: number
  data: ImageDataset
  config: RunConfig
}

/**
 * Adds numbers to a snapshot's metrics line (e.g. a quality score). Hooks run
 * at every snapshot, in order, after the interval means are computed.
 */
export type SnapshotHook = (ctx: SnapshotContext) => Record<string, number> | void

/** Extension points of {@link runTrain}. */
export interface TrainExtensions {
  hooks?: SnapshotHook[]
  /** Whether the wasm module runs its SIMD build (shown in the report). */
  simd: boolean
  log: (line: string) => void
  print: (line: string) => void
}

/** Images in the larger grid of the last step. */
const LATEST = 100
/** Grids over time on the report page. */
const MAX_GRIDS_SHOWN = 24

/** Runs `wasmgan train`; resolves to the exit code. */
export async function runTrain(f: TrainFlags, ext: TrainExtensions): Promise<number> {
  const { log, print } = ext
  stopRule(f) // flag conflicts first: before any file or network is touched

  // ---- the checkpoint to resume, if any
  let resumed: { gan: Gan; config: RunConfig; path: string } | undefined
  if (f.resume !== undefined) {
    const ck = loadCheckpoint(f.resume)
    if (!isRunConfig(ck.meta)) {
      ck.gan.dispose()
      throw new CliError(
        EXIT.checkpoint,
        `${f.resume} was not written by \`wasmgan train\` (its meta holds no run config), so there is no run to resume`,
      )
    }
    resumed = { gan: ck.gan, config: ck.meta, path: resolve(f.resume) }
    if (f.dataset !== undefined && f.dataset !== ck.meta.dataset.ref.name) {
      usage(`--dataset ${f.dataset} differs from the checkpoint's dataset ${ck.meta.dataset.ref.name}; a resumed run keeps its data`)
    }
  }

  const folder = new RunFolder(resolve(f.out ?? (resumed ? dirname(resumed.path) : defaultOutDir(f))))
  // Cheap refusal before a long load or download: a folder that holds something other than a run.
  folder.check()

  // ---- data
  const base = resumed?.config
  const request: DataRequest = base
    ? base.dataset.ref.name === 'custom'
      ? { dataDir: f.data ?? base.dataset.ref.dir, limit: base.run.limit }
      : { dataset: base.dataset.ref.name, limit: base.run.limit }
    : { dataset: f.data === undefined ? (f.dataset ?? 'fashion-mnist') : undefined, dataDir: f.data, limit: f.limit }
  if (base && f.limit !== undefined && f.limit !== base.run.limit) {
    usage(`--limit ${f.limit} differs from the checkpoint's ${base.run.limit ?? 'none'}; a resumed run keeps its data`)
  }
  const loaded = await loadTrainingData(request, log)
  if (base && loaded.digest !== base.dataset.digest) {
    throw new CliError(EXIT.data, `the data in ${loaded.dir} is not the data this checkpoint was trained on (its SHA-256 differs)`)
  }
  if (f.conditional && !base) checkLabelled(loaded.data, loaded.dir)
  if (f.conditional && base && !isConditional(base))
    usage('--conditional: the checkpoint holds an unconditional GAN, which cannot be resumed as a conditional one')
  const config = buildConfig(f, loaded, base)
  if (base) {
    const differs = recipeDiff(config, base)
    if (differs.length) usage(`flags differ from the checkpoint's config (${differs.join(', ')}); a resumed run keeps its config`)
  }

  // ---- the model and the folder
  let gan: Gan
  try {
    gan = resumed?.gan ?? new GanClass(config.model)
  } catch (err) {
    throw toCliError(err)
  }
  const startStep = gan.step
  // A conditional run scores class accuracy at every snapshot, and every run the quality score (FD, classes
  // covered) unless --no-score; both use one score classifier, loaded before the clock starts.
  let scoring: ConditionalScoring | undefined
  let score: SnapshotHook | undefined
  let ctx: ScoreContext | undefined
  try {
    if (isConditional(config) || f.score !== false) ctx = await scoreContext(request, log)
    if (ctx && isConditional(config)) scoring = await conditionalScoring(ctx, config.model.classes)
    if (ctx && f.score !== false) score = await snapshotScoreHook(ctx, config.model.dataDim, log)
  } catch (err) {
    await ctx?.dispose()
    gan.dispose()
    throw err
  }
  const hooks = [...(ext.hooks ?? []), ...(scoring ? [scoring.hook] : []), ...(score ? [score] : [])]
  /** The snapshot grid: fixed latent vectors; one row per class for a conditional GAN. */
  const grid = (count: number, columns?: number) =>
    scoring
      ? classGrid(gan, config.run.sampleSeed)
      : imageGrid(gan.sample(count, { seed: config.run.sampleSeed }), count, { imageWidth: config.dataset.width, columns })
  folder.prepare(config, { resumeStep: resumed ? startStep : undefined, log })
  const state = initialState(folder, startStep, !!resumed)
  const target = targetStepOf(config)
  const budget = 'seconds' in config.run.stop ? config.run.stop.seconds : undefined
  const resumeCommand = `wasmgan train --resume ${folder.shown(LAYOUT.checkpoint)}`
  const images = (step: number) => step * config.run.batch * config.model.dSteps
  let lastSnapshot = state.lastSnapshot
  const warnings = state.warnings

  log(
    `${resumed ? `resuming at step ${startStep}` : 'training'} on ${loaded.data.count} images of ${loaded.data.width}×${loaded.data.height} ` +
      `from ${loaded.dir}; batch ${config.run.batch}, until ${target !== undefined ? `step ${target}` : `${budget} s`}, ` +
      `snapshot every ${config.run.every} steps; ${ext.simd ? 'wasm simd128' : 'wasm scalar'}`,
  )
  log(`run folder: ${folder.shown()}`)

  const loop: LoopState = { acc: state.acc, seconds: state.seconds, writeSeconds: state.writeSeconds }
  const progress = new Progress(!!process.stderr.isTTY, startStep, log)
  const stop = new StopRequest().install((sig) => {
    progress.stop()
    log(`${sig}: stopping after this step and saving the checkpoint and report (again to quit at once)`)
  })
  const save = (status: RunState['status'], signal?: string) => {
    writeFileAtomic(folder.path(LAYOUT.checkpoint), gan.save(config as unknown as Record<string, unknown>), { durable: true })
    folder.writeState({
      step: gan.step,
      seconds: loop.seconds,
      writeSeconds: loop.writeSeconds,
      lastSnapshot,
      acc: loop.acc,
      warnings,
      status,
      ...(signal ? { signal } : {}),
    })
  }
  const writeLatest = (step: number) => {
    const png = encodePng(grid(LATEST, 10))
    writeFileAtomic(folder.path(LAYOUT.latest), png)
    return { step, png, count: LATEST }
  }
  const writeReport = (status: RunState['status'], m: StepMetrics, latest: ReturnType<typeof writeLatest>, signal?: string) => {
    const metrics = folder.readMetrics()
    writeFileAtomic(folder.path(LAYOUT.curves), curvesSvg(metrics, config.model.loss))
    const plot = scoreSvg(metrics)
    if (plot) writeFileAtomic(folder.path(LAYOUT.score), plot)
    const html = buildReport({
      config,
      metrics,
      // Only the grids the page shows are read: a long run has hundreds.
      snapshots: evenly(folder.snapshots(), MAX_GRIDS_SHOWN).map((s) => ({ step: s.step, png: readFileSync(folder.path(s.file)) })),
      snapshotCount: folder.snapshots().length,
      latest,
      status,
      signal,
      step: m.step,
      epoch: m.epoch,
      images: images(m.step),
      seconds: loop.seconds,
      trainSeconds: loop.seconds - loop.writeSeconds,
      warnings,
      resumeCommand,
      simd: ext.simd,
      ...(scoring && { conditional: { classifierAccuracy: scoring.classifierAccuracy } }),
    })
    writeFileAtomic(folder.path(LAYOUT.report), html)
  }

  const info = (m: StepMetrics, sessionSeconds: number, ips: number) => ({
    ...m,
    targetStep: target,
    budgetSeconds: budget === undefined ? undefined : budget - state.seconds,
    sessionSeconds,
    imagesPerSecond: ips,
  })
  let outcome: 'done' | 'interrupted'
  try {
    outcome = await trainLoop({
      gan,
      data: loaded.data,
      batch: config.run.batch,
      every: config.run.every,
      targetStep: target,
      budgetSeconds: budget,
      stop,
      state: loop,
      onSnapshot: (m) => {
        const acc = loop.acc
        // Training time since the last snapshot began, without that snapshot's own writing.
        const dt = loop.seconds - loop.writeSeconds - (lastSnapshot.seconds - lastSnapshot.writeSeconds)
        const line: MetricsLine = {
          step: m.step,
          epoch: m.epoch,
          from: acc.from,
          dLoss: acc.dLoss / acc.n,
          gLoss: acc.gLoss / acc.n,
          dReal: acc.dReal / acc.n,
          dFake: acc.dFake / acc.n,
          images: images(m.step),
          seconds: round3(loop.seconds),
          imagesPerSecond: Math.round(dt > 0 ? (images(m.step) - images(acc.from)) / dt : 0),
        }
        for (const hook of hooks) Object.assign(line, hook({ gan, step: m.step, data: loaded.data, config }))
        // Order matters for a crash: grid and metrics first, then the checkpoint; a resume drops what is newer than it.
        writeFileAtomic(folder.path(snapshotName(m.step)), encodePng(grid(config.run.sampleCount)))
        folder.appendMetrics(line)
        lastSnapshot = { seconds: loop.seconds, writeSeconds: loop.writeSeconds }
        // The interval ends here; state.json must say so (the loop resets the sums too, after this returns).
        loop.acc = emptyAccumulator(m.step)
        save('running')
        writeReport('running', m, writeLatest(m.step))
        // Plain output shows the interval means that metrics.jsonl records, not the last step's noise.
        progress.snapshot(info({ ...m, ...line }, loop.seconds - state.seconds, line.imagesPerSecond))
      },
      onWarning: (w, step) => {
        warnings.push({ step, kind: w.kind, message: w.message })
        progress.stop()
        log(`warning at step ${step}: ${w.message}`)
      },
      onProgress: (m, sessionSeconds) => {
        const ips = (images(m.step) - images(startStep)) / Math.max(sessionSeconds, 1e-9)
        progress.update(info(m, sessionSeconds, ips))
      },
    })
  } finally {
    progress.stop()
  }

  // ---- finish: checkpoint, state and report describe where the run ended
  const m = gan.metrics
  const status: RunState['status'] = outcome === 'done' ? 'done' : 'interrupted'
  const signal = outcome === 'interrupted' ? stop.signal : undefined
  save(status, signal)
  writeReport(status, m, writeLatest(m.step), signal)
  stop.dispose()
  gan.dispose()
  await ctx?.dispose()

  const trained = m.step - startStep
  const sessionSeconds = loop.seconds - state.seconds
  const writing = loop.writeSeconds - state.writeSeconds
  const ips = sessionSeconds - writing > 0 ? images(trained) / (sessionSeconds - writing) : 0
  print(
    `${status === 'done' ? 'trained' : `interrupted by ${signal} after`} ${trained} steps (step ${m.step}, epoch ${m.epoch}) ` +
      `in ${duration(sessionSeconds)}: ${Math.round(ips)} images/s (${duration(writing)} of that writing snapshots); ` +
      `D ${m.dLoss.toFixed(3)} G ${m.gLoss.toFixed(3)}`,
  )
  const lastLine = folder.readMetrics().at(-1)
  if (scoring && lastLine?.classAccuracy !== undefined) {
    print(
      `class accuracy ${(100 * lastLine.classAccuracy).toFixed(1)}% at step ${lastLine.step} ` +
        `(the score classifier's held-out accuracy: ${(100 * scoring.classifierAccuracy).toFixed(1)}%)`,
    )
  }
  print(`report: ${folder.shown(LAYOUT.report)}`)
  if (status === 'interrupted') {
    print(`resume: ${resumeCommand}`)
    return exitCodeFor(signal!)
  }
  return EXIT.ok
}

/** The interval sums, clocks and warnings to continue with: from state.json when it belongs to this checkpoint. */
function initialState(folder: RunFolder, step: number, resuming: boolean): LoopState & Pick<RunState, 'lastSnapshot' | 'warnings'> {
  const fresh = (seconds: number) => ({
    acc: emptyAccumulator(step),
    seconds,
    writeSeconds: 0,
    lastSnapshot: { seconds, writeSeconds: 0 },
    warnings: [],
  })
  if (!resuming) return fresh(0)
  const s = folder.readState()
  if (s && s.step === step) {
    return { acc: s.acc, seconds: s.seconds, writeSeconds: s.writeSeconds, lastSnapshot: s.lastSnapshot, warnings: s.warnings ?? [] }
  }
  // A checkpoint from elsewhere (or a crash between checkpoint and state): restart the interval here.
  const last = folder.readMetrics().filter((m) => m.step <= step)
  return fresh(last.length ? last[last.length - 1]!.seconds : 0)
}

const round3 = (v: number) => Math.round(v * 1000) / 1000
