/**
 * Finds and loads the training data. A dataset named with `--dataset` is
 * looked for in the system location (Debian's dataset packages), then in the
 * per-user cache; when it is in neither it is downloaded into the cache from
 * its official source and verified by checksum, and when that fails (no
 * network) the error says exactly how to get it. `--data DIR` reads any pair
 * of IDX image/label files instead.
 */

import { createHash } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { loadImageDataset, type ImageDataset } from '../data.js'
import { KNOWN_DATASETS, type KnownDataset } from './datasets.js'
import { DownloadError, downloadFiles } from './download.js'
import { CliError, EXIT, toCliError, usage } from './errors.js'
import { exitCodeFor } from './signals.js'

/** Which data a run trains on, as recorded in its config. */
export type DatasetRef = { name: KnownDataset['id'] } | { name: 'custom'; dir: string; images: string; labels?: string }

/** Training data ready to use, with where it came from. */
export interface LoadedData {
  data: ImageDataset
  ref: DatasetRef
  /** The folder the files were read from (for messages). */
  dir: string
  /** SHA-256 of the images (and labels) as used, so a resume can check it trains on the same data. */
  digest: string
}

/**
 * The per-user cache: `$WASMGAN_CACHE_DIR`, else `$XDG_CACHE_HOME/wasmgan`,
 * else `~/.cache/wasmgan`.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WASMGAN_CACHE_DIR) return resolve(env.WASMGAN_CACHE_DIR)
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'wasmgan')
  return join(homedir(), '.cache', 'wasmgan')
}

/**
 * Base URLs to download `ds` from: the official ones, or
 * `$WASMGAN_DATASET_MIRROR/<id>/` when that is set (a local mirror, or the
 * tests' server).
 */
export function mirrorsFor(ds: KnownDataset, env: NodeJS.ProcessEnv = process.env): string[] {
  const mirror = env.WASMGAN_DATASET_MIRROR
  if (mirror) return [`${mirror.replace(/\/+$/, '')}/${ds.id}/`]
  return ds.mirrors
}

const trainFiles = (ds: KnownDataset) => [ds.train.images, ds.train.labels]
const hasAll = (dir: string, ds: KnownDataset) => trainFiles(ds).every((f) => existsSync(join(dir, f.name)))

/** The folder holding `ds`'s training files, downloading them into the cache when needed. */
export async function locateKnown(ds: KnownDataset, log: (line: string) => void): Promise<string> {
  if (hasAll(ds.systemDir, ds)) return ds.systemDir
  const cached = join(cacheRoot(), 'datasets', ds.id)
  if (hasAll(cached, ds)) return cached
  const mirrors = mirrorsFor(ds)
  log(`${ds.title} is not in ${ds.systemDir} or ${cached}; downloading it from ${mirrors.join(' or ')}`)
  // Ctrl-C during a download stops it cleanly, so its staging folder is removed too.
  const controller = new AbortController()
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => () => {
    stoppedBy = sig
    controller.abort()
  }
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') }
  process.on('SIGINT', handlers.SIGINT)
  process.on('SIGTERM', handlers.SIGTERM)
  try {
    await downloadFiles(trainFiles(ds), cached, { mirrors, log: (line) => log(`  ${line}`), signal: controller.signal })
  } catch (err) {
    if (stoppedBy) throw new CliError(exitCodeFor(stoppedBy), `${stoppedBy}: stopped downloading ${ds.title}; nothing was kept`)
    if (!(err instanceof DownloadError)) throw err
    const what =
      err.kind === 'network'
        ? 'could not be downloaded (no network?)'
        : err.kind === 'checksum'
          ? 'failed its checksum'
          : 'could not be downloaded'
    throw new CliError(EXIT.data, `${ds.title} is not on this machine and ${what}: ${err.message}`, howToGet(ds, cached))
  } finally {
    process.off('SIGINT', handlers.SIGINT)
    process.off('SIGTERM', handlers.SIGTERM)
  }
  return cached
}

/** Exact steps to get a dataset by hand, for the offline error. */
function howToGet(ds: KnownDataset, cached: string): string[] {
  const lines = [`looked in: ${ds.systemDir}, ${cached}`]
  if (ds.systemPackage) lines.push(`on Debian/Ubuntu (as root): apt-get install -y ${ds.systemPackage}`)
  lines.push(`${ds.systemPackage ? 'or, ' : ''}on a machine with a network, fetch the files into ${cached} and check their MD5 sums:`)
  lines.push(`  mkdir -p ${cached} && cd ${cached}`)
  for (const f of trainFiles(ds)) lines.push(`  curl -fLO ${ds.mirrors[0]}${f.name}    # MD5 ${f.md5}`)
  for (const m of ds.mirrors.slice(1)) lines.push(`  (the same files are at ${m})`)
  lines.push(
    `  md5sum ${trainFiles(ds)
      .map((f) => f.name)
      .join(' ')}`,
  )
  lines.push('or train on any IDX image/label pair with --data DIR')
  return lines
}

