/**
 * Trains the classic MLP GAN on Fashion-MNIST for one epoch in Node and
 * writes an 8×8 grid of samples as a PNG.
 *
 *   npx tsx examples/train-fashion-mnist.ts [out.png] [--epochs N] [--batch B] [--seed S]
 */

import { writeFileSync } from 'node:fs'
import { PNG } from 'pngjs'
import { Gan, imageGrid, init, loadFashionMnist } from '../ts/index.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const out = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? 'fashion-samples.png'
const epochs = flag('--epochs', 1)
const seed = flag('--seed', 7)
// Batch 16: one epoch is then 3,750 steps, enough for recognisable clothing.
const batchSize = flag('--batch', 16)

const { simd } = await init()
const data = await loadFashionMnist()
console.log(`Fashion-MNIST: ${data.count} images of ${data.width}×${data.height}; wasm build: ${simd ? 'simd128' : 'scalar'}`)

const gan = new Gan({ seed })
const start = performance.now()
let last = 0
for await (const p of gan.fit(data, { epochs, batchSize })) {
  if (p.elapsedMs - last > 2000 || p.stepsDone === p.stepsTotal) {
    last = p.elapsedMs
    console.log(
      `step ${p.stepsDone}/${p.stepsTotal}  D ${p.dLoss.toFixed(3)}  G ${p.gLoss.toFixed(3)}  ` +
        `D(x) ${p.dReal.toFixed(2)}  D(G(z)) ${p.dFake.toFixed(2)}  ${Math.round(p.imagesPerSecond)} img/s`,
    )
  }
}
const seconds = (performance.now() - start) / 1000
const images = gan.sample(64, { seed: 1 })
const grid = imageGrid(images, 64, { columns: 8 })
const png = new PNG({ width: grid.width, height: grid.height, colorType: 0, inputColorType: 0, inputHasAlpha: false })
png.data = Buffer.from(grid.pixels)
writeFileSync(out, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }))
console.log(`trained ${gan.step} steps in ${seconds.toFixed(1)} s (${Math.round((gan.step * batchSize) / seconds)} images/s); wrote ${out}`)
gan.dispose()
