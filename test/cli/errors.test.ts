/**
 * Bad input to the CLI: every case the issue lists gets one line on stderr
 * that names the problem, its own non-zero exit code, and leaves the files
 * already on disk exactly as they were. The "existing files" here are a real
 * earlier run, given as --out (or as the checkpoint) to every failing command.
 */

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeIdx } from '../../ts/idx.js'
import { runCli, treeDigest, writeFashionSubset, type CliResult } from './helpers.js'

let tmp: string
let data: string
let run: string
let before: Record<string, string>

const trainArgs = (extra: string[]) => ['train', '--data', data, '--steps', '10', '--every', '5', '--batch', '16', ...extra]

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmgan-cli-errors-'))
  data = join(tmp, 'data')
  run = join(tmp, 'run')
  await writeFashionSubset(data, 128)
  const r = await runCli(trainArgs(['--out', run]))
  if (r.code !== 0) throw new Error(`the reference run failed: ${r.stderr}`)
  before = treeDigest(run)
})

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** One line on stderr, starting like every CLI error, containing each fragment; the given exit code; the run untouched. */
function expectRefusal(r: CliResult, code: number, ...fragments: string[]): void {
  expect(r.stderr.split('\n')[0]).toMatch(/^wasmgan: error: /)
  for (const f of fragments) expect(r.stderr.split('\n')[0]).toContain(f)
  expect(r.code, r.stderr).toBe(code)
  expect(treeDigest(run)).toEqual(before)
}

/** Like expectRefusal, and the message is exactly one line. */
function expectOneLine(r: CliResult, code: number, ...fragments: string[]): void {
  expectRefusal(r, code, ...fragments)
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
}

describe('bad data (exit 3)', () => {
  it('a missing data folder', async () => {
    const r = await runCli(trainArgs(['--out', run, '--data', join(tmp, 'nowhere')]))
    expectOneLine(r, 3, 'cannot read the data folder', 'nowhere', 'ENOENT')
  })

  it('an unreadable images file', async () => {
    const dir = join(tmp, 'unreadable')
    mkdirSync(join(dir, 'train-images-idx3-ubyte.gz'), { recursive: true }) // a folder where the file should be
    const r = await runCli(trainArgs(['--out', run, '--data', dir]))
    expectOneLine(r, 3, 'cannot read', 'train-images-idx3-ubyte.gz', 'EISDIR')
  })

  it('a corrupt gzip', async () => {
    const dir = join(tmp, 'corrupt-gzip')
    mkdirSync(dir)
    const gz = readFileSync(join(data, 'train-images-idx3-ubyte.gz'))
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gz.subarray(0, gz.length >> 1))
    const r = await runCli(trainArgs(['--out', run, '--data', dir]))
    expectOneLine(r, 3, 'train-images-idx3-ubyte.gz', 'corrupt or truncated gzip')
  })

  it('a wrong IDX magic', async () => {
    const dir = join(tmp, 'bad-magic')
    mkdirSync(dir)
    const idx = await encodeIdx({ dtype: 'u8', shape: [4, 2, 2], data: new Uint8Array(16) })
    idx[0] = 0x12
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx)
    const r = await runCli(trainArgs(['--out', run, '--data', dir]))
    expectOneLine(r, 3, 'train-images-idx3-ubyte', 'not an IDX file: expected magic bytes 0x00 0x00, got 0x12 0x00')
  })

  it('an image/label count mismatch', async () => {
    const dir = join(tmp, 'mismatch')
    mkdirSync(dir)
    copyFileSync(join(data, 'train-images-idx3-ubyte.gz'), join(dir, 'train-images-idx3-ubyte.gz'))
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), await encodeIdx({ dtype: 'u8', shape: [127], data: new Uint8Array(127) }))
    const r = await runCli(trainArgs(['--out', run, '--data', dir]))
    expectOneLine(r, 3, 'label count does not match image count: 128 images but 127 labels')
  })
})

