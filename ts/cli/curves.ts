/**
 * Line charts as plain SVG text: the loss curves and the discriminator's
 * outputs over training. No chart library: an SVG is a few dozen elements,
 * it embeds in the HTML report as it is, and it opens in any browser.
 */

import type { MetricsLine } from './run-folder.js'

/** One line of a chart. */
export interface Series {
  name: string
  color: string
  /** [x, y] points in increasing x. */
  points: [number, number][]
  /** Draw dashed (for reference lines). */
  dashed?: boolean
}

/** What {@link lineChart} draws. */
export interface ChartSpec {
  title: string
  xLabel: string
  series: Series[]
  /** Fixed y range; default: the data's range with a margin. */
  yRange?: [number, number]
  width?: number
  height?: number
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

function label(v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1e4) return `${Number((v / 1000).toPrecision(3))}k`
  return String(Number(v.toPrecision(3)))
}

/** One chart as an `<svg>` element (no XML prolog, so it can be inlined in HTML). */
export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 560
  const H = spec.height ?? 260
  const m = { l: 48, r: 12, t: 44, b: 40 }
  const pw = W - m.l - m.r
  const ph = H - m.t - m.b
  const all = spec.series.flatMap((s) => s.points)
  const xs = all.map((p) => p[0])
  const ys = all.map((p) => p[1]).filter(Number.isFinite)
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1]
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1]
  let [y0, y1] = spec.yRange ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1])
  if (!spec.yRange) {
    const pad = (y1 - y0) * 0.08 || Math.abs(y0) * 0.1 || 1
    ;[y0, y1] = [y0 - pad, y1 + pad]
    if (Math.min(...ys) >= 0 && y0 < 0) y0 = 0
  }
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw
  const sy = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph
  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.l}" y="16" font-size="13" font-weight="600">${esc(spec.title)}</text>`,
  )
  for (const t of ticks(y0, y1)) {
    const y = sy(t).toFixed(1)
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`)
    parts.push(`<text x="${m.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#555">${label(t)}</text>`)
  }
  for (const t of ticks(x0, x1, 6)) {
    const x = sx(t).toFixed(1)
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#888"/>`)
    parts.push(`<text x="${x}" y="${m.t + ph + 16}" text-anchor="middle" fill="#555">${label(t)}</text>`)
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`)
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle" fill="#333">${esc(spec.xLabel)}</text>`)
  let lx = m.l + pw
  for (const s of [...spec.series].reverse()) {
    const w = 26 + s.name.length * 6.2
    lx -= w
    // The legend has its own row under the title, so a long title never runs into it.
    parts.push(
      `<line x1="${lx}" x2="${lx + 16}" y1="32" y2="32" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${lx + 20}" y="32" dominant-baseline="middle" fill="#333">${esc(s.name)}</text>`,
    )
  }
  for (const s of spec.series) {
    const pts = s.points.filter((p) => Number.isFinite(p[1]))
    if (pts.length === 0) continue
    if (pts.length === 1) {
      parts.push(`<circle cx="${sx(pts[0]![0]).toFixed(1)}" cy="${sy(pts[0]![1]).toFixed(1)}" r="3" fill="${s.color}"/>`)
      continue
    }
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)} ${sy(p[1]).toFixed(1)}`).join('')
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
    )
  }
  parts.push('</svg>')
  return parts.join('\n')
}

/** The two charts of a run: losses, and D's outputs on real and generated images. */
export function runCharts(metrics: MetricsLine[], loss: 'bce' | 'hinge' | 'least-squares' = 'bce'): { losses: string; outputs: string } {
  const pts = (k: keyof MetricsLine) => metrics.map((m) => [m.step, m[k]] as [number, number])
  const steps = metrics.map((m) => m.step)
  const losses = lineChart({
    title: 'Losses (mean over each snapshot interval)',
    xLabel: 'step',
    series: [
      { name: 'D loss', color: '#1f77b4', points: pts('dLoss') },
      { name: 'G loss', color: '#d62728', points: pts('gLoss') },
    ],
  })
  const edge = steps.length ? [Math.min(...steps), Math.max(...steps)] : [0, 1]
  const outputs = lineChart({
    title: 'Discriminator outputs: D(x) on real, D(G(z)) on generated',
    xLabel: 'step',
    // Probabilities under BCE and hinge; raw scores (aimed at 1 and 0) under least squares.
    ...(loss !== 'least-squares' && { yRange: [0, 1] as [number, number] }),
    series: [
      { name: 'D(x)', color: '#2ca02c', points: pts('dReal') },
      { name: 'D(G(z))', color: '#ff7f0e', points: pts('dFake') },
      {
        name: '0.5',
        color: '#999',
        dashed: true,
        points: [
          [edge[0]!, 0.5],
          [edge[1]!, 0.5],
        ],
      },
    ],
  })
  return { losses, outputs }
}

/** curves.svg: both charts stacked in one standalone SVG file. */
export function curvesSvg(metrics: MetricsLine[], loss?: 'bce' | 'hinge' | 'least-squares'): string {
  const { losses, outputs } = runCharts(metrics, loss)
  const inner = (svg: string, y: number) => svg.replace('<svg ', `<svg y="${y}" `)
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 560 520" width="560" height="520">\n` +
    inner(losses, 0) +
    '\n' +
    inner(outputs, 260) +
    '\n</svg>\n'
  )
}
