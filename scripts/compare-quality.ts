/**
 * Trains the default classic GAN and one variant per quality option for the
 * same budget on Fashion-MNIST, and prints the quality score of each (the
 * Fréchet distance in the library classifier's feature space; lower is
 * better), plus mode coverage. The README's table comes from this script.
 *
 *   npx tsx scripts/compare-quality.ts [--seconds 60 | --steps N] [--seed 1] [--json out.json]
 *
 * `--seconds` gives every variant the same wall time (the issue's protocol;
 * run it on a quiet machine). `--steps` gives every variant the same number
 * of steps instead, which is fair on a loaded machine because the options
 * cost the same per step (within ~1%).
 */

import { writeFileSync } from 'node:fs'
import { scoreClassifier } from '../ts/cli/classifier-cache.js'
import { evaluate } from '../ts/evaluate.js'
import { Gan, init, loadFashionMnist, type GanConfig } from '../ts/index.js'

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const seconds = flag('--steps') ? undefined : Number(flag('--seconds') ?? 60)
const steps = flag('--steps') ? Number(flag('--steps')) : undefined
const seed = Number(flag('--seed') ?? 1)
const batch = 64

const VARIANTS: [string, GanConfig][] = [
  ['default (BCE)', {}],
  ['EMA of G (0.999)', { emaDecay: 0.999 }],
  ['label smoothing 0.1', { labelSmoothing: 0.1 }],
  ['hinge loss', { loss: 'hinge' }],
  ['least-squares loss', { loss: 'least-squares' }],
]

await init()
const train = await loadFashionMnist(undefined, 'train')
const test = await loadFashionMnist(undefined, 'test')
const { classifier, cached } = await scoreClassifier(train, { log: (l) => console.log(l) })
const accuracy = classifier.accuracy(test)
console.log(`score classifier: ${cached ? 'cached' : 'trained'}, test accuracy ${(accuracy * 100).toFixed(1)}%`)
console.log(`budget per variant: ${seconds !== undefined ? `${seconds} s` : `${steps} steps`} at batch ${batch}, seed ${seed}\n`)

const rows: { name: string; config: GanConfig; steps: number; seconds: number; fd: number; covered: number; evenness: number }[] = []
for (const [name, extra] of VARIANTS) {
  const gan = new Gan({ ...extra, seed })
  const start = performance.now()
  if (steps !== undefined) {
    for await (const _ of gan.fit(train, { steps, batchSize: batch })) void _
  } else {
    const ctl = new AbortController()
    for await (const p of gan.fit(train, { steps: 1e9, batchSize: batch, signal: ctl.signal })) {
      if (p.elapsedMs >= seconds! * 1000) ctl.abort()
    }
  }
  const took = (performance.now() - start) / 1000
  const score = evaluate(gan, { classifier, real: test, samples: 2000, seed: 0 })
  rows.push({
    name,
    config: extra,
    steps: gan.step,
    seconds: took,
    fd: score.fd,
    covered: score.coverage.covered,
    evenness: score.coverage.evenness,
  })
  console.log(
    `${name.padEnd(22)} ${String(gan.step).padStart(6)} steps ${took.toFixed(0).padStart(4)} s   FD ${score.fd.toFixed(2).padStart(7)}   classes ${score.coverage.covered}/10   evenness ${score.coverage.evenness.toFixed(2)}`,
  )
  gan.dispose()
}

console.log('\n| option | steps | FD (lower is better) | classes covered | evenness |')
console.log('| --- | ---: | ---: | ---: | ---: |')
const best = Math.min(...rows.map((r) => r.fd))
for (const r of rows) {
  console.log(
    `| ${r.name}${r.fd === best ? ' (best)' : ''} | ${r.steps} | ${r.fd.toFixed(2)} | ${r.covered}/10 | ${r.evenness.toFixed(2)} |`,
  )
}
const out = flag('--json')
if (out) writeFileSync(out, JSON.stringify({ seconds, steps, seed, batch, classifierAccuracy: accuracy, rows }, null, 2))
