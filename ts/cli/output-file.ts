/**
 * Writing the single output file of `sample` and `interpolate`: never over
 * an existing file unless `--force` says so, never half-written (atomic
 * replace), and a one-line error when the place cannot be written.
 */

import { existsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { CliError, EXIT } from './errors.js'
import { writeFileAtomic } from './files.js'

/** Checks that `path` may be written, before any work is done. */
export function checkOutputFile(path: string, force: boolean): void {
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new CliError(EXIT.output, `--out ${path} is a folder; give a file name`)
    if (!force) throw new CliError(EXIT.output, `${path} already exists; pass --force to replace it`)
  }
  const dir = dirname(path)
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CliError(EXIT.output, `cannot write ${path}: the folder ${dir} does not exist`)
}

/** Writes `bytes` to `path` atomically, or fails with exit 4. */
export function writeOutputFile(path: string, bytes: Uint8Array): void {
  try {
    writeFileAtomic(path, bytes)
  } catch (err) {
    throw new CliError(EXIT.output, `cannot write ${path}: ${(err as Error).message}`)
  }
}
