/**
 * The live training page. It imports the package by name, as any app
 * would, and trains with {@link WorkerGan}: the model and the training loop
 * live in a Web Worker, and this thread only draws what the worker reports.
 *
 * URL parameters prefill the controls, so a set-up can be shared as a link:
 * `?data=fashion-mnist|fashion-mnist-test&seed=7&batch=64&hidden=128,128&lr=0.0002&loss=hinge&ema=0.99&steps=2000&autostart=1`.
 */

import { WorkerGan, imageGrid, simdSupported, toRgba, type FitProgress, type GanConfig, type Source, type WorkerDataset } from 'wasmgan'
import { drawChart, observeCanvas } from './charts.js'
import { classify } from './files.js'
import { interpolate, latentPoints } from './latent.js'

// ---- elements -----------------------------------------------------------------

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T
const ui = {
  dataset: $<HTMLSelectElement>('dataset'),
  drop: $('drop'),
  files: $<HTMLInputElement>('files'),
  pick: $<HTMLButtonElement>('pick'),
  dataStatus: $('data-status'),
  seed: $<HTMLInputElement>('seed'),
  batch: $<HTMLSelectElement>('batch'),
  hidden: $<HTMLSelectElement>('hidden'),
  lr: $<HTMLInputElement>('lr'),
  lossKind: $<HTMLSelectElement>('loss-kind'),
  ema: $<HTMLSelectElement>('ema'),
  steps: $<HTMLInputElement>('steps'),
  classPicker: $('class-picker'),
  classSelect: $<HTMLSelectElement>('class'),
  start: $<HTMLButtonElement>('start'),
  pause: $<HTMLButtonElement>('pause'),
  reset: $<HTMLButtonElement>('reset'),
  status: $('status'),
  warning: $('warning'),
  download: $<HTMLButtonElement>('download'),
  upload: $<HTMLButtonElement>('upload'),
  checkpointFile: $<HTMLInputElement>('checkpoint-file'),
  grid: $<HTMLCanvasElement>('grid'),
  sampleStep: $('sample-step'),
  walk: $<HTMLCanvasElement>('walk'),
  walkT: $<HTMLInputElement>('walk-t'),
  walkPlay: $<HTMLButtonElement>('walk-play'),
  ips: $('ips'),
  step: $('step'),
  epoch: $('epoch'),
  elapsed: $('elapsed'),
  loss: $<HTMLCanvasElement>('loss'),
  prob: $<HTMLCanvasElement>('prob'),
  badgeSimd: $('badge-simd'),
  badgeMain: $('badge-main'),
}

// ---- state ----------------------------------------------------------------------

type State = 'idle' | 'loading' | 'training' | 'pausing' | 'paused' | 'done' | 'error'

/** Seed of the 64 latent vectors behind the sample grid: fixed, so the grid shows one set of faces changing. */
const GRID_SEED = 20240
const GRID_COUNT = 64
const WALK_COUNT = 8

let state: State = 'idle'
let gan: WorkerGan | undefined
let data: WorkerDataset | undefined
let dataKey = ''
let userFiles: { images?: File; labels?: File } = {}
let ctl: AbortController | undefined
let running: Promise<void> | undefined
const history = { step: [] as number[], dLoss: [] as number[], gLoss: [] as number[], dReal: [] as number[], dFake: [] as number[] }
let trainedMs = 0
let rateWindow: { t: number; images: number }[] = []
let walkEnds: { a: Float32Array; b: Float32Array; spherical: boolean } | undefined
let longestTask = 0
/** When the current training run started (performance.now()): long tasks before it are not training's. */
let trainingSince = Infinity

// ---- small helpers ----------------------------------------------------------------

function setState(next: State, message?: string): void {
  state = next
  document.body.dataset.state = next
  if (message !== undefined) ui.status.textContent = message
  const busy = next === 'loading' || next === 'training' || next === 'pausing'
  ui.start.disabled = busy
  ui.start.textContent = busy ? 'Training…' : next === 'paused' ? 'Resume' : next === 'done' ? 'Continue' : 'Start'
  ui.pause.disabled = next !== 'training'
  ui.reset.disabled = busy || !gan
  ui.download.disabled = !gan || next === 'loading'
  ui.upload.disabled = busy
  ui.dataset.disabled = busy
  ui.batch.disabled = busy
  ui.steps.disabled = busy
  // The architecture and seed belong to the model: they change with Reset (a new model).
  for (const el of [ui.seed, ui.hidden, ui.lr, ui.lossKind, ui.ema]) el.disabled = busy || !!gan
}

