/**
 * index.html: the run on one page, with every image embedded (PNG data URLs,
 * inline SVG) so the file can be opened, mailed or archived on its own. It
 * shows the final samples, the curves, the grids over time and the config,
 * and says whether the run finished, is still going, or was interrupted (and
 * how to resume it).
 */

import { runCharts } from './curves.js'
import { classAccuracySection } from './report-conditional.js'
import { describeStop, type RunConfig } from './run-config.js'
import { scoreSection } from './score-plot.js'
import { LAYOUT, type MetricsLine, type RunState } from './run-folder.js'

/** Everything the page shows. */
export interface ReportInput {
  config: RunConfig
  metrics: MetricsLine[]
  /** Snapshot grids over time to show, by step. */
  snapshots: { step: number; png: Uint8Array }[]
  /** Snapshots taken in all (when more were taken than shown). */
  snapshotCount?: number
  /** The larger grid at the last saved step. */
  latest?: { step: number; png: Uint8Array; count: number }
  status: RunState['status']
  signal?: string
  step: number
  epoch: number
  images: number
  /** Wall time of training over all sessions (s), snapshots included. */
  seconds: number
  /** The part of `seconds` spent training (not writing snapshots). */
  trainSeconds: number
  /** Training problems reported so far. */
  warnings: { step: number; kind: string; message: string }[]
  /** The command that continues this run. */
  resumeCommand: string
  /** Whether the simd128 build ran. */
  simd: boolean
  /** A conditional run: the held-out accuracy of the classifier that scores its class accuracy. */
  conditional?: { classifierAccuracy: number }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const dataUrl = (png: Uint8Array) => `data:image/png;base64,${Buffer.from(png).toString('base64')}`
const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–')
/** The width stored in a PNG's IHDR chunk (bytes 16–19, big-endian). */
const pngWidth = (png: Uint8Array) => new DataView(png.buffer, png.byteOffset, png.byteLength).getUint32(16, false)
const int = (v: number) => Math.round(v).toLocaleString('en-US')

/** "1 min 3 s", "42.1 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const m = Math.floor(seconds / 60)
  const s = Math.round(seconds - m * 60)
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`
}

/** Up to `max` items, evenly spaced, keeping the first and the last. */
export function evenly<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items
  const out: T[] = []
  for (let i = 0; i < max; i++) out.push(items[Math.round((i * (items.length - 1)) / (max - 1))]!)
  return out
}

function classList(c: RunConfig): string {
  const names = c.model.classNames ?? []
  return Array.from({ length: c.model.classes }, (_, i) => names[i] ?? String(i)).join(', ')
}

function datasetName(c: RunConfig): string {
  const r = c.dataset.ref
  if (r.name === 'custom') return `${r.images} in ${r.dir}`
  return r.name === 'fashion-mnist' ? 'Fashion-MNIST' : 'MNIST'
}

function statusBlock(r: ReportInput): string {
  if (r.status === 'done') return `<p class="status done">Finished: ${int(r.step)} steps.</p>`
  if (r.status === 'interrupted') {
    return (
      `<p class="status stopped">Interrupted by ${esc(r.signal ?? 'a signal')} at step ${int(r.step)}; the checkpoint was saved. ` +
      `Continue with <code>${esc(r.resumeCommand)}</code></p>`
    )
  }
  return `<p class="status running">Training: this page was written at step ${int(r.step)} and is rewritten at every snapshot.</p>`
}