describe('bad flag values (exit 2)', () => {
  const cases: [string[], string][] = [
    [['--batch', '0'], '--batch must be an integer in 1..65536, got "0"'],
    [['--steps', '-5'], '--steps must be an integer ≥ 1, got "-5"'],
    [['--lr', 'NaN'], '--lr must be a number > 0, got "NaN"'],
    [['--epochs', 'ten'], '--epochs must be an integer in 1..1000000, got "ten"'],
    [['--seconds', '0'], '--seconds must be a number > 0, got "0"'],
    [['--every', '1.5'], '--every must be an integer ≥ 1, got "1.5"'],
    [['--limit', '1e3'], '--limit must be an integer ≥ 1, got "1e3"'],
    [['--beta1', '1'], '--beta1 must be a number ≥ 0 and < 1, got "1"'],
    [['--g-hidden', '128,,128'], '--g-hidden must be comma-separated layer widths'],
    [['--dataset', 'cifar'], '--dataset must be one of fashion-mnist, mnist, got "cifar"'],
    [['--loss', 'wasserstein'], '--loss must be one of bce, hinge, least-squares, got "wasserstein"'],
    [['--ema-decay', '1'], '--ema-decay must be a number ≥ 0 and < 1, got "1"'],
    [['--seconds', '5'], 'give only one of --epochs, --steps, --seconds (got --steps and --seconds)'],
    [['--bogus'], "error: unknown option '--bogus'"],
    [['--limit', '100000'], '--limit 100000 is more than the 128 images'],
    [['--batch', '200'], '--batch 200 needs at least that many images, but the data has 128'],
  ]
  for (const [extra, message] of cases) {
    it(`${extra.join(' ')}`, async () => {
      const r = await runCli(trainArgs(['--out', run, ...extra]))
      expectRefusal(r, 2, message)
    })
  }

  it('sample with a word for --n', async () => {
    const out = join(tmp, 'never.png')
    const r = await runCli(['sample', '--model', join(run, 'checkpoint.wgan'), '--n', 'many', '--out', out])
    expectOneLine(r, 2, '--n must be an integer in 1..1048576, got "many"')
    expect(existsSync(out)).toBe(false)
  })
})

describe('output that cannot be used (exit 4)', () => {
  it('a folder that holds other files', async () => {
    const other = join(tmp, 'other')
    mkdirSync(other)
    writeFileSync(join(other, 'notes.txt'), 'mine')
    const r = await runCli(trainArgs(['--out', other]))
    expectOneLine(r, 4, `the output folder ${other} already holds 1 file(s) and no wasmgan run`)
    expect(treeDigest(other)).toEqual({ 'notes.txt': treeDigest(other)['notes.txt'] })
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine')
  })

  it('an earlier run of a different config', async () => {
    const r = await runCli(trainArgs(['--out', run, '--lr', '0.001']))
    expectOneLine(r, 4, `the output folder ${run} holds a run with a different config (model.generatorOptimizer.lr`)
  })

  it('an unwritable place', async () => {
    const file = join(tmp, 'a-file')
    writeFileSync(file, 'x')
    const r = await runCli(trainArgs(['--out', join(file, 'run')]))
    expectOneLine(r, 4, 'cannot write in the output folder', 'ENOTDIR')
    const r2 = await runCli(trainArgs(['--out', file]))
    expectOneLine(r2, 4, `the output ${file} exists and is not a folder`)
    expect(readFileSync(file, 'utf8')).toBe('x')
  })
})

describe('bad checkpoints (exit 5)', () => {
  /** A copy of the run's checkpoint with bytes changed, the CRC fixed when asked. */
  function damaged(name: string, change: (b: Buffer) => void, fixCrc: boolean): string {
    const b = Buffer.from(readFileSync(join(run, 'checkpoint.wgan')))
    change(b)
    if (fixCrc) b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)), b.length - 4)
    const path = join(tmp, name)
    writeFileSync(path, b)
    return path
  }

  it('another format version: info, sample and --resume all refuse it', async () => {
    const v2 = damaged('v3.wgan', (b) => b.writeUInt32LE(3, 8), true)
    const message = 'checkpoint format version 3 is not supported by this build (it reads versions 1 to 2)'
    expectOneLine(await runCli(['info', v2]), 5, v2, message)
    const out = join(tmp, 'from-v2.png')
    expectOneLine(await runCli(['sample', '--model', v2, '--out', out]), 5, message)
    expect(existsSync(out)).toBe(false)
    expectOneLine(await runCli(['train', '--resume', v2, '--out', run]), 5, message)
  })

  it('a damaged file', async () => {
    const bad = damaged('flipped.wgan', (b) => (b[b.length >> 1] ^= 0x40), false)
    expectOneLine(await runCli(['info', bad]), 5, 'checksum mismatch', 'truncated or corrupted')
  })

  it('a missing file, and a file that is not a checkpoint', async () => {
    expectOneLine(await runCli(['info', join(tmp, 'none.wgan')]), 5, 'cannot read the checkpoint', 'no such file')
    const png = join(run, 'samples', 'latest.png')
    expectOneLine(await runCli(['interpolate', '--model', png, '--out', join(tmp, 'w.gif')]), 5, 'is not a wasmgan checkpoint')
  })
})

describe('the same config again', () => {
  it('replaces the earlier run in its folder (the stop rule may differ)', async () => {
    // Runs last: it changes the run the other cases compare against.
    const r = await runCli(['train', '--data', data, '--steps', '15', '--every', '5', '--batch', '16', '--out', run])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`replacing the earlier run of the same config in ${run}`)
    const last = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').pop()!
    expect(JSON.parse(last).step).toBe(15)
  })
})
