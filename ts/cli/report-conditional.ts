/**
 * The class-accuracy part of a conditional run's report: the fraction of
 * samples the score classifier assigns to the class they were generated
 * for, at every snapshot, with that classifier's own held-out accuracy
 * beside it (the ceiling a perfect generator would reach, roughly).
 */

import type { RunConfig } from './run-config.js'
import type { MetricsLine } from './run-folder.js'

const pct = (v: number) => `${(100 * v).toFixed(1)}%`

/** An HTML section: the latest class accuracy, a small SVG curve and the per-snapshot values. */
export function classAccuracySection(config: RunConfig, metrics: MetricsLine[], classifierAccuracy: number): string {
  const points = metrics.filter((m) => typeof m.classAccuracy === 'number')
  const last = points[points.length - 1]
  const head = last
    ? `<p><b>Class accuracy ${pct(last.classAccuracy!)}</b> at step ${last.step.toLocaleString('en-US')}: of 2000 samples in equal shares of the ${config.model.classes} classes, the fraction that the library's classifier assigns to the class asked for. That classifier classifies ${pct(classifierAccuracy)} of held-out real images correctly.</p>`
    : `<p>No class accuracy yet (it is measured at every snapshot). The classifier that measures it classifies ${pct(classifierAccuracy)} of held-out real images correctly.</p>`
  const dashed = points.length > 1 ? " The dashed line is the classifier's own held-out accuracy." : ''
  return `<h2>Class accuracy</h2>${head}${curve(points)}<p class="note">Conditioning: ${config.model.conditioning}.${dashed}</p>`
}

function curve(points: MetricsLine[]): string {
  if (points.length < 2) return ''
  const w = 480
  const h = 180
  const pad = 32
  const maxStep = points[points.length - 1]!.step || 1
  const x = (s: number) => pad + ((w - 2 * pad) * s) / maxStep
  const y = (v: number) => h - pad + -(h - 2 * pad) * v
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(p.classAccuracy!).toFixed(1)}`).join('')
  const clf = points[points.length - 1]!.classifierAccuracy
  const ref =
    typeof clf === 'number' ? `<line x1="${pad}" x2="${w - pad}" y1="${y(clf)}" y2="${y(clf)}" stroke="#999" stroke-dasharray="4 3"/>` : ''
  const ticks = [0, 0.5, 1].map((v) => `<text x="${pad - 4}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v * 100}%</text>`).join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" style="border:1px solid #ddd;background:#fff">${ticks}${ref}<path d="${path}" fill="none" stroke="#1a73e8" stroke-width="2"/><text x="${w - pad}" y="${h - 8}" font-size="11" text-anchor="end">step ${maxStep.toLocaleString('en-US')}</text></svg>`
}
