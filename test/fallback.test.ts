/**
 * SIMD feature detection: on an engine without WebAssembly SIMD, `init()`
 * loads the scalar build and says so once. Node always has SIMD, so the
 * engine's answer to the probe module is replaced here; everything else
 * (compiling and running the scalar build) is real. Own file: init() is
 * memoized per process.
 */

import { afterAll, expect, it, vi } from 'vitest'
import { Gan, init, simdSupported } from '../ts/index.js'

afterAll(() => {
  vi.restoreAllMocks()
})

it('falls back to the scalar build with a one-time notice when SIMD is missing', async () => {
  expect(simdSupported()).toBe(true)
  const realValidate = WebAssembly.validate
  vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => {
    // Only the 31-byte SIMD probe is answered "unsupported".
    return (bytes as Uint8Array).byteLength === 31 ? false : realValidate(bytes)
  })
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  expect(simdSupported()).toBe(false)
  const info = await init()
  expect(info.simd).toBe(false)
  expect(warn).toHaveBeenCalledTimes(1)
  expect(String(warn.mock.calls[0][0])).toMatch(/lacks WebAssembly SIMD; using the scalar build/)
  await init()
  expect(warn).toHaveBeenCalledTimes(1)
  const gan = new Gan({ latent: 4, dataDim: 9, generator: [5], discriminator: [5] })
  expect(gan.sample(2, { seed: 1 }).length).toBe(18)
})

it('counts an engine without bulk memory operations as unable to run the simd build', () => {
  vi.restoreAllMocks()
  expect(simdSupported()).toBe(true)
  const realValidate = WebAssembly.validate
  vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => {
    // Only the 38-byte bulk memory probe (memory.fill) is answered "unsupported".
    return (bytes as Uint8Array).byteLength === 38 ? false : realValidate(bytes)
  })
  expect(simdSupported()).toBe(false)
})
