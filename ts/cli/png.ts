/**
 * PNG files of greyscale pictures (sample grids), through pngjs: one byte
 * per pixel in, an 8-bit greyscale PNG out.
 */

import { PNG } from 'pngjs'
import type { GreyImage } from '../grid.js'

const GREY = { colorType: 0, inputColorType: 0, inputHasAlpha: false } as const

/** Encodes a greyscale picture as PNG bytes. */
export function encodePng(image: GreyImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height, ...GREY })
  png.data = Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength)
  return PNG.sync.write(png, GREY)
}

/** Enlarges a picture by an integer factor with nearest-neighbour pixels, so small images stay crisp. */
export function upscale(image: GreyImage, factor: number): GreyImage {
  if (factor === 1) return image
  const width = image.width * factor
  const height = image.height * factor
  const pixels = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / factor) * image.width
    for (let x = 0; x < width; x++) pixels[y * width + x] = image.pixels[src + Math.floor(x / factor)]!
  }
  return { width, height, pixels }
}
