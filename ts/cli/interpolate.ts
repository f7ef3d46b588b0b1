/**
 * `wasmgan interpolate`: walks through the latent space between seeded
 * points. A PNG is a grid, one walk per row from its start (left) to its end
 * (right); a GIF animates a tile of walks that pass through several
 * keyframes and loop back to the first.
 */

import { imageGrid } from '../grid.js'
import { loadCheckpoint } from './checkpoint-file.js'
import { EXIT, usage } from './errors.js'
import { encodeGif } from './gif.js'
import { between, keyframes } from './latent.js'
import { checkOutputFile, writeOutputFile } from './output-file.js'
import { encodePng, upscale } from './png.js'
import { imageShape } from './run-config.js'

/** The flags of `interpolate` (undefined: the format's default). */
export interface InterpolateFlags {
  model: string
  out: string
  n?: number
  frames?: number
  points?: number
  seed: number
  scale?: number
  delay: number
  force?: boolean
}

/** Runs `wasmgan interpolate`; resolves to the exit code. */
export async function runInterpolate(f: InterpolateFlags, print: (line: string) => void): Promise<number> {
  const lower = f.out.toLowerCase()
  const format = lower.endsWith('.gif') ? 'gif' : lower.endsWith('.png') ? 'png' : undefined
  if (!format) usage(`--out ${f.out} must end in .png (a grid of walks) or .gif (an animation)`)
  checkOutputFile(f.out, !!f.force)
  const { gan, meta } = loadCheckpoint(f.model, '`wasmgan interpolate`')
  const { width } = imageShape(meta, gan.config.dataDim)
  const { latent, latentDistribution: dist, dataDim } = gan.config
  let bytes: Uint8Array
  let what: string
  if (format === 'png') {
    // Rows: walks from keyframe 2i to 2i+1; columns: evenly spaced points including both ends.
    const rows = f.n ?? 8
    const cols = f.frames ?? 10
    if (cols < 2) usage('--frames must be at least 2 for a PNG walk (its two ends)')
    const keys = keyframes(2 * rows, latent, dist, f.seed)
    const z = new Float32Array(rows * cols * latent)
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) z.set(between(keys[2 * r]!, keys[2 * r + 1]!, c / (cols - 1), dist), (r * cols + c) * latent)
    }
    // A conditional model keeps one class along a walk: row r is class r mod K (a GIF's cell c already is class c mod K).
    const k = gan.config.classes
    const labels = k > 0 ? Uint32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols) % k) : undefined
    const images = gan.sample(rows * cols, { z, ...(labels && { labels }) })
    bytes = encodePng(imageGrid(images, rows * cols, { imageWidth: width, columns: cols }))
    what = `${rows} walks of ${cols} steps`
  } else {
    // Every cell of the tile walks its own loop through `points` keyframes.
    const cells = f.n ?? 16
    const points = f.points ?? 4
    const perSegment = f.frames ?? 16
    if (points < 2) usage('--points must be at least 2 (a walk needs two ends)')
    const keys = keyframes(cells * points, latent, dist, f.seed)
    const frames = []
    const total = points * perSegment
    const scale = f.scale ?? 2
    for (let t = 0; t < total; t++) {
      const seg = Math.floor(t / perSegment)
      const u = (t % perSegment) / perSegment
      const z = new Float32Array(cells * latent)
      for (let c = 0; c < cells; c++) {
        const a = keys[c * points + seg]!
        const b = keys[c * points + ((seg + 1) % points)]!
        z.set(between(a, b, u, dist), c * latent)
      }
      const images = gan.sample(cells, { z })
      frames.push(upscale(imageGrid(images, cells, { imageWidth: width, background: 0 }), scale))
      if (images.length !== cells * dataDim) throw new Error('unexpected sample size')
    }
    bytes = encodeGif(frames, f.delay)
    what = `${cells} looping walks through ${points} points, ${total} frames`
  }
  gan.dispose()
  writeOutputFile(f.out, bytes)
  print(`wrote ${what} (seed ${f.seed}) to ${f.out}`)
  return EXIT.ok
}
