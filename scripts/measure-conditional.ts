/**
 * Measures what issue 4 asks for, on Fashion-MNIST, for a given wall time of
 * training per model:
 *
 * 1. the library's classifier: trained, then its own test accuracy;
 * 2. conditional GANs (each --designs entry): class accuracy by that
 *    classifier (the fraction of samples classified as the requested class)
 *    at every --every seconds of training, plus per-class accuracy at the end;
 * 3. translation (each --tasks entry): held-out L1 and PSNR of the default
 *    translator (adversarial + λ·L1) next to the same generator trained with
 *    L1 alone for the same time, and the copy-the-input baseline.
 *
 *   npx tsx scripts/measure-conditional.ts [--seconds 120] [--every 30]
 *     [--designs acgan,projection,concat] [--tasks edges,inpaint,upscale]
 *     [--batch 64] [--seed 1] [--classifier-epochs 5] [--classifier FILE]
 *     [--out DIR] [--only conditional|translation]
 *
 * Training time excludes evaluation (the clock stops while scoring). The
 * machine's load average is printed with each result, since wall-time
 * figures depend on it. --classifier FILE reuses a saved classifier (and
 * saves a freshly trained one there); --out DIR writes class grids and
 * source | output | target triplets as PNG.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import {
  Classifier,
  FASHION_MNIST_CLASSES,
  Gan,
  Translator,
  conditionalAccuracy,
  imageGrid,
  init,
  loadFashionMnist,
  taskPairs,
  type Conditioning,
  type GreyImage,
  type TranslationTask,
} from '../ts/index.js'

const args = process.argv.slice(2)
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : fallback
}
const seconds = Number(opt('seconds', '120'))
const every = Number(opt('every', '30'))
const batchSize = Number(opt('batch', '64'))
const seed = Number(opt('seed', '1'))
const designs = opt('designs', 'acgan,projection,concat').split(',').filter(Boolean) as Conditioning[]
const tasks = opt('tasks', 'edges,inpaint,upscale').split(',').filter(Boolean) as Exclude<TranslationTask, 'pairs'>[]
const only = opt('only', '')
const out = opt('out', '')
const clfPath = opt('classifier', '')
const clfEpochs = Number(opt('classifier-epochs', '5'))
if (out) mkdirSync(out, { recursive: true })

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
const { simd } = await init()
const train = await loadFashionMnist(undefined, 'train')
const test = await loadFashionMnist(undefined, 'test')
console.log(`wasm ${simd ? 'simd128' : 'scalar'}; ${seconds} s per model, batch ${batchSize}, seed ${seed}; load average ${load()}`)

function writePng(path: string, g: GreyImage): void {
  const png = new PNG({ width: g.width, height: g.height, colorType: 0, inputColorType: 0, inputHasAlpha: false })
  png.data = Buffer.from(g.pixels)
  writeFileSync(path, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }))
}

/**
 * Calls `step(n)` in chunks until `seconds` of training have passed;
 * `check(t)` runs (untimed) every `every` s. `step` may return milliseconds
 * it spent on something other than training, which are not counted.
 */
function trainFor(step: (n: number) => number | void, check: (t: number) => void): number {
  let trained = 0
  let chunk = 10
  let next = every
  while (trained < seconds * 1000) {
    const t0 = performance.now()
    const untimed = step(chunk) ?? 0
    const dt = performance.now() - t0 - untimed
    trained += dt
    if (trained >= next * 1000 || trained >= seconds * 1000) {
      check(trained / 1000)
      while (next * 1000 <= trained) next += every
    }
    // Chunks of ~0.5 s, never past the next checkpoint by much.
    chunk = Math.max(1, Math.round((chunk * Math.min(500, next * 1000 - trained + 1)) / Math.max(dt, 1)))
  }
  return trained / 1000
}

/**
 * Mean RMS distance between consecutive images of the same class, generated
 * (200 per class) and real (the first 200 per class of the test split),
 * averaged over classes: a sample set collapsed onto a few images scores
 * far below the real one.
 */
function withinClassDiversity(gan: Gan): { fake: number; real: number } {
  const dim = 784
  const per = 200
  const rms = (a: Float32Array, i: number, j: number) => {
    let d = 0
    for (let k = 0; k < dim; k++) d += (a[i * dim + k] - a[j * dim + k]) ** 2
    return Math.sqrt(d / dim)
  }
  let fake = 0
  let real = 0
  for (let c = 0; c < 10; c++) {
    const g = gan.sample(per, { labels: new Array(per).fill(c), seed: 11 + c })
    const idx: number[] = []
    for (let i = 0; i < test.count && idx.length < per; i++) if (test.labels![i] === c) idx.push(i)
    const r = new Float32Array(per * dim)
    idx.forEach((i, n) => r.set(test.images.subarray(i * dim, (i + 1) * dim), n * dim))
    for (let i = 0; i + 1 < per; i++) {
      fake += rms(g, i, i + 1)
      real += rms(r, i, i + 1)
    }
  }
  const n = 10 * (per - 1)
  return { fake: fake / n, real: real / n }
}

