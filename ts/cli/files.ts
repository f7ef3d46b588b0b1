/**
 * Writing files so that a crash, a kill or a full disk never leaves a broken
 * one behind: the bytes go to a temporary file in the same folder (flushed
 * to disk for checkpoints), then replace the target with one rename (atomic
 * on POSIX filesystems). A reader sees the old file or the new one, never half.
 */

import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

let counter = 0

/**
 * Replaces `path` with `data` atomically. With `durable`, the data and the
 * rename are also flushed to disk before returning, so the file survives a
 * power cut too (used for checkpoints; under load each flush costs tens of
 * milliseconds, too much for every grid and page).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, { durable = false }: { durable?: boolean } = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter++}`)
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'w', 0o644)
    let off = 0
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off)
    if (durable) fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, path)
  } catch (err) {
    if (fd !== undefined) closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
  if (durable) syncDir(dirname(path))
}

/** Makes a rename durable: the folder entry itself must reach the disk. Best effort (not every platform allows it). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Windows and some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

/** Removes temporary files a killed process left in `dir` (they are never read). */
export function removeStaleTemps(dir: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) if (/^\..+\.tmp-\d+-\d+$/.test(name)) rmSync(join(dir, name), { force: true })
}
