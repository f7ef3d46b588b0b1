/**
 * Versions the CLI records in every run and prints with `info`: the package
 * version (read from package.json at build time; esbuild inlines just this
 * field) and the checkpoint format this build writes.
 */

import { version } from '../../package.json'

/** The wasmgan package version. */
export const PACKAGE_VERSION: string = version

/**
 * The checkpoint format version this build writes, as specified in
 * docs/checkpoint-format.md (bytes 8..12 of every checkpoint, little-endian).
 */
export const CHECKPOINT_FORMAT = 2

/** The oldest checkpoint format version this build reads. */
export const OLDEST_CHECKPOINT_FORMAT = 1

/** The format version stored in checkpoint `bytes`, or undefined when they do not start with the wasmgan magic. */
export function checkpointFormatOf(bytes: Uint8Array): number | undefined {
  const magic = 'WASMGAN\0'
  if (bytes.length < 12) return undefined
  for (let i = 0; i < 8; i++) if (bytes[i] !== magic.charCodeAt(i)) return undefined
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true)
}
