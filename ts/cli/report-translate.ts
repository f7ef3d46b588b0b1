/**
 * index.html of a translation run: held-out source | output | target
 * triplets, held-out L1 and PSNR next to the two baselines on the same
 * pairs (copying the input; the same generator trained with L1 alone for as
 * many steps), the scores over time, and the config. Self-contained, like
 * the GAN report.
 */

import type { TranslationScore } from '../pairs.js'
import { describeStop } from './run-config.js'
import type { TranslateRunConfig } from './translate-run.js'

/** One line of a translation run's metrics.jsonl: training means over steps from+1…step, held-out scores at step. */
export interface TranslateMetrics {
  step: number
  epoch: number
  from: number
  dLoss: number
  gAdversarial: number
  /** Mean training L1 ([-1, 1] scale) over the interval. */
  l1: number
  /** Held-out mean absolute error, pixels in [0, 1]. */
  heldOutL1: number
  /** Held-out PSNR (dB). */
  heldOutPsnr: number
  seconds: number
}

/** The L1-only baseline (baseline.json). */
export interface BaselineResult {
  steps: number
  l1: number
  psnr: number
  seconds: number
}

/** Everything the page shows. */
export interface TranslateReportInput {
  config: TranslateRunConfig
  metrics: TranslateMetrics[]
  copy: TranslationScore
  baseline?: BaselineResult
  latest?: Uint8Array
  snapshots: { step: number; png: Uint8Array }[]
  status: 'running' | 'done' | 'interrupted'
  signal?: string
  step: number
  seconds: number
  resumeCommand: string
  simd: boolean
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const dataUrl = (png: Uint8Array) => `data:image/png;base64,${Buffer.from(png).toString('base64')}`
const int = (v: number) => Math.round(v).toLocaleString('en-US')
const table = (rows: [string, string][]) => `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1180px;padding:20px 28px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 12px} .status{padding:8px 12px;border-radius:6px;margin:10px 0}
.done{background:#e6f4ea} .running{background:#e8f0fe} .stopped{background:#fef7e0}
table{border-collapse:collapse;font-size:14px} th{text-align:left;font-weight:600;padding:3px 14px 3px 0;color:#444;vertical-align:top} td{padding:3px 14px 3px 0}
.top{display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start}
img.px{image-rendering:pixelated;image-rendering:crisp-edges;background:#fff;border:1px solid #ddd}
.timeline{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px}
.timeline figure{margin:0} .timeline img{width:100%} figcaption{font-size:12px;color:#555;text-align:center}
.note{font-size:13px;color:#555;max-width:820px} code{background:#eee;padding:1px 4px;border-radius:3px}
`

const TASK_TEXT: Record<TranslateRunConfig['data']['task'], string> = {
  edges: 'an edge map of an image → the image',
  inpaint: 'an image with a masked square → the whole image',
  upscale: 'an image 4× downsampled (shown blocky) → the image',
  pairs: 'your source images → your target images',
}

function statusBlock(r: TranslateReportInput): string {
  if (r.status === 'done') return `<p class="status done">Finished: ${int(r.step)} steps.</p>`
  if (r.status === 'interrupted') {
    return `<p class="status stopped">Interrupted by ${esc(r.signal ?? 'a signal')} at step ${int(r.step)}; the checkpoint was saved. Continue with <code>${esc(r.resumeCommand)}</code></p>`
  }
  return `<p class="status running">Training: this page was written at step ${int(r.step)} and is rewritten at every snapshot.</p>`
}

function scores(r: TranslateReportInput): string {
  const last = r.metrics[r.metrics.length - 1]
  const row = (name: string, l1: number, psnr: number, note: string) =>
    `<tr><td>${name}</td><td>${l1.toFixed(4)}</td><td>${psnr.toFixed(2)} dB</td><td class="note">${note}</td></tr>`
  const rows = [
    last ? row('<b>this model</b> (adversarial + λ·L1)', last.heldOutL1, last.heldOutPsnr, `at step ${int(last.step)}`) : '',
    row('copy the input', r.copy.l1, r.copy.psnr, 'the source itself as the output'),
    r.baseline
      ? row(
          'L1 alone',
          r.baseline.l1,
          r.baseline.psnr,
          `the same generator trained with L1 alone for the same ${int(r.baseline.steps)} steps`,
        )
      : `<tr><td>L1 alone</td><td colspan="3" class="note">${r.config.run.l1Baseline ? 'trained when the run finishes' : 'skipped (--no-l1-baseline)'}</td></tr>`,
  ]
  let verdict = ''
  if (last) {
    const beats = (l1: number, psnr: number) =>
      last.heldOutL1 < l1 && last.heldOutPsnr > psnr
        ? 'beats'
        : last.heldOutL1 < l1 || last.heldOutPsnr > psnr
          ? 'partly beats'
          : 'does not beat'
    verdict = `<p>This model ${beats(r.copy.l1, r.copy.psnr)} copying the input on both scores${
      r.baseline ? `, and ${beats(r.baseline.l1, r.baseline.psnr)} L1 alone` : ''
    }. Lower L1 and higher PSNR are better; L1-trained models are favoured by these pixel scores, the adversarial term buys sharpness they do not reward.</p>`
  }
  return `<table><tr><th>on ${int(r.config.data.heldOut)} held-out pairs</th><th>L1</th><th>PSNR</th><th></th></tr>${rows.join('')}</table>${verdict}`
}

function overTime(metrics: TranslateMetrics[]): string {
  if (!metrics.length) return '<p>No snapshot yet.</p>'
  const rows = metrics
    .map(
      (m) =>
        `<tr><td>${int(m.step)}</td><td>${m.seconds.toFixed(1)} s</td><td>${m.l1.toFixed(4)}</td><td>${m.dLoss.toFixed(3)}</td><td>${m.heldOutL1.toFixed(4)}</td><td>${m.heldOutPsnr.toFixed(2)}</td></tr>`,
    )
    .join('')
  return `<table><tr><th>step</th><th>time</th><th>train L1 (−1..1)</th><th>D loss</th><th>held-out L1</th><th>held-out PSNR (dB)</th></tr>${rows}</table>`
}

/** The report page as one HTML string. */
export function buildTranslateReport(r: TranslateReportInput): string {
  const c = r.config
  const m = c.model
  const title = `wasmgan translation run: ${c.data.task}`
  const latest = r.latest
    ? `<figure style="margin:0"><img class="px" src="${dataUrl(r.latest)}" width="${Math.min(720, 6 * c.data.width * 4)}" alt="held-out triplets"><figcaption>held-out images at step ${int(r.step)}: each row holds two triplets, source | output | target</figcaption></figure>`
    : '<p>No triplets yet.</p>'
  const timeline = r.snapshots.length
    ? `<div class="timeline">${r.snapshots.map((s) => `<figure><img class="px" src="${dataUrl(s.png)}" alt="step ${s.step}"><figcaption>step ${int(s.step)}</figcaption></figure>`).join('')}</div>`
    : '<p>No snapshot yet.</p>'
  const opt = (o: typeof m.generatorOptimizer) => `${o.type}, lr ${o.lr}, β₁ ${o.beta1}, β₂ ${o.beta2}`
  const dim = m.width * m.height
  const config = table([
    ['task', `${esc(c.data.task)}: ${esc(TASK_TEXT[c.data.task])}${c.data.task === 'inpaint' ? ` (mask ${m.mask}×${m.mask})` : ''}`],
    ['data', esc(c.data.description)],
    ['pairs', `${int(c.data.count)} for training, ${int(c.data.heldOut)} held out`],
    [
      'generator',
      `${dim}${m.noise ? ` + ${m.noise} noise` : ''} → ${m.generator.join(' → ')} → ${dim}${m.residual ? ' (predicts a correction to the source)' : ''}`,
    ],
    ['discriminator', `${2 * dim} (source, image) → ${m.discriminator.join(' → ')} → 1`],
    ['loss', `${m.adversarialWeight} × adversarial + ${m.l1Weight} × L1`],
    ['G optimizer', opt(m.generatorOptimizer)],
    ['D optimizer', opt(m.discriminatorOptimizer)],
    ['seed', String(m.seed)],
    ['batch', String(c.run.batch)],
    ['stop', esc(describeStop(c.run.stop))],
    ['snapshot every', `${c.run.every} steps`],
    ['data digest', `<code>sha256:${esc(c.data.digest.slice(0, 16))}…</code>`],
    ['created with', `wasmgan ${esc(c.createdWith.wasmgan)}, checkpoint format ${c.createdWith.checkpointFormat}`],
  ])
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="sub">Image-to-image translation, pix2pix-style: a generator maps ${esc(TASK_TEXT[c.data.task])}; a discriminator judges (source, image) pairs; the generator's loss is adversarial + λ·L1.</p>
${statusBlock(r)}
<div class="top">
<div><h2>Held-out triplets</h2>${latest}</div>
<div><h2>Held-out scores</h2>${scores(r)}
${table([
  ['steps', `${int(r.step)} (batch ${c.run.batch})`],
  ['training time', `${r.seconds.toFixed(1)} s (${r.simd ? 'WebAssembly SIMD' : 'scalar WebAssembly'})`],
])}</div>
</div>
<h2>Scores over time</h2>
${overTime(r.metrics)}
<p class="note">Pixels are scaled to [0, 1] for the held-out scores; L1 is the mean absolute error per pixel, PSNR is 10·log10(1 / MSE).</p>
<h2>Triplets over time</h2>
${timeline}
<h2>Config</h2>
${config}
<p class="note">Written ${new Date().toISOString().replace('T', ' ').slice(0, 19)} UTC at step ${int(r.step)}.</p>
</body></html>
`
}
