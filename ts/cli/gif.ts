/**
 * Animated GIFs of greyscale frames, through omggif: a 256-level grey
 * palette, so every pixel value is shown exactly, and an endless loop.
 */

import omggif from 'omggif'
import type { GreyImage } from '../grid.js'

const GREY_PALETTE = Array.from({ length: 256 }, (_, v) => (v << 16) | (v << 8) | v)

/** Encodes same-sized frames as a looping GIF; `delayMs` is rounded to the GIF unit of 10 ms. */
export function encodeGif(frames: GreyImage[], delayMs: number): Uint8Array {
  if (frames.length === 0) throw new Error('encodeGif: no frames')
  const { width, height } = frames[0]!
  // LZW output can exceed its input for noisy pictures; this bound is generous for 8-bit codes.
  const buffer = new Uint8Array(1024 + 3 * 256 + frames.length * (64 + Math.ceil(width * height * 1.5)))
  const writer = new omggif.GifWriter(buffer, width, height, { loop: 0, palette: GREY_PALETTE })
  for (const frame of frames) {
    if (frame.width !== width || frame.height !== height) throw new Error('encodeGif: frames differ in size')
    writer.addFrame(0, 0, width, height, frame.pixels as unknown as number[], { delay: Math.max(1, Math.round(delayMs / 10)) })
  }
  return buffer.slice(0, writer.end())
}