if (only !== 'translation') {
  // ---- the classifier --------------------------------------------------------------
  let clf: Classifier
  if (clfPath && existsSync(clfPath)) {
    clf = Classifier.load(new Uint8Array(readFileSync(clfPath)))
    console.log(`classifier: loaded ${clfPath} (${clf.step} steps)`)
  } else {
    clf = new Classifier({ seed: 0, classNames: FASHION_MNIST_CLASSES })
    const t0 = performance.now()
    for await (const _ of clf.fit(train, { epochs: clfEpochs, batchSize: 64 })) void _
    console.log(`classifier: ${clfEpochs} epochs (${clf.step} steps) in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    if (clfPath) writeFileSync(clfPath, clf.save({ dataset: 'fashion-mnist' }))
  }
  const clfTest = clf.accuracy(test)
  console.log(`classifier test accuracy (Fashion-MNIST test split, 10000 images): ${(100 * clfTest).toFixed(2)}%`)

  // ---- conditional GANs ------------------------------------------------------------
  for (const conditioning of designs) {
    const gan = new Gan({ classes: 10, conditioning, seed, classNames: FASHION_MNIST_CLASSES })
    const line: string[] = []
    const t = trainFor(
      (n) => void gan.train(train, n, { batchSize }),
      (s) => {
        const a = conditionalAccuracy(gan, clf, { samples: 2000, seed: 99 })
        line.push(`${s.toFixed(0)} s: ${(100 * a.accuracy).toFixed(1)}%`)
        console.log(
          `  ${conditioning} ${s.toFixed(1)} s, step ${gan.step}: class accuracy ${(100 * a.accuracy).toFixed(1)}%  (load ${load()})`,
        )
      },
    )
    const a = conditionalAccuracy(gan, clf, { samples: 10000, seed: 7 })
    const div = withinClassDiversity(gan)
    console.log(
      `conditional ${conditioning}: ${gan.step} steps in ${t.toFixed(1)} s (${Math.round((gan.step * batchSize) / t)} img/s); ` +
        `class accuracy ${(100 * a.accuracy).toFixed(1)}% on 10000 samples (classifier test accuracy ${(100 * clfTest).toFixed(1)}%); ` +
        `per class ${a.perClass.map((p) => (100 * p).toFixed(0)).join(' ')}; curve ${line.join(', ')}; ` +
        `within-class diversity ${div.fake.toFixed(3)} (real ${div.real.toFixed(3)})`,
    )
    if (out) {
      const { images } = gan.sampleClasses(10, { seed: 3 })
      writePng(join(out, `class-grid-${conditioning}.png`), imageGrid(images, 100, { columns: 10 }))
    }
    gan.dispose()
  }
  clf.dispose()
}

if (only !== 'conditional') {
  // ---- translation -----------------------------------------------------------------
  const heldOut = 2000
  for (const task of tasks) {
    const pairs = taskPairs(test, task, { count: heldOut, seed: 5 })
    const results: string[] = []
    // The adversarial run's step count, at which the L1-alone run is also
    // scored: it takes about half the time per step, so equal time is not
    // equal training.
    let advSteps = 0
    for (const [name, adversarialWeight] of [
      ['adversarial + L1', 1],
      ['L1 alone', 0],
    ] as const) {
      const tr = new Translator({ task, seed, adversarialWeight })
      const t = trainFor(
        (n) => {
          if (adversarialWeight === 0 && tr.step < advSteps && tr.step + n >= advSteps) {
            const rest = tr.step + n - advSteps
            tr.train(train, advSteps - tr.step, { batchSize })
            const t0 = performance.now()
            const e = tr.evaluate(pairs)
            results.push(`L1 alone at the same ${advSteps} steps: L1 ${e.l1.toFixed(4)}, PSNR ${e.psnr.toFixed(2)} dB`)
            const untimed = performance.now() - t0
            tr.train(train, rest, { batchSize })
            return untimed
          }
          tr.train(train, n, { batchSize })
        },
        (s) => {
          const e = tr.evaluate(pairs)
          console.log(
            `  ${task} ${name} ${s.toFixed(1)} s, step ${tr.step}: L1 ${e.l1.toFixed(4)} PSNR ${e.psnr.toFixed(2)} dB  (load ${load()})`,
          )
        },
      )
      const e = tr.evaluate(pairs)
      if (adversarialWeight) advSteps = tr.step
      results.push(`${name}: L1 ${e.l1.toFixed(4)}, PSNR ${e.psnr.toFixed(2)} dB (${tr.step} steps in ${t.toFixed(1)} s)`)
      if (name === 'L1 alone') results.push(`copy the input: L1 ${e.copy.l1.toFixed(4)}, PSNR ${e.copy.psnr.toFixed(2)} dB`)
      if (out) {
        // Rows of source | output | target for 8 held-out images.
        const n = 8
        const dim = tr.dim
        const outputs = tr.translate(pairs.sources.subarray(0, n * dim))
        const tiles = new Float32Array(3 * n * dim)
        for (let i = 0; i < n; i++) {
          tiles.set(pairs.sources.subarray(i * dim, (i + 1) * dim), 3 * i * dim)
          tiles.set(outputs.subarray(i * dim, (i + 1) * dim), (3 * i + 1) * dim)
          tiles.set(pairs.targets.subarray(i * dim, (i + 1) * dim), (3 * i + 2) * dim)
        }
        writePng(join(out, `triplets-${task}-${adversarialWeight ? 'gan' : 'l1'}.png`), imageGrid(tiles, 3 * n, { columns: 6 }))
      }
      tr.dispose()
    }
    console.log(`translation ${task} (held-out: first ${heldOut} test images, seed 5):\n  ${results.join('\n  ')}`)
  }
}
console.log(`done; load average ${load()}`)
