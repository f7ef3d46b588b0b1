/**
 * `wasmgan sample`: images from a checkpoint, as a PNG grid, an IDX file
 * (u8, `n × height × width`, the layout MNIST tools read; gzipped when the
 * name ends in .gz) or a NumPy .npy file (float32, the generator's raw
 * output in [-1, 1]).
 */

import { encodeIdx } from '../idx.js'
import { imageGrid } from '../grid.js'
import { loadCheckpoint } from './checkpoint-file.js'
import type { SampleFormat } from './constants.js'
import { EXIT, usage } from './errors.js'
import { encodeNpyF32 } from './npy.js'
import { checkOutputFile, writeOutputFile } from './output-file.js'
import { encodePng } from './png.js'
import { imageShape } from './run-config.js'

/** The flags of `sample`. */
export interface SampleFlags {
  model: string
  n: number
  out: string
  format?: SampleFormat
  seed: number
  columns?: number
  force?: boolean
}

/** The format a file name implies, if any. */
export function formatOf(path: string): SampleFormat | undefined {
  const p = path.toLowerCase()
  if (p.endsWith('.png')) return 'png'
  if (p.endsWith('.npy')) return 'npy'
  if (/(\.idx\d?|-ubyte|\.ubyte)(\.gz)?$/.test(p)) return 'idx'
  return undefined
}

/** Maps [-1, 1] to 0..255, the inverse of the loaders' x / 127.5 − 1. */
export function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i]! + 1) * 127.5)
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v
  }
  return out
}

/** Runs `wasmgan sample`; resolves to the exit code. */
export async function runSample(f: SampleFlags, print: (line: string) => void): Promise<number> {
  const format = f.format ?? formatOf(f.out)
  if (!format)
    usage(`cannot tell the format of --out ${f.out} from its name; end it in .png, .idx (or -ubyte, .gz) or .npy, or give --format`)
  checkOutputFile(f.out, !!f.force)
  const { gan, meta } = loadCheckpoint(f.model)
  const { height, width } = imageShape(meta, gan.config.dataDim)
  const images = gan.sample(f.n, { seed: f.seed })
  gan.dispose()
  let bytes: Uint8Array
  if (format === 'png') {
    bytes = encodePng(imageGrid(images, f.n, { imageWidth: width, columns: f.columns }))
  } else if (format === 'idx') {
    bytes = await encodeIdx(
      { dtype: 'u8', shape: [f.n, height, width], data: toBytes(images) },
      { gzip: f.out.toLowerCase().endsWith('.gz') },
    )
  } else {
    bytes = encodeNpyF32(images, [f.n, height, width])
  }
  writeOutputFile(f.out, bytes)
  print(`wrote ${f.n} samples of ${width}×${height} (seed ${f.seed}) as ${format} to ${f.out}`)
  return EXIT.ok
}