function fail(e: unknown): void {
  const err = e as { code?: string; message?: string }
  console.error(e)
  setState('error', `${err.code ? err.code + ': ' : ''}${err.message ?? String(e)}`)
}

const fmt = new Intl.NumberFormat('en-US')
const clock = (ms: number) => {
  const s = Math.floor(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

function configFromControls(): GanConfig {
  const hidden = ui.hidden.value.split(',').map(Number)
  const lr = Number(ui.lr.value)
  return {
    seed: Number(ui.seed.value),
    generator: hidden,
    discriminator: hidden,
    generatorOptimizer: { lr },
    discriminatorOptimizer: { lr },
    loss: ui.lossKind.value as GanConfig['loss'],
    emaDecay: Number(ui.ema.value),
  }
}

/** Where the chosen dataset comes from, and a key that changes when the choice does. */
function dataChoice(): { key: string; name: string; sources?: { images: Source; labels?: Source } } {
  const v = ui.dataset.value
  if (v === 'files') {
    const { images, labels } = userFiles
    if (!images) return { key: 'files:none', name: 'your files' }
    return {
      key: `files:${images.name}:${images.size}:${labels?.name ?? ''}`,
      name: images.name,
      sources: { images, labels },
    }
  }
  const prefix = v === 'fashion-mnist-test' ? 't10k' : 'train'
  return {
    key: v,
    name: v,
    sources: { images: `data/fashion-mnist/${prefix}-images-idx3-ubyte.gz`, labels: `data/fashion-mnist/${prefix}-labels-idx1-ubyte.gz` },
  }
}

// ---- model and data -------------------------------------------------------------

async function ensureModel(): Promise<WorkerGan> {
  if (!gan) {
    gan = new WorkerGan(configFromControls())
    walkEnds = undefined
    showClassPicker()
  }
  return gan
}

async function ensureData(model: WorkerGan): Promise<WorkerDataset> {
  const choice = dataChoice()
  if (data && data.owner === model && dataKey === choice.key) return data
  if (!choice.sources) throw Object.assign(new Error('choose or drop an IDX image file first'), { code: 'NO_DATA' })
  if (data && data.owner === model) model.unloadData(data)
  data = undefined
  setState('loading', `Loading ${choice.name} in the worker…`)
  const t0 = performance.now()
  const loaded = await model.loadData(choice.sources)
  if (loaded.dim !== model.config.dataDim) {
    throw Object.assign(
      new Error(`this model draws ${model.config.dataDim} pixels per image, but ${choice.name} has ${loaded.height}×${loaded.width}`),
      {
        code: 'SHAPE',
      },
    )
  }
  data = loaded
  dataKey = choice.key
  ui.dataStatus.textContent = `${fmt.format(loaded.count)} images of ${loaded.height}×${loaded.width}${loaded.classes ? `, ${loaded.classes} classes` : ''}; decoded in the worker in ${((performance.now() - t0) / 1000).toFixed(1)} s`
  return loaded
}

function showClassPicker(): void {
  // Conditional models (a class per sample) are not in the package yet; the
  // picker appears once a model's config says it has classes.
  const classes = (gan?.config as { classes?: number } | undefined)?.classes ?? 0
  ui.classPicker.hidden = !(classes > 0)
  if (classes > 0 && ui.classSelect.options.length !== classes) {
    ui.classSelect.replaceChildren(...Array.from({ length: classes }, (_, i) => new Option(String(i), String(i))))
  }
}

// ---- training -------------------------------------------------------------------------

async function train(): Promise<void> {
  try {
    setState('loading', 'Starting the worker…')
    const model = await ensureModel()
    const dataset = await ensureData(model)
    const batchSize = Number(ui.batch.value)
    const target = ui.steps.value ? Math.floor(Number(ui.steps.value)) : undefined
    const steps = target === undefined ? 2 ** 40 : target - model.step
    if (steps <= 0) {
      setState('done', `Already at step ${fmt.format(model.step)}; raise "Stop at step" to train on.`)
      return
    }
    if (batchSize > dataset.count)
      throw Object.assign(new Error(`batch ${batchSize} is larger than the dataset (${dataset.count})`), { code: 'BATCH' })
    ctl = new AbortController()
    rateWindow = []
    longestTask = 0
    trainingSince = performance.now()
    setState('training', `Training on ${fmt.format(dataset.count)} images, batch ${batchSize}…`)
    showMainThread()
    if (!walkEnds) void refreshSamples(model)
    const base = trainedMs
    let last: FitProgress | undefined
    for await (const p of model.fit(dataset, { steps, batchSize, signal: ctl.signal })) {
      last = p
      trainedMs = base + p.elapsedMs
      onProgress(p, batchSize)
    }
    if (last) ui.ips.dataset.fitImagesPerSecond = String(Math.round(last.imagesPerSecond))
    const summary = last
      ? `${fmt.format(last.stepsDone)} steps in ${(last.elapsedMs / 1000).toFixed(1)} s, ${fmt.format(Math.round(last.imagesPerSecond))} images/s.`
      : ''
    await refreshSamples(model, true)
    if (ctl.signal.aborted) setState('paused', `Paused at step ${fmt.format(model.step)}. ${summary}`)
    else setState('done', `Done: step ${fmt.format(model.step)}. ${summary}`)
  } catch (e) {
    fail(e)
  } finally {
    ctl = undefined
    trainingSince = Infinity
  }
}

function onProgress(p: FitProgress, batchSize: number): void {
  history.step.push(p.step)
  history.dLoss.push(p.dLoss)
  history.gLoss.push(p.gLoss)
  history.dReal.push(p.dReal)
  history.dFake.push(p.dFake)
  const now = performance.now()
  rateWindow.push({ t: now, images: p.stepsDone * batchSize * (gan?.config.dSteps ?? 1) })
  while (rateWindow.length > 2 && now - rateWindow[0]!.t > 2000) rateWindow.shift()
  const first = rateWindow[0]!
  const lastW = rateWindow[rateWindow.length - 1]!
  const rate = lastW.t > first.t ? ((lastW.images - first.images) * 1000) / (lastW.t - first.t) : p.imagesPerSecond
  ui.ips.textContent = fmt.format(Math.round(rate))
  ui.step.textContent = fmt.format(p.step)
  ui.step.dataset.value = String(p.step)
  ui.epoch.textContent = String(p.epoch)
  ui.elapsed.textContent = clock(trainedMs)
  if (p.warning) {
    // Collapse warnings from fit (the discriminator wins outright, diversity falls).
    ui.warning.textContent = `Step ${fmt.format(p.step)}: ${p.warning.message}`
    ui.warning.hidden = false
  }
  scheduleCharts()
  if (gan && now - lastPreview > 300) void refreshSamples(gan)
}

// ---- drawing ----------------------------------------------------------------------------

let chartsPending = false
let chartsDrawnAt = 0
/** Redraws the charts on the next frame, at most four times a second: they change slowly. */
function scheduleCharts(): void {
  if (chartsPending) return
  chartsPending = true
  const wait = Math.max(0, chartsDrawnAt + 250 - performance.now())
  setTimeout(() => requestAnimationFrame(drawCharts), wait)
}

function drawCharts(): void {
  chartsPending = false
  chartsDrawnAt = performance.now()
  drawChart(ui.loss, history.step, [
    { values: history.dLoss, color: '#f5a97f' },
    { values: history.gLoss, color: '#7ee0c3' },
  ])
  drawChart(
    ui.prob,
    history.step,
    [
      { values: history.dReal, color: '#8aadf4' },
      { values: history.dFake, color: '#f5bde6' },
    ],
    { yRange: [0, 1], guides: [0.5] },
  )
}

function paint(canvas: HTMLCanvasElement, images: Float32Array, count: number, columns: number): void {
  const grid = imageGrid(images, count, { columns, padding: 2, background: 24 })
  if (canvas.width !== grid.width || canvas.height !== grid.height) {
    canvas.width = grid.width
    canvas.height = grid.height
  }
  canvas.getContext('2d')!.putImageData(new ImageData(toRgba(grid.pixels), grid.width, grid.height), 0, 0)
}

let lastPreview = 0
let previewing: Promise<void> | undefined
/**
 * Asks the worker for the grid and the walk; answered between two chunks of
 * training. While one preview is in flight, a live preview is skipped, but a
 * `final` one (after training stops) waits for it and draws again, so the
 * page never ends on the grid of an earlier step.
 */
async function refreshSamples(model: WorkerGan, final = false): Promise<void> {
  for (let inFlight = previewing; inFlight !== undefined; inFlight = previewing) {
    if (!final) return
    await inFlight
  }
  const run = drawSamples(model)
  previewing = run
  try {
    await run
  } finally {
    previewing = undefined
  }
}

async function drawSamples(model: WorkerGan): Promise<void> {
  lastPreview = performance.now()
  try {
    const images = await model.sample(GRID_COUNT, { seed: GRID_SEED })
    if (model !== gan) return
    paint(ui.grid, images, GRID_COUNT, 8)
    ui.sampleStep.textContent = `step ${fmt.format(model.step)}`
    ui.grid.dataset.step = String(model.step)
    await drawWalk(model)
  } catch (e) {
    if ((e as { code?: string }).code !== 'E_DISPOSED') fail(e)
  }
}

let walkBusy = false
let walkAgain = false
async function drawWalk(model: WorkerGan): Promise<void> {
  if (walkBusy) {
    walkAgain = true
    return
  }
  walkBusy = true
  try {
    do {
      walkAgain = false
      const { latent, latentDistribution } = model.config
      if (!walkEnds) {
        walkEnds = {
          a: latentPoints(WALK_COUNT, latent, 11, latentDistribution),
          b: latentPoints(WALK_COUNT, latent, 12, latentDistribution),
          spherical: latentDistribution === 'normal',
        }
      }
      const t = Number(ui.walkT.value) / 1000
      const z = interpolate(walkEnds.a, walkEnds.b, latent, t, walkEnds.spherical)
      const images = await model.sample(WALK_COUNT, { z })
      if (model !== gan) return
      paint(ui.walk, images, WALK_COUNT, WALK_COUNT)
    } while (walkAgain)
  } finally {
    walkBusy = false
  }
}

let playing = 0
function toggleWalk(): void {
  if (playing) {
    cancelAnimationFrame(playing)
    playing = 0
    ui.walkPlay.textContent = 'play'
    return
  }
  ui.walkPlay.textContent = 'stop'
  let dir = 1
  const tick = () => {
    let v = Number(ui.walkT.value) + dir * 6
    if (v >= 1000 || v <= 0) dir = -dir
    v = Math.min(1000, Math.max(0, v))
    ui.walkT.value = String(v)
    if (gan) void drawWalk(gan)
    playing = requestAnimationFrame(tick)
  }
  playing = requestAnimationFrame(tick)
}

function clearView(): void {
  ui.warning.hidden = true
  for (const k of Object.keys(history) as (keyof typeof history)[]) history[k] = []
  trainedMs = 0
  ui.ips.textContent = '–'
  ui.step.textContent = '0'
  ui.epoch.textContent = '0'
  ui.elapsed.textContent = '0:00'
  ui.sampleStep.textContent = 'step 0'
  for (const c of [ui.grid, ui.walk]) c.getContext('2d')!.clearRect(0, 0, c.width, c.height)
  scheduleCharts()
}

// ---- controls ------------------------------------------------------------------------------

async function stopTraining(): Promise<void> {
  if (ctl) {
    setState('pausing', 'Pausing at the next step boundary…')
    ctl.abort()
  }
  await running
}

ui.start.addEventListener('click', () => {
  running = train()
})

ui.pause.addEventListener('click', () => void stopTraining())

ui.reset.addEventListener('click', async () => {
  // "Reset": a new model from the controls.
  await stopTraining()
  gan?.dispose()
  gan = undefined
  data = undefined
  walkEnds = undefined
  clearView()
  showClassPicker()
  setState('idle', 'Reset: choose the seed and model, then press Start.')
})

ui.download.addEventListener('click', async () => {
  if (!gan) return
  try {
    const choice = dataChoice()
    // Only deterministic facts in the meta, so the file is the same bytes a
    // script gets from gan.save({ dataset }) after the same steps.
    const bytes = await gan.save({ dataset: choice.name })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }))
    a.download = `wasmgan-${choice.name.replace(/[^\w.-]+/g, '_')}-seed${gan.config.seed}-step${gan.step}.wgan`
    document.body.append(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  } catch (e) {
    fail(e)
  }
})

