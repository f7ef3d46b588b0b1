/**
 * `wasmgan translate --model CKPT --in FILE --out FILE`: runs a translator
 * checkpoint (from `train --task`) on the images of an IDX file and writes
 * the outputs as a PNG grid, an IDX file (u8) or a .npy file (float32), as
 * `sample` does. With --derive the input holds plain images and the sources
 * are derived by the model's built-in task first (edge maps, masked squares,
 * downsampling), so held-out images can be translated directly.
 */

import { encodeIdx } from '../idx.js'
import { imageGrid } from '../grid.js'
import { loadImageDataset } from '../data.js'
import { checkpointKindOf, loadModelCheckpoint, notATranslator } from './checkpoint-file.js'
import type { SampleFormat } from './constants.js'
import { EXIT, toCliError, usage, CliError } from './errors.js'
import { encodeNpyF32 } from './npy.js'
import { checkOutputFile, writeOutputFile } from './output-file.js'
import { encodePng } from './png.js'
import { formatOf, toBytes } from './sample.js'

/** The flags of `translate`. */
export interface TranslateFlags {
  model: string
  in: string
  out: string
  format?: SampleFormat
  derive?: boolean
  limit?: number
  seed: number
  columns?: number
  force?: boolean
}

/** Runs `wasmgan translate`; resolves to the exit code. */
export async function runTranslate(f: TranslateFlags, print: (line: string) => void): Promise<number> {
  const format = f.format ?? formatOf(f.out)
  if (!format)
    usage(`cannot tell the format of --out ${f.out} from its name; end it in .png, .idx (or -ubyte, .gz) or .npy, or give --format`)
  checkOutputFile(f.out, !!f.force)
  const kind = checkpointKindOf(f.model)
  if (kind !== 'translator') throw notATranslator(f.model, kind)
  let images
  try {
    images = await loadImageDataset({ images: f.in })
  } catch (err) {
    throw toCliError(err, 'data', `--in ${f.in}`)
  }
  const loaded = loadModelCheckpoint(f.model)
  if (loaded.kind !== 'translator') throw notATranslator(f.model, loaded.kind)
  const tr = loaded.model
  try {
    const c = tr.config
    if (images.width !== c.width || images.height !== c.height) {
      throw new CliError(
        EXIT.data,
        `--in ${f.in} holds ${images.height}×${images.width} images, but the model translates ${c.height}×${c.width}`,
      )
    }
    if (f.derive && c.task === 'pairs')
      usage('--derive: this translator was trained on user pairs, so it has no built-in task to derive sources with')
    const n = Math.min(f.limit ?? images.count, images.count)
    let sources = images.images.subarray(0, n * tr.dim)
    if (f.derive) sources = tr.sourcesFor(sources, { seed: f.seed })
    const outputs = tr.translate(sources, { seed: f.seed })
    let bytes: Uint8Array
    if (format === 'png') bytes = encodePng(imageGrid(outputs, n, { imageWidth: c.width, columns: f.columns }))
    else if (format === 'idx')
      bytes = await encodeIdx(
        { dtype: 'u8', shape: [n, c.height, c.width], data: toBytes(outputs) },
        { gzip: f.out.toLowerCase().endsWith('.gz') },
      )
    else bytes = encodeNpyF32(outputs, [n, c.height, c.width])
    writeOutputFile(f.out, bytes)
    print(
      `translated ${n} images of ${c.width}×${c.height} (task ${c.task}${f.derive ? ', sources derived from --in' : ''}) as ${format} to ${f.out}`,
    )
    return EXIT.ok
  } finally {
    tr.dispose()
  }
}
