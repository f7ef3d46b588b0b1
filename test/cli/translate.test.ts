/**
 * `wasmgan train --task …` and `wasmgan translate`: a translation run keeps
 * a run folder whose report sets held-out L1 and PSNR next to copying the
 * input and the L1-only baseline, with source | output | target triplets;
 * `--resume` continues it bit for bit; user pairs are checked for matching
 * count and size; `translate` runs a saved translator on an IDX file; and a
 * checkpoint of the wrong kind is refused by every command with exit 5.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FASHION_MNIST_DIR, loadIdx } from '../../ts/data.js'
import { encodeIdx } from '../../ts/idx.js'
import { readJsonLines, runCli, writeFashionSubset, type CliResult } from './helpers.js'

let tmp: string
let data: string
let run: string
let result: CliResult
let gan: string

const trainArgs = (out: string, steps: number, ...extra: string[]) => [
  'train',
  '--task',
  'inpaint',
  '--data',
  data,
  '--steps',
  String(steps),
  '--every',
  '10',
  '--batch',
  '32',
  '--seed',
  '4',
  '--g-hidden',
  '128',
  '--d-hidden',
  '64',
  '--out',
  out,
  ...extra,
]

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmgan-cli-translate-'))
  data = join(tmp, 'data')
  await writeFashionSubset(data, 320)
  run = join(tmp, 'run')
  result = await runCli(trainArgs(run, 30))
  gan = join(tmp, 'gan')
  expect((await runCli(['train', '--data', data, '--steps', '2', '--batch', '16', '--out', gan])).code).toBe(0)
}, 60_000)

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const png = (path: string) => PNG.sync.read(readFileSync(path))

describe('wasmgan train --task', () => {
  it('trains and prints held-out L1 and PSNR next to both baselines', () => {
    expect(result.stderr).not.toMatch(/error/i)
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/training a translator \(task inpaint\) on 256 images of 28×28 \(64 held out\)/)
    expect(result.stdout).toMatch(/held-out \(64 pairs\): L1 0\.\d{4}, PSNR \d+\.\d\d dB/)
    expect(result.stdout).toMatch(/copy the input: L1 0\.\d{4}, PSNR \d+\.\d\d dB/)
    expect(result.stdout).toMatch(/L1 alone, same 30 steps: L1 0\.\d{4}, PSNR \d+\.\d\d dB/)
  })

  it('keeps metrics with held-out scores, triplet grids, the baseline and the report', () => {
    const lines = readJsonLines(join(run, 'metrics.jsonl'))
    expect(lines.map((l) => l.step)).toEqual([10, 20, 30])
    for (const l of lines) {
      expect(l.heldOutL1).toBeGreaterThan(0)
      expect(l.heldOutL1).toBeLessThan(1)
      expect(Number.isFinite(l.heldOutPsnr)).toBe(true)
    }
    // 8 triplets, two per row: 6 columns × 4 rows of 28-pixel tiles with 2-pixel gaps and border.
    const g = png(join(run, 'samples', 'latest.png'))
    expect([g.width, g.height]).toEqual([6 * 30 + 2, 4 * 30 + 2])
    const baseline = JSON.parse(readFileSync(join(run, 'baseline.json'), 'utf8'))
    expect(baseline.steps).toBe(30)
    expect(baseline.l1).toBeGreaterThan(0)
    const html = readFileSync(join(run, 'index.html'), 'utf8')
    expect(html).toContain('copy the input')
    expect(html).toContain('the same generator trained with L1 alone for the same 30 steps')
    expect(html).toContain('source | output | target')
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'))
    expect(config.kind).toBe('wasmgan-translate-run')
    expect(config.model.task).toBe('inpaint')
  })

  it('info describes the translator', async () => {
    const r = await runCli(['info', join(run, 'checkpoint.wgan')])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/kind\s+translator \(pix2pix-style image-to-image\), task inpaint \(mask 14×14\)/)
    expect(r.stdout).toMatch(/generator\s+784 → 128 → 784/)
    expect(r.stdout).toMatch(/discriminator\s+1568 \(source, image\) → 64 → 1/)
    const json = JSON.parse((await runCli(['info', '--json', join(run, 'checkpoint.wgan')])).stdout)
    expect(json.kind).toBe('translator')
    expect(json.step).toBe(30)
  })

  it('--resume continues a translation run to the same bytes as one that never stopped', async () => {
    const whole = join(tmp, 'whole')
    const cut = join(tmp, 'cut')
    expect((await runCli(trainArgs(whole, 30, '--no-l1-baseline'))).code).toBe(0)
    expect(existsSync(join(whole, 'baseline.json'))).toBe(false)
    expect(readFileSync(join(whole, 'index.html'), 'utf8')).toContain('skipped (--no-l1-baseline)')
    expect((await runCli(trainArgs(cut, 20, '--no-l1-baseline'))).code).toBe(0)
    const resumed = await runCli(['train', '--resume', join(cut, 'checkpoint.wgan'), '--steps', '30', '--every', '10'])
    expect(resumed.stderr).toContain('resuming at step 20')
    expect(resumed.code).toBe(0)
    expect(readFileSync(join(cut, 'checkpoint.wgan')).equals(readFileSync(join(whole, 'checkpoint.wgan')))).toBe(true)
    const held = (d: string) => readJsonLines(join(d, 'metrics.jsonl')).map((l) => [l.step, l.heldOutL1, l.l1])
    expect(held(cut)).toEqual(held(whole))
  }, 30_000)

  it('refuses flags of the other kind of run', async () => {
    for (const [args, message] of [
      [['--task', 'edges', '--loss', 'hinge'], /--loss applies to GANs, not to a translator \(--task\)/],
      [['--task', 'pairs', '--source', 'a.idx'], /--task pairs needs --source FILE and --target FILE/],
      [['--task', 'edges', '--source', 'a.idx'], /--source belongs to --task pairs/],
      [['--task', 'sketch'], /--task must be one of edges, inpaint, upscale, pairs/],
      [['--no-l1-baseline'], /--no-l1-baseline belongs to --task/],
    ] as const) {
      const r = await runCli(['train', ...args, '--steps', '2', '--out', join(tmp, 'never')])
      expect(r.stderr).toMatch(message)
      expect(r.code).toBe(2)
    }
  })
})

describe('wasmgan train --task pairs', () => {
  const idx = async (path: string, count: number, side: number, f: (v: number) => number) => {
    const src = await loadIdx(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'))
    const out = new Uint8Array(count * side * side)
    for (let i = 0; i < count; i++)
      for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out[(i * side + y) * side + x] = f(src.data[i * 784 + y * 28 + x]!)
    writeFileSync(path, await encodeIdx({ dtype: 'u8', shape: [count, side, side], data: out }))
  }

  it('trains on two IDX files of equal count (source → its negative) and scores the held-out fifth', async () => {
    const s = join(tmp, 'src.idx')
    const t = join(tmp, 'dst.idx')
    await idx(s, 100, 28, (v) => v)
    await idx(t, 100, 28, (v) => 255 - v)
    const out = join(tmp, 'pairs')
    const r = await runCli([
      'train',
      '--task',
      'pairs',
      '--source',
      s,
      '--target',
      t,
      '--steps',
      '10',
      '--batch',
      '16',
      '--g-hidden',
      '64',
      '--out',
      out,
    ])
    expect(r.stderr).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/on 80 pairs of 28×28 \(20 held out\)/)
    expect(r.stdout).toMatch(/L1 alone, same 10 steps/)
  })

  it('refuses pairs of different counts or sizes with exit 3', async () => {
    const s = join(tmp, 'src100.idx')
    const fewer = join(tmp, 'dst90.idx')
    const smaller = join(tmp, 'dst-small.idx')
    await idx(s, 100, 28, (v) => v)
    await idx(fewer, 90, 28, (v) => v)
    await idx(smaller, 100, 14, (v) => v)
    const a = await runCli(['train', '--task', 'pairs', '--source', s, '--target', fewer, '--steps', '2', '--out', join(tmp, 'never')])
    expect(a.code).toBe(3)
    expect(a.stderr).toMatch(/same number of images: 100 sources but 90 targets/)
    const b = await runCli(['train', '--task', 'pairs', '--source', s, '--target', smaller, '--steps', '2', '--out', join(tmp, 'never')])
    expect(b.code).toBe(3)
    expect(b.stderr).toMatch(/same image size: sources are 28 × 28, targets 14 × 14/)
  })
})

describe('wasmgan translate', () => {
  const test = join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')

  it('translates an IDX file of sources into IDX, and plain images with --derive into a PNG grid', async () => {
    const out = join(tmp, 'out.idx')
    const r = await runCli([
      'translate',
      '--model',
      join(run, 'checkpoint.wgan'),
      '--in',
      join(data, 'train-images-idx3-ubyte.gz'),
      '--out',
      out,
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('translated 320 images of 28×28 (task inpaint)')
    const a = await loadIdx(out)
    expect(a.shape).toEqual([320, 28, 28])
    const grid = join(tmp, 'out.png')
    const d = await runCli(['translate', '--model', join(run, 'checkpoint.wgan'), '--in', test, '--derive', '--limit', '16', '--out', grid])
    expect(d.code).toBe(0)
    expect(d.stdout).toContain('sources derived from --in')
    expect([png(grid).width, png(grid).height]).toEqual([4 * 30 + 2, 4 * 30 + 2])
  })

  it('refuses a GAN checkpoint (translate, --resume --task) and a translator (sample, interpolate, eval) with exit 5', async () => {
    const t = await runCli(['translate', '--model', join(gan, 'checkpoint.wgan'), '--in', test, '--out', join(tmp, 'never.png')])
    expect(t.code).toBe(5)
    expect(t.stderr).toMatch(/is a GAN checkpoint .*not a translator checkpoint/)
    const s = await runCli(['sample', '--model', join(run, 'checkpoint.wgan'), '--out', join(tmp, 'never.png')])
    expect(s.code).toBe(5)
    expect(s.stderr).toMatch(/is a translator checkpoint \(from `wasmgan train --task`; use it with `wasmgan translate`\)/)
    const i = await runCli(['interpolate', '--model', join(run, 'checkpoint.wgan'), '--out', join(tmp, 'never.png')])
    expect(i.code).toBe(5)
    const e = await runCli(['eval', '--model', join(run, 'checkpoint.wgan')])
    expect(e.code).toBe(5)
    expect(e.stderr).toMatch(/not a GAN checkpoint, which `wasmgan eval` needs/)
    const g = await runCli(['train', '--resume', join(gan, 'checkpoint.wgan'), '--task', 'edges', '--steps', '4'])
    expect(g.code).toBe(5)
    expect(g.stderr).toMatch(/is a GAN checkpoint .*not a translator checkpoint/)
  })

  it('refuses images of another size with exit 3', async () => {
    const small = join(tmp, 'small.idx')
    writeFileSync(small, await encodeIdx({ dtype: 'u8', shape: [3, 14, 14], data: new Uint8Array(3 * 196) }))
    const r = await runCli(['translate', '--model', join(run, 'checkpoint.wgan'), '--in', small, '--out', join(tmp, 'never.idx')])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('holds 14×14 images, but the model translates 28×28')
  })
})
