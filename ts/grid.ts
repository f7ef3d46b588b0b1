/**
 * Sample grids: many generated images tiled into one greyscale picture, the
 * standard way to look at a GAN's output. Pure pixel arithmetic, so it works
 * in every runtime; encode the result as PNG (Node: pngjs) or draw it on a
 * canvas (`new ImageData(toRgba(grid.pixels), grid.width)`).
 */

import { WasmganError } from './errors.js'
import { integer, invalid } from './validate.js'

/** A greyscale picture, one byte per pixel, row-major. */
export interface GreyImage {
  width: number
  height: number
  pixels: Uint8Array
}

/** Options of {@link imageGrid}. */
export interface GridOptions {
  /** Width of one image in pixels (default: √dim when it is a square). */
  imageWidth?: number
  /** Columns of the grid (default: ⌈√count⌉). */
  columns?: number
  /** Pixels between images (default 2). */
  padding?: number
  /** Grey level of the padding, 0–255 (default 255, white). */
  background?: number
  /** Value range of the images (default [-1, 1], a tanh generator's). */
  range?: [number, number]
}

/** Tiles `count × dim` values into one greyscale image. */
export function imageGrid(images: Float32Array, count: number, options: GridOptions = {}): GreyImage {
  if (!(images instanceof Float32Array)) invalid('images', 'a Float32Array', images)
  integer('count', count, 1, 1 << 20)
  if (images.length % count !== 0) {
    throw new WasmganError('E_INVALID_ARGUMENT', `images holds ${images.length} values, not a multiple of count ${count}`)
  }
  const dim = images.length / count
  const side = Math.round(Math.sqrt(dim))
  const w = integer('imageWidth', options.imageWidth ?? (side * side === dim ? side : dim), 1, dim)
  if (dim % w !== 0) invalid('imageWidth', `a divisor of the image size ${dim}`, w)
  const h = dim / w
  const cols = integer('columns', options.columns ?? Math.ceil(Math.sqrt(count)), 1, count)
  const rows = Math.ceil(count / cols)
  const pad = integer('padding', options.padding ?? 2, 0, 64)
  const bg = integer('background', options.background ?? 255, 0, 255)
  const [lo, hi] = options.range ?? [-1, 1]
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) invalid('range', 'two finite numbers [lo, hi] with hi > lo', options.range)
  const width = cols * w + (cols + 1) * pad
  const height = rows * h + (rows + 1) * pad
  const pixels = new Uint8Array(width * height).fill(bg)
  const scale = 255 / (hi - lo)
  for (let i = 0; i < count; i++) {
    const x0 = pad + (i % cols) * (w + pad)
    const y0 = pad + Math.floor(i / cols) * (h + pad)
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = (images[i * dim + y * w + x] - lo) * scale
        pixels[(y0 + y) * width + x0 + x] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)
      }
    }
  }
  return { width, height, pixels }
}

/** Expands greyscale pixels to RGBA (for canvas `ImageData` or PNG encoders). */
export function toRgba(pixels: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(pixels.length * 4)
  for (let i = 0; i < pixels.length; i++) {
    out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = pixels[i]
    out[4 * i + 3] = 255
  }
  return out
}
