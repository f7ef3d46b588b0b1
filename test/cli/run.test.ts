/**
 * A short real run of `wasmgan train` (on the first 512 Fashion-MNIST
 * images) and the commands that read its checkpoint: every file of the run
 * folder is there and says what it should, `sample` writes a PNG, a valid IDX
 * file of the requested count and a .npy, `interpolate` a PNG grid and a
 * looping GIF, and `info` prints the run.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import omggif from 'omggif'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIdx } from '../../ts/data.js'
import { Gan, init } from '../../ts/index.js'
import { readJsonLines, runCli, writeFashionSubset, type CliResult } from './helpers.js'

let tmp: string
let data: string
let run: string
let result: CliResult

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmgan-cli-run-'))
  data = join(tmp, 'data')
  run = join(tmp, 'run')
  await writeFashionSubset(data, 512)
  // A private cache: the run trains the score classifier for its snapshots' quality score, and eval below reuses it.
  result = await runCli(['train', '--data', data, '--steps', '60', '--every', '20', '--batch', '16', '--seed', '3', '--out', run], {
    env: { WASMGAN_CACHE_DIR: join(tmp, 'cache') },
  })
})

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const png = (path: string) => PNG.sync.read(readFileSync(path))

describe('wasmgan train (a short run)', () => {
  it('exits 0 and says where the report is', () => {
    expect(result.stderr).not.toMatch(/error/i)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/trained 60 steps \(step 60, epoch 1\) in [\d.]+ s: \d+ images\/s/)
    expect(result.stdout).toContain(`report: ${join(run, 'index.html')}`)
    // Plain (non-terminal) progress: one line per snapshot.
    expect(result.stderr.match(/^step \d+\/60 /gm)).toEqual(['step 20/60 ', 'step 40/60 ', 'step 60/60 '])
    expect(result.stderr).toMatch(/training the score classifier/)
  })

  it('writes the config, one metrics line per snapshot, and state', () => {
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'))
    expect(config).toMatchObject({
      kind: 'wasmgan-run',
      createdWith: { wasmgan: '0.1.0', checkpointFormat: 2 },
      dataset: { ref: { name: 'custom', dir: data, images: 'train-images-idx3-ubyte.gz' }, count: 512, height: 28, width: 28 },
      model: { dataDim: 784, seed: 3, generator: [128, 128] },
      run: { batch: 16, stop: { steps: 60 }, every: 20, sampleSeed: 3, sampleCount: 64 },
    })
    const metrics = readJsonLines(join(run, 'metrics.jsonl'))
    expect(metrics.map((m) => [m.from, m.step])).toEqual([
      [0, 20],
      [20, 40],
      [40, 60],
    ])
    for (const m of metrics) {
      for (const k of ['dLoss', 'gLoss', 'dReal', 'dFake', 'seconds', 'imagesPerSecond']) expect(Number.isFinite(m[k]), k).toBe(true)
      expect(m.images).toBe(m.step * 16)
      expect(m.dReal).toBeGreaterThan(0)
      expect(m.dReal).toBeLessThan(1)
      // The quality score of every snapshot: 512 rows, the last 102 held out (as in eval), 102 samples.
      expect(m.fd).toBeGreaterThan(0)
      expect(m.classes).toBe(10)
      expect(m.classesCovered).toBeGreaterThanOrEqual(1)
      expect(m.classesCovered).toBeLessThanOrEqual(10)
      expect(m.evenness).toBeGreaterThanOrEqual(0)
      expect(m.evenness).toBeLessThanOrEqual(1)
      expect(m.scoreSamples).toBe(102)
      expect(m.scoreSeconds).toBeGreaterThan(0)
    }

    expect(JSON.parse(readFileSync(join(run, 'state.json'), 'utf8'))).toMatchObject({ step: 60, status: 'done', acc: { from: 60, n: 0 } })
  })

  it('saves grids from a fixed z at every snapshot, and a larger final grid', async () => {
    for (const step of [20, 40, 60]) {
      const grid = png(join(run, 'samples', `step-${String(step).padStart(7, '0')}.png`))
      // 8 × 8 images of 28 px with 2 px padding.
      expect([grid.width, grid.height]).toEqual([8 * 28 + 9 * 2, 8 * 28 + 9 * 2])
    }
    const latest = png(join(run, 'samples', 'latest.png'))
    expect([latest.width, latest.height]).toEqual([10 * 28 + 11 * 2, 10 * 28 + 11 * 2])
    // The final snapshot grid is the checkpoint's sample(64, { seed: 3 }): the z really is fixed.
    await init()
    const gan = Gan.load(new Uint8Array(readFileSync(join(run, 'checkpoint.wgan'))))
    const images = gan.sample(64, { seed: 3 })
    const grid = png(join(run, 'samples', 'step-0000060.png'))
    const px = (x: number, y: number) => grid.data[4 * (y * grid.width + x)]!
    // Image 9 (row 1, column 1), pixel (5, 7): at x = 2 + 30 + 5, y = 2 + 30 + 7.
    expect(px(37, 39)).toBe(Math.round(Math.min(255, Math.max(0, (images[9 * 784 + 7 * 28 + 5]! + 1) * 127.5))))
    expect(gan.step).toBe(60)
    gan.dispose()
  })

  it('writes the curves and a self-contained report page', () => {
    const svg = readFileSync(join(run, 'curves.svg'), 'utf8')
    expect(svg).toMatch(/^<\?xml/)
    expect(svg.match(/<path /g)?.length).toBe(5) // D loss, G loss, D(x), D(G(z)), the 0.5 line
    const html = readFileSync(join(run, 'index.html'), 'utf8')
    expect(html).toContain('Finished: 60 steps.')
    // Every image is embedded: no src= that points at a file.
    const srcs = [...html.matchAll(/src="([^"]*)"/g)].map((m) => m[1]!)
    expect(srcs.length).toBe(4) // latest + three snapshots
    for (const s of srcs) expect(s.startsWith('data:image/png;base64,')).toBe(true)
    expect(html.match(/<svg /g)?.length).toBe(3) // losses, D outputs, quality
    for (const text of ['step 20', 'step 60', 'images/s', 'wall time', 'G optimizer', 'adam, lr 0.0002']) expect(html).toContain(text)
  })

  it('plots the quality score over steps, in the report and in score.svg', () => {
    const metrics = readJsonLines(join(run, 'metrics.jsonl'))
    const last = metrics[metrics.length - 1]!
    const svg = readFileSync(join(run, 'score.svg'), 'utf8')
    expect(svg).toMatch(/^<\?xml/)
    expect(svg).toContain('Fréchet distance')
    // One FD line through the three snapshots: M then two L segments.
    const path = svg.match(/<path d="([^"]*)"/)![1]!
    expect(path.match(/[ML]/g)).toEqual(['M', 'L', 'L'])
    const html = readFileSync(join(run, 'index.html'), 'utf8')
    expect(html).toContain('<h2>Quality</h2>')
    expect(html).toContain(path)
    expect(html).toContain(`At step 60: FD ${last.fd!.toFixed(2)}, classes covered ${last.classesCovered}/10`)
  })
})

describe('commands that read the checkpoint', () => {
  const ckpt = () => join(run, 'checkpoint.wgan')

  it('eval scores the checkpoint against held-out rows of its own data, and caches its classifier', async () => {
    const env = { env: { WASMGAN_CACHE_DIR: join(tmp, 'cache') } }
    const r = await runCli(['eval', '--model', ckpt(), '--json'], env)
    // The training run trained and cached it.
    expect(r.stderr).not.toMatch(/training the score classifier/)
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.step).toBe(60)
    expect(j.score.fd).toBeGreaterThan(0)
    expect(j.score.coverage.histogram).toHaveLength(10)
    // 512 rows: the last 102 are held out and scored against.
    expect(j.score.samples).toBe(102)
    // The run's last snapshot scored the same model on the same 102 samples and held-out rows: the same FD.
    const last = readJsonLines(join(run, 'metrics.jsonl')).pop()!
    expect(last.fd).toBeCloseTo(j.score.fd, 3)
    expect(last.classesCovered).toBe(j.score.coverage.covered)
    const again = await runCli(['eval', '--model', ckpt()], env)
    expect(again.stdout).toMatch(/at step 60: FD [\d.]+ \(lower is better\), classes covered \d+\/10/)
    // Same classifier, same seed: the same score.
    expect(again.stdout.match(/FD ([\d.]+)/)![1]).toBe(j.score.fd.toFixed(2))
  })

  it('info prints the model, the step, the data and the versions', async () => {
    const r = await runCli(['info', ckpt()])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/step\s+60 \(epoch 1\)/)
    expect(r.stdout).toContain('100 → 128 → 128 → 784')
    expect(r.stdout).toContain(`train-images-idx3-ubyte.gz in ${data}: 512 images of 28×28`)
    expect(r.stdout).toContain('format version 2; this wasmgan 0.1.0 reads 1 to 2')
    expect(r.stdout).toMatch(/created with +wasmgan 0\.1\.0, checkpoint format 2/)
    const j = await runCli(['info', '--json', ckpt()])
    expect(JSON.parse(j.stdout)).toMatchObject({ step: 60, format: 2, meta: { kind: 'wasmgan-run', run: { batch: 16 } } })
  })

  it('sample --format idx writes a valid IDX file of the requested count', async () => {
    const out = join(tmp, 'fakes.idx')
    const r = await runCli(['sample', '--model', ckpt(), '--n', '37', '--format', 'idx', '--out', out])
    expect(r.code).toBe(0)
    const idx = await loadIdx(out)
    expect(idx.dtype).toBe('u8')
    expect(idx.shape).toEqual([37, 28, 28])
    // The same images as the library gives for that seed, mapped back to bytes.
    await init()
    const gan = Gan.load(new Uint8Array(readFileSync(ckpt())))
    const images = gan.sample(37, { seed: 0 })
    gan.dispose()
    for (const i of [0, 1000, 37 * 784 - 1]) expect(idx.data[i]).toBe(Math.round(Math.min(255, Math.max(0, (images[i]! + 1) * 127.5))))
    // Gzipped when the name says so; other IDX readers get the same content.
    const gz = join(tmp, 'fakes-idx3-ubyte.gz')
    expect((await runCli(['sample', '--model', ckpt(), '--n', '37', '--out', gz])).code).toBe(0)
    expect(readFileSync(gz).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
    expect(Array.from((await loadIdx(gz)).data)).toEqual(Array.from(idx.data))
  })

  it('sample writes a PNG grid and a float32 .npy', async () => {
    const p = join(tmp, 'grid.png')
    expect((await runCli(['sample', '--model', ckpt(), '--n', '12', '--columns', '4', '--out', p])).code).toBe(0)
    const g = png(p)
    expect([g.width, g.height]).toEqual([4 * 28 + 5 * 2, 3 * 28 + 4 * 2])
    const n = join(tmp, 'fakes.npy')
    expect((await runCli(['sample', '--model', ckpt(), '--n', '5', '--out', n])).code).toBe(0)
    const bytes = readFileSync(n)
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]))
    const headerLen = bytes.readUInt16LE(8)
    expect((10 + headerLen) % 64).toBe(0)
    expect(bytes.subarray(10, 10 + headerLen).toString()).toContain("'descr': '<f4', 'fortran_order': False, 'shape': (5, 28, 28)")
    expect(bytes.length).toBe(10 + headerLen + 5 * 784 * 4)
    const first = bytes.readFloatLE(10 + headerLen)
    expect(first).toBeGreaterThanOrEqual(-1)
    expect(first).toBeLessThanOrEqual(1)
  })

  it('interpolate writes a grid of walks and a looping GIF', async () => {
    const p = join(tmp, 'walk.png')
    expect((await runCli(['interpolate', '--model', ckpt(), '--n', '3', '--frames', '6', '--out', p])).code).toBe(0)
    const g = png(p)
    expect([g.width, g.height]).toEqual([6 * 28 + 7 * 2, 3 * 28 + 4 * 2])
    const gif = join(tmp, 'walk.gif')
    const r = await runCli(['interpolate', '--model', ckpt(), '--n', '4', '--points', '3', '--frames', '5', '--scale', '2', '--out', gif])
    expect(r.code).toBe(0)
    const reader = new omggif.GifReader(readFileSync(gif))
    expect(reader.numFrames()).toBe(15)
    expect(reader.loopCount()).toBe(0) // forever
    expect([reader.width, reader.height]).toEqual([2 * (2 * 28 + 3 * 2), 2 * (2 * 28 + 3 * 2)])
    // Frames differ (it walks), and the walk is seeded: the same command gives the same bytes.
    const a = new Uint8Array(reader.width * reader.height * 4)
    const b = new Uint8Array(reader.width * reader.height * 4)
    reader.decodeAndBlitFrameRGBA(0, a)
    reader.decodeAndBlitFrameRGBA(7, b)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    const again = join(tmp, 'walk2.gif')
    await runCli(['interpolate', '--model', ckpt(), '--n', '4', '--points', '3', '--frames', '5', '--scale', '2', '--out', again])
    expect(readFileSync(again).equals(readFileSync(gif))).toBe(true)
  })

  it('refuses to replace an output file without --force, and replaces it with', async () => {
    const p = join(tmp, 'grid.png')
    expect(existsSync(p)).toBe(true)
    const before = readFileSync(p)
    const r = await runCli(['sample', '--model', ckpt(), '--n', '4', '--out', p])
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(`wasmgan: error: ${p} already exists; pass --force to replace it\n`)
    expect(readFileSync(p).equals(before)).toBe(true)
    expect((await runCli(['sample', '--model', ckpt(), '--n', '4', '--out', p, '--force'])).code).toBe(0)
    expect(readFileSync(p).equals(before)).toBe(false)
  })
})