ui.upload.addEventListener('click', () => ui.checkpointFile.click())
ui.checkpointFile.addEventListener('change', () => {
  const file = ui.checkpointFile.files?.[0]
  ui.checkpointFile.value = ''
  if (file) void loadCheckpoint(file)
})

async function loadCheckpoint(file: File): Promise<void> {
  try {
    await stopTraining()
    setState('loading', `Loading ${file.name}…`)
    const next = await WorkerGan.load(new Uint8Array(await file.arrayBuffer()))
    gan?.dispose()
    gan = next
    data = undefined
    walkEnds = undefined
    clearView()
    const c = next.config
    ui.seed.value = String(c.seed)
    const hidden = c.generator.join(',')
    if (![...ui.hidden.options].some((o) => o.value === hidden)) ui.hidden.add(new Option(c.generator.join(' × '), hidden))
    ui.hidden.value = hidden
    ui.lr.value = String(c.generatorOptimizer.lr)
    ui.lossKind.value = c.loss
    const ema = String(c.emaDecay)
    if (![...ui.ema.options].some((o) => o.value === ema)) ui.ema.add(new Option(`G average (${ema})`, ema))
    ui.ema.value = ema
    const dataset = next.meta?.dataset
    if (dataset === 'fashion-mnist' || dataset === 'fashion-mnist-test') ui.dataset.value = dataset
    trainedMs = 0
    ui.step.textContent = fmt.format(next.step)
    ui.epoch.textContent = String(next.metrics.epoch)
    ui.elapsed.textContent = clock(trainedMs)
    showClassPicker()
    await refreshSamples(next)
    setState('paused', `Loaded ${file.name} at step ${fmt.format(next.step)}. Resume to train on.`)
  } catch (e) {
    fail(e)
  }
}

