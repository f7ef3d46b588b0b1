/**
 * Reading a checkpoint file for `sample`, `interpolate`, `info` and
 * `--resume`, with one-line errors that say which file and what is wrong
 * with it (missing, not a checkpoint, damaged, another format version).
 */

import { readFileSync, statSync } from 'node:fs'
import { Gan } from '../gan.js'
import { CliError, EXIT, toCliError } from './errors.js'
import { checkpointFormatOf } from './version.js'

/** A loaded checkpoint. */
export interface LoadedCheckpoint {
  path: string
  bytes: Uint8Array
  gan: Gan
  meta: Record<string, unknown> | undefined
}

/** The bytes of a checkpoint file, or a CliError (exit 5). */
export function readCheckpointBytes(path: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) {
      throw new CliError(
        EXIT.checkpoint,
        `${path} is a folder; give the checkpoint file (e.g. ${path.replace(/\/+$/, '')}/checkpoint.wgan)`,
      )
    }
    const buf = readFileSync(path)
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
  } catch (err) {
    if (err instanceof CliError) throw err
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : (err as Error).message
    throw new CliError(EXIT.checkpoint, `cannot read the checkpoint ${path}: ${why}`)
  }
}

/** Reads and loads a checkpoint; `init()` must have run. */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  const bytes = readCheckpointBytes(path)
  if (checkpointFormatOf(bytes) === undefined) {
    throw new CliError(EXIT.checkpoint, `${path} is not a wasmgan checkpoint (it does not start with the WASMGAN magic bytes)`)
  }
  let gan: Gan
  try {
    gan = Gan.load(bytes)
  } catch (err) {
    // The library checks the CRC before the version, so a damaged file is reported as damaged.
    throw toCliError(err, 'checkpoint', path)
  }
  let meta: Record<string, unknown> | undefined
  try {
    meta = gan.meta
  } catch (err) {
    gan.dispose()
    throw toCliError(err, 'checkpoint', path)
  }
  return { path, bytes, gan, meta }
}