function facts(r: ReportInput): string {
  const last = r.metrics[r.metrics.length - 1]
  const rows: [string, string][] = [
    [
      'dataset',
      `${esc(datasetName(r.config))}: ${int(r.config.dataset.count)} images of ${r.config.dataset.width}×${r.config.dataset.height}`,
    ],
    ['steps', `${int(r.step)} (batch ${r.config.run.batch}; stop after ${esc(describeStop(r.config.run.stop))})`],
    ['epochs', `${(r.images / r.config.dataset.count).toFixed(2)} passes over the data`],
    ['images seen', int(r.images)],
    ['wall time', `${duration(r.seconds)} (${duration(r.seconds - r.trainSeconds)} of it writing snapshots)`],
    [
      'speed',
      `${int(r.trainSeconds > 0 ? r.images / r.trainSeconds : 0)} images/s while training (${r.simd ? 'WebAssembly SIMD' : 'scalar WebAssembly'})`,
    ],
  ]
  if (last) {
    rows.push(['last losses', `D ${fmt(last.dLoss)}, G ${fmt(last.gLoss)} (mean over steps ${int(last.from + 1)}–${int(last.step)})`])
    rows.push(['last D outputs', `D(x) ${fmt(last.dReal)}, D(G(z)) ${fmt(last.dFake)}`])
  }
  return table(rows)
}

