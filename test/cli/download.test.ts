/**
 * Dataset resolution and download, against a local HTTP server on 127.0.0.1
 * (this suite never reaches the internet). The CLI is pointed at it with
 * WASMGAN_DATASET_MIRROR and given a private cache with WASMGAN_CACHE_DIR:
 * a file whose checksum differs from the published one is refused and
 * nothing is left in the cache; with no server answering, the error says how
 * to get the files; files already in the cache are used. The downloader
 * itself is exercised with files whose sums are known (a mirror that fails
 * first, then one that works).
 */

import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MNIST_DIR } from '../../ts/data.js'
import { KNOWN_DATASETS } from '../../ts/cli/datasets.js'
import { downloadFiles, DownloadError } from '../../ts/cli/download.js'
import { runCli, startCli, waitForLine, writeFashionSubset } from './helpers.js'

let tmp: string
let fixtures: string
let server: Server
let base: string
const requests: string[] = []

/** Every file under `dir`, as relative paths (empty when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
}

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex')

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmgan-cli-download-'))
  fixtures = join(tmp, 'fixtures')
  await writeFashionSubset(fixtures, 64)
  // Serves /<anything>/<file> from the fixtures; /broken/ answers 500, everything unknown 404.
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const name = (req.url ?? '').split('/').pop() ?? ''
    if (req.url?.startsWith('/slow/')) {
      // Half a file, then nothing: a download still under way when Ctrl-C comes.
      res.writeHead(200, { 'content-length': '1000000' })
      res.write(Buffer.alloc(50_000, 1))
      return
    }
    if (req.url?.startsWith('/broken/')) {
      res.writeHead(500).end('no')
      return
    }
    const path = join(fixtures, name)
    if (!name || !existsSync(path)) {
      res.writeHead(404).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(path))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  rmSync(tmp, { recursive: true, force: true })
})

describe('wasmgan train --dataset mnist (not installed on this machine)', () => {
  it('precondition: MNIST is not in the system location', () => {
    // Otherwise the CLI would use it and never download: these cases would not test anything.
    expect(existsSync(join(MNIST_DIR, 'train-images-idx3-ubyte.gz'))).toBe(false)
  })

  it('refuses a download whose checksum differs from the published one, keeping nothing', async () => {
    const cache = join(tmp, 'cache-mismatch')
    requests.length = 0
    const r = await runCli(['train', '--dataset', 'mnist', '--steps', '2', '--out', join(tmp, 'never')], {
      env: { WASMGAN_DATASET_MIRROR: base, WASMGAN_CACHE_DIR: cache },
    })
    expect(r.code).toBe(3)
    const images = KNOWN_DATASETS.mnist.train.images
    const served = md5(readFileSync(join(fixtures, images.name)))
    expect(r.stderr).toContain(
      `wasmgan: error: MNIST is not on this machine and failed its checksum: ${base}/mnist/${images.name} has MD5 ${served}, expected ${images.md5}`,
    )
    expect(requests).toEqual([`/mnist/${images.name}`])
    expect(filesUnder(cache)).toEqual([])
    expect(readdirSync(join(cache, 'datasets'))).toEqual([]) // no staging folder left either
    expect(existsSync(join(tmp, 'never'))).toBe(false)
  })

  it('Ctrl-C during a download exits 130 and leaves nothing in the cache', async () => {
    const cache = join(tmp, 'cache-interrupted')
    const { child, done } = startCli(['train', '--dataset', 'mnist', '--steps', '2', '--out', join(tmp, 'never')], {
      env: { WASMGAN_DATASET_MIRROR: `${base}/slow`, WASMGAN_CACHE_DIR: cache },
    })
    await waitForLine(child, /fetching /)
    // The staging folder exists while the bytes arrive.
    await new Promise((r) => setTimeout(r, 300))
    expect(readdirSync(join(cache, 'datasets')).length).toBe(1)
    child.kill('SIGINT')
    const r = await done
    expect(r.code).toBe(130)
    expect(r.stderr).toContain('wasmgan: error: SIGINT: stopped downloading MNIST; nothing was kept')
    expect(filesUnder(cache)).toEqual([])
    expect(readdirSync(join(cache, 'datasets'))).toEqual([])
  })

  it('offline: says exactly how to get the files', async () => {
    const cache = join(tmp, 'cache-offline')
    // A port that was just free: connecting is refused, as with no network.
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    const r = await runCli(['train', '--dataset', 'mnist', '--steps', '2', '--out', join(tmp, 'never')], {
      env: { WASMGAN_DATASET_MIRROR: `http://127.0.0.1:${port}`, WASMGAN_CACHE_DIR: cache },
    })
    expect(r.code).toBe(3)
    const lines = r.stderr.split('\n')
    const first = lines.findIndex((l) => l.startsWith('wasmgan: error:'))
    expect(lines[first]).toContain('MNIST is not on this machine and could not be downloaded (no network?)')
    expect(lines[first]).toContain('ECONNREFUSED')
    const advice = lines.slice(first + 1).join('\n')
    const dir = join(cache, 'datasets', 'mnist')
    expect(advice).toContain(`looked in: ${MNIST_DIR}, ${dir}`)
    expect(advice).toContain(`mkdir -p ${dir} && cd ${dir}`)
    for (const f of [KNOWN_DATASETS.mnist.train.images, KNOWN_DATASETS.mnist.train.labels]) {
      expect(advice).toContain(`curl -fLO ${KNOWN_DATASETS.mnist.mirrors[0]}${f.name}    # MD5 ${f.md5}`)
    }
    expect(advice).toContain('md5sum train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz')
    expect(advice).toContain('--data DIR')
    expect(filesUnder(cache)).toEqual([])
  })

  it('uses files already in the per-user cache', async () => {
    const cache = join(tmp, 'cache-filled')
    await writeFashionSubset(join(cache, 'datasets', 'mnist'), 64)
    const r = await runCli(['train', '--dataset', 'mnist', '--steps', '3', '--batch', '8', '--out', join(tmp, 'from-cache')], {
      env: { WASMGAN_DATASET_MIRROR: `${base}/broken`, WASMGAN_CACHE_DIR: cache },
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`from ${join(cache, 'datasets', 'mnist')}`)
    // 64 images: too few for the quality score's classifier, which the run says and skips.
    expect(r.stderr).toMatch(/no quality score at snapshots: 64 images are too few/)
    expect(JSON.parse(readFileSync(join(tmp, 'from-cache', 'config.json'), 'utf8')).dataset).toMatchObject({
      ref: { name: 'mnist' },
      count: 64,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    })
  })
})

describe('downloadFiles', () => {
  const files = () =>
    ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'].map((name) => ({ name, md5: md5(readFileSync(join(fixtures, name))) }))

  it('fetches every file, verified, trying the next mirror when one fails', async () => {
    const dir = join(tmp, 'dl-ok', 'set')
    const log: string[] = []
    await downloadFiles(files(), dir, { mirrors: [`${base}/broken/`, `${base}/good/`], log: (l) => log.push(l) })
    expect(filesUnder(dir).sort()).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'])
    for (const f of files()) expect(md5(readFileSync(join(dir, f.name)))).toBe(f.md5)
    expect(log.some((l) => l.includes('answered HTTP 500'))).toBe(true)
    expect(readdirSync(join(tmp, 'dl-ok'))).toEqual(['set'])
  })

  it('is all or nothing: a later file failing its sum leaves no earlier file behind', async () => {
    const parent = join(tmp, 'dl-bad')
    mkdirSync(parent)
    const list = files()
    list[1]!.md5 = '0'.repeat(32)
    const err = await downloadFiles(list, join(parent, 'set'), { mirrors: [`${base}/good/`] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DownloadError)
    expect((err as DownloadError).kind).toBe('checksum')
    expect((err as DownloadError).message).toContain(`expected ${'0'.repeat(32)}`)
    expect(readdirSync(parent)).toEqual([])
  })

  it('reports a missing file as an HTTP error', async () => {
    const err = await downloadFiles([{ name: 'absent.gz', md5: '0'.repeat(32) }], join(tmp, 'dl-404', 'set'), {
      mirrors: [`${base}/good/`],
    }).catch((e: unknown) => e)
    expect((err as DownloadError).kind).toBe('http')
    expect((err as DownloadError).message).toContain('answered HTTP 404')
    expect(filesUnder(join(tmp, 'dl-404'))).toEqual([])
  })
})
