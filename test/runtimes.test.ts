/**
 * The same package in every runtime: the portable suites (test/portable/)
 * run against the built entry (`dist/index.js`, what `import 'wasmgan'`
 * loads) in Node, Bun and Deno, and in Chromium on a page bundled by esbuild;
 * the package is bundled by esbuild and by Vite, with no plugin or wasm
 * configuration, into an app with its own Web Worker; the training page
 * trains in a worker without blocking its main thread; and the reference
 * checkpoint has one SHA-256 everywhere.
 *
 * Run by `npm test` as its own stage (`runtimes`, vitest.runtimes.config.ts),
 * after the unit suites, so the long-task measurement does not compete with
 * them for the CPU. Screenshots go to artifacts/browser/.
 */

import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: plain .mjs helpers without type declarations
import { ROOT, buildPage, pageBuildOptions, serve } from '../scripts/web-server.mjs'
import { REFERENCE } from './portable/gan.js'

const ARTIFACTS = join(ROOT, 'artifacts', 'browser')
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
]

/** No colours, and no update checks over a network that CI does not have. */
const RUNTIME_ENV = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' }

/** Every runtime's records (e.g. `checkpoint` → SHA-256), for the comparison at the end. */
const records: Record<string, Record<string, string | number>> = {}

interface SuiteRun {
  passed: number
  failed: number
  lines: string[]
  records: Record<string, string | number>
}

