/**
 * The quality score over training, for the report page and score.svg: the
 * Fréchet distance that `snapshot-score.ts` adds to every metrics line,
 * plotted over steps, and the latest score in words.
 */

import { lineChart } from './curves.js'
import type { MetricsLine } from './run-folder.js'

/** The metrics lines that carry a score (a run on unlabelled data has none). */
function scored(metrics: MetricsLine[]): MetricsLine[] {
  return metrics.filter((m) => Number.isFinite(m.fd))
}

/** The FD chart as an inline `<svg>`, or undefined when no snapshot was scored. */
export function scoreChart(metrics: MetricsLine[]): string | undefined {
  const lines = scored(metrics)
  if (lines.length === 0) return undefined
  return lineChart({
    title: 'Quality: Fréchet distance to held-out images (lower is better)',
    xLabel: 'step',
    series: [{ name: 'FD', color: '#9467bd', points: lines.map((m) => [m.step, m.fd!] as [number, number]) }],
  })
}

/** score.svg: the chart as a standalone file, or undefined when no snapshot was scored. */
export function scoreSvg(metrics: MetricsLine[]): string | undefined {
  const chart = scoreChart(metrics)
  return chart && `<?xml version="1.0" encoding="UTF-8"?>\n${chart}\n`
}

/** The report's quality section (heading, chart, latest score), or '' when no snapshot was scored. */
export function scoreSection(metrics: MetricsLine[], esc: (s: string) => string): string {
  const chart = scoreChart(metrics)
  const lines = scored(metrics)
  const last = lines[lines.length - 1]
  if (!chart || !last) return ''
  const best = lines.reduce((b, m) => (m.fd! < b.fd! ? m : b))
  const words =
    `At step ${last.step.toLocaleString('en-US')}: FD ${last.fd!.toFixed(2)}, classes covered ${last.classesCovered}/${last.classes} ` +
    `(evenness ${last.evenness?.toFixed(2)}); lowest FD ${best.fd!.toFixed(2)} at step ${best.step.toLocaleString('en-US')}.`
  return (
    `<h2>Quality</h2>\n<div class="charts">${chart}</div>\n<p class="note">${esc(words)} ` +
    `${esc(`Each snapshot scores ${last.scoreSamples} samples from a fixed seed against as many held-out images, in the feature space of the library's classifier (cached per dataset; the same score as \`wasmgan eval\`, which uses 2000 samples). Scoring took ${last.scoreSeconds?.toFixed(2)} s of this snapshot.`)}</p>`
  )
}