async function takeFiles(files: File[]): Promise<void> {
  const notes: string[] = []
  for (const file of files) {
    const k = await classify(file)
    if (k.kind === 'checkpoint') {
      await loadCheckpoint(file)
      return
    }
    if (k.kind === 'images') {
      userFiles.images = file
      notes.push(`${file.name}: ${fmt.format(k.count)} images of ${k.height}×${k.width}`)
    } else if (k.kind === 'labels') {
      userFiles.labels = file
      notes.push(`${file.name}: ${fmt.format(k.count)} labels`)
    } else notes.push(`${file.name} skipped: ${k.reason}`)
  }
  if (userFiles.images) ui.dataset.value = 'files'
  ui.dataStatus.textContent = notes.join(' · ') || 'No files.'
}

ui.pick.addEventListener('click', () => ui.files.click())
ui.drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') ui.files.click()
})
ui.files.addEventListener('change', () => {
  const files = [...(ui.files.files ?? [])]
  ui.files.value = ''
  void takeFiles(files)
})
// The whole page accepts drops; the drop zone shows where.
document.addEventListener('dragover', (e) => {
  e.preventDefault()
  ui.drop.classList.add('over')
})
document.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) ui.drop.classList.remove('over')
})
document.addEventListener('drop', (e) => {
  e.preventDefault()
  ui.drop.classList.remove('over')
  const files = [...(e.dataTransfer?.files ?? [])]
  if (files.length && state !== 'loading' && state !== 'training' && state !== 'pausing') void takeFiles(files)
})

