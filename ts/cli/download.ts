/**
 * Downloads a set of files into a folder, all or nothing: each file is
 * streamed into a private staging folder while its MD5 is computed, a file
 * whose sum differs from the expected one is refused, and only when every
 * file has arrived and matched are they moved into place. A failure at any
 * point removes the staging folder, so the target never holds a partial or
 * unverified file.
 */

import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** A file to fetch and the MD5 it must have. */
export interface FileToFetch {
  name: string
  md5: string
}

/** Why a download failed: `network` when no server answered (offline), else the first real problem. */
export class DownloadError extends Error {
  readonly kind: 'network' | 'http' | 'checksum' | 'io' | 'aborted'
  constructor(kind: DownloadError['kind'], message: string) {
    super(message)
    this.name = 'DownloadError'
    this.kind = kind
  }
}

/** Options of {@link downloadFiles}. */
export interface DownloadOptions {
  /** Base URLs tried in order for each file (a file's URL is base + name). */
  mirrors: string[]
  /** Abort a request that sends nothing for this long (default 30 s). */
  idleTimeoutMs?: number
  /** Progress lines ("fetching …", "verified …"). */
  log?: (line: string) => void
  /** Aborts the download (Ctrl-C); the staging folder is still removed. */
  signal?: AbortSignal
}

/**
 * Fetches every file into `dir`, verified, or throws {@link DownloadError}
 * leaving `dir` as it was. Files already in `dir` are not touched unless
 * listed (then they are replaced by the verified download).
 */
export async function downloadFiles(files: FileToFetch[], dir: string, options: DownloadOptions): Promise<void> {
  const log = options.log ?? (() => {})
  const parent = dirname(dir)
  try {
    await mkdir(parent, { recursive: true })
  } catch (err) {
    throw new DownloadError('io', `cannot create ${parent}: ${(err as Error).message}`)
  }
  // Staging next to the target, so the final rename never crosses filesystems.
  const staging = await mkdtemp(join(parent, `.${basename(dir)}.download-`)).catch((err: Error) => {
    throw new DownloadError('io', `cannot write in ${parent}: ${err.message}`)
  })
  try {
    for (const file of files) await fetchOne(file, staging, options, log)
    await mkdir(dir, { recursive: true })
    for (const file of files) await rename(join(staging, file.name), join(dir, file.name))
  } catch (err) {
    if (err instanceof DownloadError) throw err
    throw new DownloadError('io', `cannot store the download in ${dir}: ${(err as Error).message}`)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** Tries each mirror for one file; the first verified copy wins. */
async function fetchOne(file: FileToFetch, staging: string, options: DownloadOptions, log: (line: string) => void): Promise<void> {
  const failures: DownloadError[] = []
  for (const base of options.mirrors) {
    if (options.signal?.aborted) throw new DownloadError('aborted', 'the download was interrupted')
    const url = base.endsWith('/') ? base + file.name : `${base}/${file.name}`
    log(`fetching ${url}`)
    try {
      const { bytes, md5 } = await fetchToFile(url, join(staging, file.name), options.idleTimeoutMs ?? 30_000, options.signal)
      if (md5 !== file.md5.toLowerCase()) {
        throw new DownloadError('checksum', `${url} has MD5 ${md5}, expected ${file.md5} (refused; nothing was kept)`)
      }
      log(`verified ${file.name} (${(bytes / 1e6).toFixed(1)} MB, MD5 ${md5})`)
      return
    } catch (err) {
      await rm(join(staging, file.name), { force: true })
      const e = err instanceof DownloadError ? err : new DownloadError('io', `${url}: ${(err as Error).message}`)
      if (options.signal?.aborted) throw new DownloadError('aborted', 'the download was interrupted')
      log(`  failed: ${e.message}`)
      failures.push(e)
    }
  }
  // Report the most telling failure: a server that answered wrongly beats "no connection".
  throw failures.find((f) => f.kind !== 'network') ?? failures[0] ?? new DownloadError('network', 'no mirror to download from')
}

/** Streams one URL into `path`, hashing as it goes. */
async function fetchToFile(url: string, path: string, idleMs: number, outer?: AbortSignal): Promise<{ bytes: number; md5: string }> {
  const controller = new AbortController()
  outer?.addEventListener('abort', () => controller.abort(), { once: true })
  let timer = setTimeout(() => controller.abort(), idleMs)
  const poke = () => {
    clearTimeout(timer)
    timer = setTimeout(() => controller.abort(), idleMs)
  }
  let response: Response
  try {
    response = await fetch(url, { signal: controller.signal, redirect: 'follow' })
  } catch (err) {
    clearTimeout(timer)
    throw new DownloadError('network', `cannot reach ${url}: ${reason(err, controller.signal.aborted, idleMs)}`)
  }
  if (!response.ok || !response.body) {
    clearTimeout(timer)
    throw new DownloadError('http', `${url} answered HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`)
  }
  const hash = createHash('md5')
  const out = await open(path, 'w')
  let bytes = 0
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      poke()
      hash.update(chunk)
      await out.write(chunk)
      bytes += chunk.length
    }
    await out.sync()
  } catch (err) {
    throw new DownloadError(
      'network',
      `download of ${url} broke off after ${bytes} bytes: ${reason(err, controller.signal.aborted, idleMs)}`,
    )
  } finally {
    clearTimeout(timer)
    await out.close()
  }
  return { bytes, md5: hash.digest('hex') }
}

function reason(err: unknown, timedOut: boolean, idleMs: number): string {
  if (timedOut) return `no data for ${idleMs / 1000} s`
  const e = err as Error & { cause?: Error & { code?: string } }
  const cause = e?.cause
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`
  return cause?.message ?? e?.message ?? String(err)
}
