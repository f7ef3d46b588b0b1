/**
 * What a dropped or picked file is: a wasmgan checkpoint, an IDX image file
 * or an IDX label file (raw or gzipped), told apart by content rather than
 * by name. Only the first bytes are read (gzip is decompressed as a stream).
 */

export type FileKind =
  | { kind: 'checkpoint' }
  | { kind: 'images'; count: number; height: number; width: number }
  | { kind: 'labels'; count: number }
  | { kind: 'unknown'; reason: string }

const MAGIC = 'WASMGAN\0'

/** Reads the first `n` bytes of `blob`, through gunzip when it starts with 1f 8b. */
async function head(blob: Blob, n: number): Promise<Uint8Array> {
  const first = new Uint8Array(await blob.slice(0, Math.max(n, 2)).arrayBuffer())
  if (first[0] !== 0x1f || first[1] !== 0x8b) return first.subarray(0, n)
  const reader = blob.stream().pipeThrough(new DecompressionStream('gzip')).getReader()
  const out = new Uint8Array(n)
  let filled = 0
  try {
    while (filled < n) {
      const { done, value } = await reader.read()
      if (done) break
      const take = Math.min(value.length, n - filled)
      out.set(value.subarray(0, take), filled)
      filled += take
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  return out.subarray(0, filled)
}

/** Classifies a file by its first bytes. */
export async function classify(file: Blob): Promise<FileKind> {
  let bytes: Uint8Array
  try {
    bytes = await head(file, 16)
  } catch (e) {
    return { kind: 'unknown', reason: `it could not be read (${e instanceof Error ? e.message : String(e)})` }
  }
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(0, 8)) === MAGIC) return { kind: 'checkpoint' }
  if (bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const rank = bytes[3]
    const count = view.getUint32(4)
    if (rank === 3 && bytes.length >= 16) return { kind: 'images', count, height: view.getUint32(8), width: view.getUint32(12) }
    if (rank === 1) return { kind: 'labels', count }
    return { kind: 'unknown', reason: `it is an IDX file of rank ${rank}; images need rank 3, labels rank 1` }
  }
  return { kind: 'unknown', reason: 'it is neither an IDX file nor a wasmgan checkpoint' }
}
