/**
 * The class-accuracy part of a conditional run's report: the fraction of
 * samples the score classifier assigns to the class they were generated
 * for, at every snapshot, with that classifier's own held-out accuracy
 * beside it (the ceiling a perfect generator would reach, roughly).
 */

import { lineChart } from './curves.js'
import { ACCURACY_SAMPLES } from './train-conditional.js'
import type { RunConfig } from './run-config.js'
import type { MetricsLine } from './run-folder.js'

const pct = (v: number) => `${(100 * v).toFixed(1)}%`

/** An HTML section: the latest class accuracy, a small SVG curve and the per-snapshot values. */
export function classAccuracySection(config: RunConfig, metrics: MetricsLine[], classifierAccuracy: number): string {
  const points = metrics.filter((m) => typeof m.classAccuracy === 'number')
  const last = points[points.length - 1]
  const head = last
    ? `<p><b>Class accuracy ${pct(last.classAccuracy!)}</b> at step ${last.step.toLocaleString('en-US')}: of ${ACCURACY_SAMPLES} samples in equal shares of the ${config.model.classes} classes, the fraction that the library's classifier assigns to the class asked for. That classifier classifies ${pct(classifierAccuracy)} of held-out real images correctly.</p>`
    : `<p>No class accuracy yet (it is measured at every snapshot). The classifier that measures it classifies ${pct(classifierAccuracy)} of held-out real images correctly.</p>`
  const dashed = points.length > 1 ? " The dashed line is the classifier's own held-out accuracy." : ''
  return `<h2>Class accuracy</h2>${head}${curve(points)}<p class="note">Conditioning: ${config.model.conditioning}.${dashed}</p>`
}

/** Class accuracy over steps, with the classifier's own held-out accuracy as a flat reference line. */
function curve(points: MetricsLine[]): string {
  if (points.length < 2) return ''
  const clf = points[points.length - 1]!.classifierAccuracy
  const steps = [points[0]!.step, points[points.length - 1]!.step]
  return lineChart({
    title: 'Class accuracy (fraction of samples of the class asked for)',
    xLabel: 'step',
    yRange: [0, 1],
    series: [
      { name: 'class accuracy', color: '#1a73e8', points: points.map((p) => [p.step, p.classAccuracy!] as [number, number]) },
      ...(typeof clf === 'number'
        ? [{ name: 'classifier', color: '#999', dashed: true, points: steps.map((x) => [x, clf] as [number, number]) }]
        : []),
    ],
  })
}
