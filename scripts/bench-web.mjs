// Images per second of the training page in Chromium next to Node, for the
// same model (the classic GAN, default config), batch and data (the
// Fashion-MNIST training set), run one after another in one process so the
// figures are comparable:
//
//   1. Node, Gan.fit in-process;
//   2. Node, WorkerGan.fit (worker_threads);
//   3. Chromium, the training page (WorkerGan in a Web Worker), driven like a person would.
//
// Each figure is fit's own imagesPerSecond over the whole run (it includes
// copying the data into the module on the first step, in all three).
//
//   node scripts/bench-web.mjs [--steps 1500] [--batch 64]
//
// Needs `npm run build` first. Not part of npm test: timings are not tests.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { ROOT, buildPage, serve } from './web-server.mjs'

const args = process.argv.slice(2)
const flag = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const steps = flag('--steps', 1500)
const batchSize = flag('--batch', 64)
const seed = 7

const { Gan, WorkerGan, init, loadFashionMnist, FASHION_MNIST_DIR } = await import(join(ROOT, 'dist', 'index.js'))

async function fitRate(gan, data) {
  let last
  for await (const p of gan.fit(data, { steps, batchSize })) last = p
  return last.imagesPerSecond
}

const results = []
console.log(`bench-web: classic GAN (default config), batch ${batchSize}, ${steps} steps on the Fashion-MNIST training set`)

{
  const { simd } = await init()
  const data = await loadFashionMnist()
  const gan = new Gan({ seed })
  results.push(['Node, Gan.fit (in-process)', await fitRate(gan, data), simd])
  gan.dispose()
}
{
  const gan = new WorkerGan({ seed })
  const dir = FASHION_MNIST_DIR
  const data = await gan.loadData({ images: `${dir}/train-images-idx3-ubyte.gz`, labels: `${dir}/train-labels-idx1-ubyte.gz` })
  results.push(['Node, WorkerGan.fit (worker_threads)', await fitRate(gan, data), true])
  gan.dispose()
}
{
  const site = await mkdtemp(join(tmpdir(), 'wasmgan-bench-'))
  const profile = await mkdtemp(join(tmpdir(), 'wasmgan-bench-chromium-'))
  await buildPage(site)
  const server = await serve({ mounts: { '/': site }, host: '127.0.0.1', port: 0 })
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
    viewport: { width: 1440, height: 820 },
  })
  try {
    const page = await context.newPage()
    // ema=0: the default config, as in Node (the page samples from a weight average by default).
    await page.goto(`${server.url}?data=fashion-mnist&seed=${seed}&batch=${batchSize}&steps=${steps}&ema=0`)
    await page.click('#start')
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 600_000 })
    const status = await page.textContent('#status')
    if ((await page.evaluate(() => document.body.dataset.state)) === 'error') throw new Error(`page error: ${status}`)
    const simd = (await page.textContent('#badge-simd')).includes('SIMD')
    results.push([
      'Chromium, training page (WorkerGan, Web Worker)',
      Number(await page.getAttribute('#ips', 'data-fit-images-per-second')),
      simd,
    ])
    const version = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent))
    console.log(`bench-web: Chromium ${version}; page said: ${status}`)
  } finally {
    await context.close()
    await server.close()
    await rm(site, { recursive: true, force: true })
    await rm(profile, { recursive: true, force: true })
  }
}

const base = results[0][1]
for (const [name, ips, simd] of results) {
  console.log(
    `${name.padEnd(50)} ${String(Math.round(ips)).padStart(7)} images/s  ${(ips / base).toFixed(2)}× Node in-process${simd ? '' : '  (scalar build!)'}`,
  )
}
