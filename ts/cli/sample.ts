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
  /** Default 64, or 10 per class with `--class all`. */
  n?: number
  out: string
  format?: SampleFormat
  seed: number
  columns?: number
  force?: boolean
  /** A class id, a class name, or `all`. */
  class?: string
  labelsOut?: string
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

/** A class given as an id (0..k-1) or a name, or a usage error. */
export function classId(text: string, k: number, names: readonly string[]): number {
  const t = text.trim()
  if (/^[+-]?\d+$/.test(t)) {
    const v = Number(t)
    if (v < 0 || v >= k) usage(`--class must be a class id 0..${k - 1} or all, got ${JSON.stringify(text)} (the model has ${k} classes)`)
    return v
  }
  const i = names.findIndex((n) => n.toLowerCase() === t.toLowerCase())
  if (i >= 0) return i
  const known = names.length ? `, or a class name (${names.join(', ')})` : ''
  usage(`--class must be an integer class id 0..${k - 1}${known}, or all; got ${JSON.stringify(text)}`)
}

/** Labels as IDX1 bytes: u8 when every class fits, which is what MNIST-style tools read. */
function u8Labels(labels: Uint32Array, k: number): Uint8Array {
  if (k > 256) usage(`--labels-out writes u8 labels, but the model has ${k} classes`)
  return Uint8Array.from(labels)
}

/** Runs `wasmgan sample`; resolves to the exit code. */
export async function runSample(f: SampleFlags, print: (line: string) => void): Promise<number> {
  const format = f.format ?? formatOf(f.out)
  if (!format)
    usage(`cannot tell the format of --out ${f.out} from its name; end it in .png, .idx (or -ubyte, .gz) or .npy, or give --format`)
  if (f.labelsOut !== undefined && format !== 'idx') {
    usage(`--labels-out writes IDX labels beside IDX images; give --format idx (or an --out ending in .idx, -ubyte or .gz), not ${format}`)
  }
  if (f.labelsOut !== undefined && f.class === undefined)
    usage('--labels-out needs --class (K or all): the labels are the classes asked for')
  checkOutputFile(f.out, !!f.force)
  if (f.labelsOut !== undefined) checkOutputFile(f.labelsOut, !!f.force)
  const { gan, meta } = loadCheckpoint(f.model, '`wasmgan sample`')
  let labels: Uint32Array | undefined
  let n: number
  let columns = f.columns
  try {
    const k = gan.config.classes
    n = f.n ?? (f.class === 'all' ? 10 * k : 64)
    if (f.class !== undefined) {
      if (k === 0) usage(`--class: ${f.model} holds an unconditional GAN, which generates no classes (train one with --conditional)`)
      if (f.class === 'all') {
        if (n % k !== 0) usage(`--class all gives every one of the ${k} classes an equal share: --n must be a multiple of ${k}, got ${n}`)
        labels = Uint32Array.from({ length: n }, (_, i) => Math.floor((i * k) / n))
        columns ??= n / k
      } else {
        labels = new Uint32Array(n).fill(classId(f.class, k, gan.config.classNames))
      }
    }
  } catch (err) {
    gan.dispose()
    throw err
  }
  const { height, width } = imageShape(meta, gan.config.dataDim)
  const images = gan.sample(n, { seed: f.seed, ...(labels && { labels }) })
  gan.dispose()
  let bytes: Uint8Array
  if (format === 'png') {
    bytes = encodePng(imageGrid(images, n, { imageWidth: width, columns }))
  } else if (format === 'idx') {
    bytes = await encodeIdx(
      { dtype: 'u8', shape: [n, height, width], data: toBytes(images) },
      { gzip: f.out.toLowerCase().endsWith('.gz') },
    )
  } else {
    bytes = encodeNpyF32(images, [n, height, width])
  }
  writeOutputFile(f.out, bytes)
  const what = labels === undefined ? '' : f.class === 'all' ? `, ${n / gan.config.classes} of each class` : ` of class ${labels[0]}`
  print(`wrote ${n} samples of ${width}×${height}${what} (seed ${f.seed}) as ${format} to ${f.out}`)
  if (f.labelsOut !== undefined && labels) {
    const gz = f.labelsOut.toLowerCase().endsWith('.gz')
    writeOutputFile(f.labelsOut, await encodeIdx({ dtype: 'u8', shape: [n], data: u8Labels(labels, gan.config.classes) }, { gzip: gz }))
    print(`wrote their ${n} labels as IDX1 to ${f.labelsOut}`)
  }
  return EXIT.ok
}