/** Picks the image and label files in a `--data` folder. */
export function findIdxPair(dir: string): { images: string; labels?: string } {
  let names: string[]
  try {
    if (!statSync(dir).isDirectory())
      throw new CliError(EXIT.data, `--data ${dir} is not a folder (give the folder that holds the IDX files)`)
    names = readdirSync(dir)
  } catch (err) {
    if (err instanceof CliError) throw err
    throw new CliError(EXIT.data, `cannot read the data folder ${dir}: ${(err as Error).message}`)
  }
  const idx = names.filter((n) => /idx\d-ubyte(\.gz)?$|\.idx\d?(\.gz)?$/i.test(n))
  const pick = (re: RegExp) => {
    const train = idx.filter((n) => re.test(n) && /^train/i.test(n))
    return train.length > 0 ? train : idx.filter((n) => re.test(n))
  }
  const images = pick(/images|idx3/i)
  const labels = pick(/labels|idx1/i).filter((n) => !images.includes(n))
  if (images.length !== 1 || labels.length > 1) {
    const found = idx.length ? idx.join(', ') : 'no IDX files'
    throw new CliError(
      EXIT.data,
      `--data ${dir} must hold one IDX image file (e.g. train-images-idx3-ubyte.gz) and at most one label file, found: ${found}`,
    )
  }
  return { images: images[0]!, labels: labels[0] }
}

/** What {@link loadTrainingData} needs to know. */
export interface DataRequest {
  dataset?: KnownDataset['id']
  dataDir?: string
  /** Use only the first `limit` images. */
  limit?: number
}

/** Parsed IDX files by path, for this process (the data is never modified, only viewed). */
const parsedFiles = new Map<string, Promise<ImageDataset>>()

/** Resolves, loads, limits and fingerprints the training data. */
export async function loadTrainingData(req: DataRequest, log: (line: string) => void): Promise<LoadedData> {
  let dir: string
  let ref: DatasetRef
  let files: { images: string; labels?: string }
  let classNames: readonly string[] | undefined
  if (req.dataDir !== undefined) {
    dir = resolve(req.dataDir)
    files = findIdxPair(dir)
    ref = { name: 'custom', dir, ...files }
  } else {
    const ds = KNOWN_DATASETS[req.dataset ?? 'fashion-mnist']
    dir = await locateKnown(ds, log)
    files = { images: ds.train.images.name, labels: ds.train.labels.name }
    ref = { name: ds.id }
    classNames = ds.classNames
  }
  let data: ImageDataset
  try {
    const images = join(dir, files.images)
    const labels = files.labels === undefined ? undefined : join(dir, files.labels)
    // One parse per file per process: a conditional run reads the full training split again for its score classifier.
    const key = `${images}\n${labels ?? ''}`
    let parsed = parsedFiles.get(key)
    if (!parsed) {
      parsed = loadImageDataset({ images, labels })
      parsedFiles.set(key, parsed)
      parsed.catch(() => parsedFiles.delete(key))
    }
    data = { ...(await parsed) }
  } catch (err) {
    // Parse errors already name the file; pair errors (count mismatch) name the folder.
    const named = err instanceof Error && err.message.includes(dir)
    throw toCliError(err, 'data', named ? undefined : `data in ${dir}`)
  }
  if (classNames) {
    if (data.classes !== undefined && data.classes > classNames.length) {
      throw new CliError(
        EXIT.data,
        `${join(dir, files.labels!)}: labels go up to ${data.classes - 1}, but ${ref.name} has ${classNames.length} classes`,
      )
    }
    data.classes = classNames.length
    data.classNames = [...classNames]
  }
  if (req.limit !== undefined) {
    if (req.limit > data.count) usage(`--limit ${req.limit} is more than the ${data.count} images in ${dir}`)
    data = {
      ...data,
      count: req.limit,
      images: data.images.subarray(0, req.limit * data.dim),
      labels: data.labels?.subarray(0, req.limit),
    }
  }
  return { data, ref, dir, digest: digestOf(data) }
}

function digestOf(data: ImageDataset): string {
  const h = createHash('sha256')
  h.update(`${data.count}x${data.height}x${data.width}\n`)
  h.update(new Uint8Array(data.images.buffer, data.images.byteOffset, data.images.byteLength))
  if (data.labels) h.update(new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength))
  return h.digest('hex')
}