/** Runs test/portable/cli.ts under `cmd` and parses its closing lines. */
function runCli(name: string, cmd: string, args: string[]): SuiteRun {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: RUNTIME_ENV })
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`
  const lines = out.split('\n')
  const summary = lines.map((l) => /^(\d+) passed, (\d+) failed$/.exec(l)).find(Boolean)
  const rec = lines.find((l) => l.startsWith('RECORDS '))
  if (r.error || !summary || !rec) throw new Error(`${name} did not finish the suites (${r.error?.message ?? `exit ${r.status}`}):\n${out}`)
  return { passed: Number(summary[1]), failed: Number(summary[2]), lines, records: JSON.parse(rec.slice('RECORDS '.length)) }
}

function expectAllPassed(name: string, run: SuiteRun): void {
  console.log(`${name}: ${run.passed} passed, ${run.failed} failed`)
  const failures = run.lines.filter((l, i, all) => l.startsWith('FAIL') || all[i - 1]?.startsWith('FAIL'))
  expect(failures, `${name} failures`).toEqual([])
  expect(run.failed).toBe(0)
  expect(run.passed).toBeGreaterThanOrEqual(15)
}

describe('Node, Bun and Deno run the portable suites against the package entry', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run tsup (npm test does) first')
  })

  it('Node', () => {
    const run = runCli('node', process.execPath, ['--import', 'tsx', 'test/portable/cli.ts'])
    expectAllPassed('node', run)
    records.node = run.records
  })

  it('Bun (JavaScriptCore), from the npm package', () => {
    const run = runCli('bun', join(ROOT, 'node_modules', '.bin', 'bun'), ['test/portable/cli.ts'])
    expectAllPassed('bun', run)
    records.bun = run.records
  })

  it('Deno (a newer V8), from the npm package, with read permission only', () => {
    const run = runCli('deno', join(ROOT, 'node_modules', '.bin', 'deno'), [
      'run',
      '--no-prompt',
      `--allow-read=${ROOT},/usr/share/datasets`,
      '--allow-env=WASMGAN_FASHION_MNIST',
      'test/portable/cli.ts',
    ])
    expectAllPassed('deno', run)
    records.deno = run.records
  })
})

describe('an undisposed WorkerGan lets the process end', () => {
  const cases: [string, string, string[]][] = [
    ['node', process.execPath, ['--import', 'tsx', 'test/portable/idle-exit.ts']],
    ['bun', join(ROOT, 'node_modules', '.bin', 'bun'), ['test/portable/idle-exit.ts']],
    ['deno', join(ROOT, 'node_modules', '.bin', 'deno'), ['run', '--no-prompt', `--allow-read=${ROOT}`, 'test/portable/idle-exit.ts']],
  ]
  for (const [name, cmd, args] of cases) {
    it(name, () => {
      const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: RUNTIME_ENV })
      expect(r.signal, `${name} was still running after 30 s:\n${r.stdout}${r.stderr}`).toBeNull()
      expect(`${r.stdout}${r.stderr}`).toContain('trained 3 steps')
      expect(r.status).toBe(0)
    })
  }
})

describe('Chromium', () => {
  let site: string
  let context: BrowserContext
  let profile: string
  let server: { url: string; close(): Promise<void> }
  let base: string

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    site = await mkdtemp(join(tmpdir(), 'wasmgan-site-'))
    const { build } = await import('esbuild')
    const tests = join(ROOT, 'test', 'browser')
    await Promise.all([
      // The training page, as `npm run web` builds it.
      buildPage(join(site, 'page')),
      // The portable suites on a page.
      build(pageBuildOptions([join(tests, 'core.ts')], join(site, 'tests'))),
      // A user's app and worker, bundled by esbuild with defaults.
      build(pageBuildOptions([join(tests, 'bundled', 'main.js'), join(tests, 'bundled', 'worker.js')], join(site, 'esbuild'))),
    ])
    // The same app bundled by Vite: no config file, no plugins.
    const vite = await import('vite')
    await vite.build({
      root: join(tests, 'bundled'),
      base: '/vite/',
      configFile: false,
      logLevel: 'warn',
      build: { outDir: join(site, 'vite'), emptyOutDir: true, chunkSizeWarningLimit: 2000 },
    })
    server = await serve({
      mounts: {
        '/': join(site, 'page'),
        '/tests/': [join(site, 'tests'), tests],
        '/esbuild/': [join(site, 'esbuild'), join(tests, 'bundled')],
        '/vite/': join(site, 'vite'),
      },
      host: '127.0.0.1',
      port: 0,
    })
    base = server.url
    expect(new URL(base).hostname).toBe('127.0.0.1')
    profile = await mkdtemp(join(tmpdir(), 'wasmgan-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 820 },
      acceptDownloads: true,
    })
  })

  afterAll(async () => {
    await context?.close()
    await server?.close()
    for (const dir of [profile, site]) if (dir) await rm(dir, { recursive: true, force: true })
  })

  async function open(path: string): Promise<Page> {
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    ;(page as Page & { errors: string[] }).errors = errors
    await page.goto(new URL(path, base).href)
    return page
  }

  it('runs the portable suites on a page (package bundled by esbuild)', async () => {
    const page = await open('/tests/core.html')
    const run = (await (
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result, null, { timeout: 90_000 })
    ).jsonValue()) as SuiteRun
    for (const line of run.lines) if (line.startsWith('FAIL')) console.log(line)
    expectAllPassed('chromium', run)
    records.chromium = run.records
    await page.close()
  })

  for (const bundler of ['esbuild', 'vite'] as const) {
    it(`loads the package unchanged through ${bundler}, on the page and in the app's own Web Worker`, async () => {
      const page = await open(`/${bundler}/index.html`)
      const result = (await (
        await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result, null, { timeout: 60_000 })
      ).jsonValue()) as Record<string, string | boolean>
      expect(result.error).toBeUndefined()
      expect(result.simd).toBe(true)
      expect(result.userWorkerSimd).toBe(true)
      records[`chromium ${bundler} app worker`] = { checkpoint: result.userWorker as string }
      records[`chromium ${bundler} WorkerGan`] = { checkpoint: result.workerGan as string }
      expect((page as Page & { errors: string[] }).errors).toEqual([])
      await page.close()
    })
  }

  it('the training page trains in a worker, shows samples, stays responsive, round-trips its checkpoint, and takes IDX files', async () => {
    const page = await context.newPage()
    // Collect long tasks (> 50 ms on the main thread) from the first moment.
    await page.addInitScript(() => {
      const w = window as unknown as { __longTasks: { start: number; duration: number }[] }
      w.__longTasks = []
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration })
      }).observe({ type: 'longtask', buffered: true })
    })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    const { seed, batchSize, steps } = REFERENCE
    // The reference run is the package's default config, which the page's controls start at (hinge loss, weight average 0.99).
    await page.goto(new URL(`/?data=fashion-mnist-test&seed=${seed}&batch=${batchSize}&steps=${steps}`, base).href)
    const state = () => page.evaluate(() => document.body.dataset.state)
    const waitState = (s: string, timeout = 60_000) =>
      page
        .waitForFunction((want) => document.body.dataset.state === want || document.body.dataset.state === 'error', s, { timeout })
        .then(async () => {
          if ((await state()) === 'error') throw new Error(`page error: ${await page.textContent('#status')}`)
        })

    // 1. The reference run, exactly as a person sets it up: press Start, wait, press Download.
    await page.click('#start')
    await waitState('done')
    expect(await page.getAttribute('#grid', 'data-step')).toBe(String(steps))
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')])
    const file = join(ARTIFACTS, download.suggestedFilename())
    await download.saveAs(file)
    const bytes = await readFile(file)
    records['chromium page (WorkerGan)'] = { checkpoint: createHash('sha256').update(bytes).digest('hex') }
    expect(download.suggestedFilename()).toMatch(/\.wgan$/)
    // The file the CLI reads: `wasmgan info` describes it.
    const info = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'info', file], { encoding: 'utf8', env: RUNTIME_ENV })
    expect(info.status, info.stderr).toBe(0)
    expect(info.stdout).toMatch(new RegExp(`step +${steps} `))
    expect(info.stdout).toContain('"dataset":"fashion-mnist-test"')

    // 2. Train on to a longer target with a pause in the middle, measuring the main thread.
    const target = 600
    await page.fill('#steps', String(target))
    const t0 = await page.evaluate(() => performance.now())
    await page.click('#start')
    await waitState('training')
    await page.waitForFunction(() => Number(document.getElementById('step')?.dataset.value ?? 0) >= 250, null, { timeout: 60_000 })
    await page.click('#pause')
    await waitState('paused')
    const pausedAt = Number(await page.getAttribute('#step', 'data-value'))
    expect(pausedAt).toBeGreaterThanOrEqual(250)
    expect(pausedAt).toBeLessThan(target)
    await page.click('#start') // "Resume"
    await waitState('done')
    const t1 = await page.evaluate(() => performance.now())
    expect(await page.getAttribute('#grid', 'data-step')).toBe(String(target))
    // The grid shows generated images: many distinct grey levels, not a blank canvas.
    const levels = await page.evaluate(() => {
      const c = document.getElementById('grid') as HTMLCanvasElement
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      return new Set(Array.from({ length: px.length / 4 }, (_, i) => px[4 * i])).size
    })
    expect(levels).toBeGreaterThan(50)
    const screenshot = join(ARTIFACTS, 'training-page.png')
    await page.screenshot({ path: screenshot })
    console.log(`screenshot: ${screenshot}`)
    console.log(`page: ${await page.textContent('#status')} (batch ${batchSize}, Chromium, WorkerGan)`)

    const tasks = (
      await page.evaluate(() => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks)
    ).filter((t) => t.start >= t0 && t.start <= t1)
    console.log(
      `long tasks while training (${((t1 - t0) / 1000).toFixed(1)} s): ${tasks.map((t) => Math.round(t.duration) + ' ms').join(', ') || 'none'}`,
    )
    expect(Math.max(0, ...tasks.map((t) => t.duration)), 'longest main-thread task while training (ms)').toBeLessThanOrEqual(100)

    // 3. Upload the step-50 checkpoint: the page continues from it.
    await page.setInputFiles('#checkpoint-file', file)
    await waitState('paused')
    expect(await page.getAttribute('#grid', 'data-step')).toBe(String(steps))
    expect(await page.inputValue('#seed')).toBe(String(seed))

    // 4. A new model on the user's own IDX files (as from the file picker or a drop), recognised by content.
    await page.click('#reset')
    await waitState('idle')
    const fm = '/usr/share/datasets/fashion-mnist'
    await page.setInputFiles('#files', [`${fm}/t10k-labels-idx1-ubyte.gz`, `${fm}/t10k-images-idx3-ubyte.gz`])
    await page.waitForFunction(() => document.getElementById('data-status')?.textContent?.includes('10,000 labels'))
    expect(await page.inputValue('#dataset')).toBe('files')
    await page.fill('#steps', '20')
    await page.click('#start')
    await waitState('done')
    expect(await page.getAttribute('#grid', 'data-step')).toBe('20')
    expect(await page.textContent('#data-status')).toContain('10,000 images of 28×28, 10 classes')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('across runtimes', () => {
  it(`the reference checkpoint (seed ${REFERENCE.seed}, batch ${REFERENCE.batchSize}, ${REFERENCE.steps} steps) has one SHA-256 everywhere`, () => {
    const hashes: [string, string][] = []
    for (const [runtime, r] of Object.entries(records)) {
      if (typeof r.checkpoint === 'string') hashes.push([runtime, r.checkpoint])
      if (typeof r['worker-checkpoint'] === 'string') hashes.push([`${runtime} (WorkerGan)`, r['worker-checkpoint']])
    }
    for (const [runtime, hash] of hashes) console.log(`${hash}  ${runtime}`)
    const runtimes = hashes.map(([r]) => r)
    for (const needed of ['node', 'bun', 'deno', 'chromium', 'chromium page (WorkerGan)']) expect(runtimes).toContain(needed)
    expect(new Set(hashes.map(([, h]) => h)).size, 'distinct hashes').toBe(1)
    const rng = Object.entries(records).filter(([, r]) => typeof r['rng-normal-42'] === 'string')
    expect(rng.length).toBeGreaterThanOrEqual(4)
    expect(new Set(rng.map(([, r]) => r['rng-normal-42'])).size, 'distinct RNG stream hashes').toBe(1)
  })
})