function table(rows: [string, string][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`
}

function configTable(c: RunConfig): string {
  const m = c.model
  const opt = (o: typeof m.generatorOptimizer) => `${o.type}, lr ${o.lr}, β₁ ${o.beta1}, β₂ ${o.beta2}, ε ${o.eps}`
  const rows: [string, string][] = [
    ['generator', `${m.latent} → ${m.generator.join(' → ')} → ${m.dataDim}, LeakyReLU ${m.leakySlope}, ${m.generatorOutput} output`],
    ['discriminator', `${m.dataDim} → ${m.discriminator.join(' → ')} → 1, LeakyReLU ${m.leakySlope}`],
    ['latent z', `${m.latent} values, ${m.latentDistribution}`],
    ['G optimizer', opt(m.generatorOptimizer)],
    ['D optimizer', opt(m.discriminatorOptimizer)],
    ['loss', m.loss],
    ['EMA of G', m.emaDecay > 0 ? `decay ${m.emaDecay} (samples use the averaged weights)` : 'off'],
    ['D steps per G step', String(m.dSteps)],
    ['label smoothing', String(m.labelSmoothing)],
    ['seed', String(m.seed)],
    ['batch', String(c.run.batch)],
    ['stop', esc(describeStop(c.run.stop))],
    ['snapshot every', `${c.run.every} steps`],
    ['grid', `${c.run.sampleCount} samples from fixed z (seed ${c.run.sampleSeed})`],
  ]
  if (c.run.limit !== undefined) rows.push(['limit', `first ${int(c.run.limit)} images`])
  rows.push(['data digest', `<code>sha256:${esc(c.dataset.digest.slice(0, 16))}…</code>`])
  rows.push(['created with', `wasmgan ${esc(c.createdWith.wasmgan)}, checkpoint format ${c.createdWith.checkpointFormat}`])
  return table(rows)
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1180px;padding:20px 28px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 12px} .status{padding:8px 12px;border-radius:6px;margin:10px 0}
.done{background:#e6f4ea} .running{background:#e8f0fe} .stopped{background:#fef7e0}
table{border-collapse:collapse;font-size:14px} th{text-align:left;font-weight:600;padding:3px 14px 3px 0;color:#444;vertical-align:top} td{padding:3px 0}
.top{display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start}
img.px{image-rendering:pixelated;image-rendering:crisp-edges;background:#fff;border:1px solid #ddd}
.charts{display:flex;gap:16px;flex-wrap:wrap} .charts svg{border:1px solid #ddd;max-width:100%;height:auto}
.timeline{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px}
.timeline figure{margin:0} .timeline img{width:100%} figcaption{font-size:12px;color:#555;text-align:center}
.note{font-size:13px;color:#555;max-width:820px} code{background:#eee;padding:1px 4px;border-radius:3px}
`

function lossNote(loss: RunConfig['model']['loss']): string {
  const collapse = 'A D loss falling toward 0 while G loss climbs means the discriminator has won and the generator stopped learning.'
  if (loss === 'bce') {
    return `With the BCE loss a healthy run has D loss settle near 1.0–1.4 and G loss near 0.7–2, and D(x) above D(G(z)) with both away from 0 and 1. ${collapse}`
  }
  if (loss === 'hinge')
    return `Hinge loss: D(x) and D(G(z)) are σ(D's output); D(x) should stay above D(G(z)) with both away from 0 and 1. ${collapse}`
  return 'Least-squares loss: D(x) and D(G(z)) are raw outputs that D pushes toward 1 and 0; a gap that stays open but does not reach 1 and 0 is healthy.'
}

function warningsBlock(warnings: ReportInput['warnings']): string {
  if (warnings.length === 0) return ''
  return `<div class="status stopped"><b>Warnings during training</b><ul>${warnings
    .map((w) => `<li>step ${int(w.step)}: ${esc(w.message)}</li>`)
    .join('')}</ul></div>`
}

/** The report page as one HTML string. */
export function buildReport(r: ReportInput): string {
  const title = `wasmgan run: ${datasetName(r.config)}`
  const { losses, outputs } = runCharts(r.metrics, r.config.model.loss)
  const shown = r.snapshots
  const total = r.snapshotCount ?? shown.length
  const latest = r.latest
    ? `<figure style="margin:0"><img class="px" src="${dataUrl(r.latest.png)}" width="${Math.min(600, 2 * pngWidth(r.latest.png))}" alt="final samples"><figcaption>${r.latest.count} samples at step ${int(r.latest.step)}${r.config.model.emaDecay > 0 ? ", from the generator's averaged (EMA) weights" : ''}</figcaption></figure>`
    : '<p>No samples yet.</p>'
  const timeline = shown.length
    ? `<div class="timeline">${shown
        .map(
          (s) =>
            `<figure><img class="px" src="${dataUrl(s.png)}" alt="step ${s.step}"><figcaption>step ${int(s.step)}</figcaption></figure>`,
        )
        .join('')}</div>` +
      (shown.length < total
        ? `<p class="note">${shown.length} of ${total} snapshots shown; all are in <code>${LAYOUT.samples}/</code>.</p>`
        : '')
    : '<p>No snapshot yet.</p>'
  const files: [string, string][] = [
    [LAYOUT.checkpoint, 'the latest checkpoint: <code>wasmgan sample --model …</code>, <code>wasmgan info …</code>, <code>--resume</code>'],
    [LAYOUT.config, 'the config of this run (also stored in the checkpoint)'],
    [LAYOUT.metrics, 'one JSON line per snapshot'],
    [LAYOUT.curves, 'the curves above as an image'],
    ...(r.metrics.some((m) => Number.isFinite(m.fd)) ? [[LAYOUT.score, 'the quality chart above as an image'] as [string, string]] : []),
    [`${LAYOUT.samples}/`, 'the grid of every snapshot, and latest.png'],
  ]
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="sub">A generative adversarial network: a generator turns random vectors z into images, a discriminator learns to tell them from real ones, and each improves against the other.</p>
${statusBlock(r)}
<div class="top">
<div><h2>Samples now</h2>${latest}</div>
<div><h2>Run</h2>${facts(r)}</div>
</div>
<h2>Curves</h2>
<div class="charts">${losses}${outputs}</div>
<p class="note">${lossNote(r.config.model.loss)}</p>
${warningsBlock(r.warnings)}
${r.conditional ? classAccuracySection(r.config, r.metrics, r.conditional.classifierAccuracy) : ''}
${scoreSection(r.metrics, esc)}
<h2>Grids over time</h2>
<p class="note">Each grid shows the same ${r.config.run.sampleCount} latent vectors${r.conditional ? ` (row r asks for class r: ${esc(classList(r.config))})` : ''} (seed ${r.config.run.sampleSeed}) passed through the generator at that step, so the change from grid to grid is learning alone.</p>
${timeline}
<h2>Config</h2>
${configTable(r.config)}
<h2>Files in this folder</h2>
${table(files.map(([f, what]) => [f, what]))}
<p class="note">Written ${new Date().toISOString().replace('T', ' ').slice(0, 19)} UTC at step ${int(r.step)} (epoch ${r.epoch}).</p>
</body></html>
`
}
