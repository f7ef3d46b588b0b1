/**
 * `wasmgan train --conditional` and what reads its checkpoint: the run
 * records the classes and their names, draws class grids (one row per
 * class), scores class accuracy at every snapshot with the score classifier
 * and states that classifier's own accuracy; `--resume` continues it bit for
 * bit; `sample --class K|all` generates the classes asked for and writes
 * their labels as IDX1; `info` describes the conditional model; and every
 * misuse exits with a usage (2) or data (3) error that says what is wrong.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIdx } from '../../ts/data.js'
import { encodeIdx } from '../../ts/idx.js'
import { readJsonLines, runCli, writeFashionSubset, type CliResult } from './helpers.js'

let tmp: string
let env: Record<string, string>
let run: string
let result: CliResult
let plain: string

// Fashion-MNIST by name (so the class names are known), its first 320 images.
const trainArgs = (out: string, steps: number) => [
  'train',
  '--conditional',
  '--limit',
  '320',
  '--steps',
  String(steps),
  '--every',
  '20',
  '--batch',
  '32',
  '--seed',
  '2',
  '--out',
  out,
]

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmgan-cli-cond-'))
  // One cache for the file: the score classifier is trained once, by the first run.
  env = { WASMGAN_CACHE_DIR: join(tmp, 'cache') }
  run = join(tmp, 'run')
  result = await runCli(trainArgs(run, 40), { env })
  // An unconditional checkpoint, for the errors of --class.
  const data = join(tmp, 'data')
  await writeFashionSubset(data, 128)
  plain = join(tmp, 'plain')
  const r = await runCli(['train', '--data', data, '--steps', '2', '--batch', '16', '--out', plain], { env })
  expect(r.code).toBe(0)
}, 120_000)

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const png = (path: string) => PNG.sync.read(readFileSync(path))

describe('wasmgan train --conditional', () => {
  it('trains, and states the class accuracy with the classifier accuracy beside it', () => {
    expect(result.stderr).not.toMatch(/error/i)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/class accuracy \d+\.\d% at step 40 \(the score classifier's held-out accuracy: \d+\.\d%\)/)
  })

  it('records the classes and their names in config and checkpoint', async () => {
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'))
    expect(config.model.classes).toBe(10)
    expect(config.model.conditioning).toBe('acgan')
    expect(config.model.classNames[7]).toBe('Sneaker')
    const info = await runCli(['info', join(run, 'checkpoint.wgan')])
    expect(info.code).toBe(0)
    expect(info.stdout).toMatch(/generator\s+100 \+ 10 \(one-hot class\) → 128 → 128 → 784/)
    expect(info.stdout).toMatch(/discriminator\s+784 → 128 → 128 → 1 \(real\/fake\) \+ 10 \(class logits/)
    expect(info.stdout).toMatch(/conditional\s+10 classes \(T-shirt\/top, Trouser, .*Ankle boot\), conditioning acgan/)
  })

  it('scores class accuracy at every snapshot into metrics.jsonl', () => {
    const lines = readJsonLines(join(run, 'metrics.jsonl'))
    expect(lines.map((l) => l.step)).toEqual([20, 40])
    for (const l of lines) {
      expect(l.classAccuracy).toBeGreaterThanOrEqual(0)
      expect(l.classAccuracy).toBeLessThanOrEqual(1)
      // The score classifier learns Fashion-MNIST well above chance.
      expect(l.classifierAccuracy).toBeGreaterThan(0.7)
    }
  })

  it('draws class grids: 10 columns, one row per class', () => {
    for (const f of ['samples/step-0000020.png', 'samples/latest.png']) {
      const g = png(join(run, f))
      // 10 tiles of 28 pixels with 2-pixel gaps and border: 10 × 28 + 11 × 2 = 302 both ways.
      expect([g.width, g.height]).toEqual([302, 302])
    }
    const html = readFileSync(join(run, 'index.html'), 'utf8')
    expect(html).toContain('<h2>Class accuracy</h2>')
    expect(html).toMatch(/That classifier classifies \d+\.\d% of held-out real images correctly/)
    expect(html).toContain('row r asks for class r: T-shirt/top, Trouser')
  })

  it('--resume continues a conditional run to the same bytes as one that never stopped', async () => {
    // Stopped at step 20, resumed to 40: the same checkpoint as the 40-step run above.
    const cut = join(tmp, 'cut')
    expect((await runCli(trainArgs(cut, 20), { env })).code).toBe(0)
    const resumed = await runCli(['train', '--resume', join(cut, 'checkpoint.wgan'), '--steps', '40', '--every', '20'], { env })
    expect(resumed.stderr).toContain('resuming at step 20')
    expect(resumed.code).toBe(0)
    expect(readFileSync(join(cut, 'checkpoint.wgan')).equals(readFileSync(join(run, 'checkpoint.wgan')))).toBe(true)
    const acc = (d: string) => readJsonLines(join(d, 'metrics.jsonl')).map((l) => l.classAccuracy)
    expect(acc(cut)).toEqual(acc(run))
  }, 60_000)

  it('refuses unlabelled data, and flags that do not go together', async () => {
    const images = join(tmp, 'images-only')
    mkdirSync(images)
    writeFileSync(
      join(images, 'train-images-idx3-ubyte'),
      await encodeIdx({ dtype: 'u8', shape: [64, 28, 28], data: new Uint8Array(64 * 784) }),
    )
    const r = await runCli(['train', '--conditional', '--data', images, '--steps', '2', '--out', join(tmp, 'x')], { env })
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/--conditional needs labels, but .* has no label file/)
    const c = await runCli(['train', '--conditioning', 'projection', '--steps', '2'])
    expect(c.code).toBe(2)
    expect(c.stderr).toContain('--conditioning needs --conditional')
    const bad = await runCli(['train', '--conditional', '--conditioning', 'magic', '--steps', '2'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--conditioning must be one of/)
    const both = await runCli(['train', '--conditional', '--task', 'edges', '--steps', '2'])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('give --conditional or --task, not both')
    const unconditional = await runCli(['train', '--resume', join(plain, 'checkpoint.wgan'), '--conditional', '--steps', '4'], { env })
    expect(unconditional.code).toBe(2)
    expect(unconditional.stderr).toContain('the checkpoint holds an unconditional GAN')
  })
})

describe('wasmgan sample --class', () => {
  const ckpt = () => join(run, 'checkpoint.wgan')

  it('--class all --format idx --labels-out: equal shares, class by class, and their labels as IDX1', async () => {
    const out = join(tmp, 'all.idx')
    const labelsOut = join(tmp, 'all-labels.idx.gz')
    const r = await runCli(['sample', '--model', ckpt(), '--class', 'all', '--n', '30', '--out', out, '--labels-out', labelsOut])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('wrote 30 samples of 28×28, 3 of each class')
    const images = await loadIdx(out)
    expect(images.shape).toEqual([30, 28, 28])
    const labels = await loadIdx(labelsOut)
    expect(labels.dtype).toBe('u8')
    expect(labels.shape).toEqual([30])
    expect([...labels.data]).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)))
  })

  it('--class K (an id or a name) generates that class; the default --n of all is 10 per class', async () => {
    const byName = join(tmp, 'sneakers.idx')
    const labelsOut = join(tmp, 'sneakers-labels.idx')
    const r = await runCli(['sample', '--model', ckpt(), '--class', 'sneaker', '--n', '4', '--out', byName, '--labels-out', labelsOut])
    expect(r.code).toBe(0)
    expect([...(await loadIdx(labelsOut)).data]).toEqual([7, 7, 7, 7])
    // The same class by id and the same seed: the same images.
    const byId = join(tmp, 'seven.idx')
    expect((await runCli(['sample', '--model', ckpt(), '--class', '7', '--n', '4', '--out', byId])).code).toBe(0)
    expect(readFileSync(byId).equals(readFileSync(byName))).toBe(true)
    const grid = join(tmp, 'all.png')
    expect((await runCli(['sample', '--model', ckpt(), '--class', 'all', '--out', grid])).code).toBe(0)
    const g = png(grid)
    expect([g.width, g.height]).toEqual([302, 302])
  })

  it.each([
    [['--class', '10'], /--class must be a class id 0\.\.9 or all, got "10"/],
    [['--class', '-1'], /--class must be a class id 0\.\.9 or all, got "-1"/],
    [['--class', '2.5'], /--class must be an integer class id 0\.\.9, or a class name \(T-shirt\/top.*\), or all; got "2\.5"/],
    [['--class', 'all', '--n', '15'], /--n must be a multiple of 10, got 15/],
    [['--class', '1', '--labels-out', 'x.idx'], /--labels-out writes IDX labels beside IDX images; give --format idx/],
    [['--format', 'idx', '--labels-out', 'x.idx'], /--labels-out needs --class/],
  ])('%j is a usage error', async (extra, message) => {
    const r = await runCli(['sample', '--model', ckpt(), '--out', join(tmp, 'never.png'), ...extra])
    expect(r.stderr).toMatch(message)
    expect(r.code).toBe(2)
  })

  it('interpolate walks a conditional model, one class per row', async () => {
    const out = join(tmp, 'walk.png')
    const r = await runCli(['interpolate', '--model', ckpt(), '--n', '10', '--frames', '4', '--out', out])
    expect(r.code).toBe(0)
    expect([png(out).width, png(out).height]).toEqual([4 * 30 + 2, 302])
  })

  it('--class on an unconditional model is a usage error', async () => {
    const r = await runCli(['sample', '--model', join(plain, 'checkpoint.wgan'), '--class', '1', '--out', join(tmp, 'never.png')])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--class: .* holds an unconditional GAN, which generates no classes/)
  })
})