ui.dataset.addEventListener('change', () => {
  if (ui.dataset.value === 'files' && !userFiles.images) ui.dataStatus.textContent = 'Drop or choose an IDX image file (and its labels).'
  else if (ui.dataset.value !== 'files') ui.dataStatus.textContent = 'Fashion-MNIST, served by this page.'
})

ui.walkT.addEventListener('input', () => {
  if (gan) void drawWalk(gan)
})
ui.walkPlay.addEventListener('click', toggleWalk)

// ---- main-thread health: the proof that training does not block the page ---------------

if (typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.startTime >= trainingSince) longestTask = Math.max(longestTask, e.duration)
    if (state === 'training') showMainThread()
  }).observe({ type: 'longtask' })
}
function showMainThread(): void {
  ui.badgeMain.textContent = longestTask ? `main thread: longest task ${Math.round(longestTask)} ms` : 'main thread: no long tasks'
  ui.badgeMain.className = longestTask > 100 ? 'bad' : 'good'
}

// ---- start ----------------------------------------------------------------------------------

const params = new URLSearchParams(location.search)
for (const [key, el] of [
  ['data', ui.dataset],
  ['seed', ui.seed],
  ['batch', ui.batch],
  ['hidden', ui.hidden],
  ['lr', ui.lr],
  ['loss', ui.lossKind],
  ['ema', ui.ema],
  ['steps', ui.steps],
] as const) {
  const v = params.get(key)
  if (v !== null) el.value = v
}
ui.badgeSimd.textContent = simdSupported() ? 'wasm SIMD' : 'wasm (scalar)'
ui.badgeSimd.className = simdSupported() ? 'good' : ''
setState('idle', 'Ready. Press Start to train a GAN on Fashion-MNIST.')
observeCanvas(ui.loss, scheduleCharts)
observeCanvas(ui.prob, scheduleCharts)
scheduleCharts()
if (state === 'idle' && params.get('autostart') === '1') running = train()
