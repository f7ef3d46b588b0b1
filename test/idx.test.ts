import { describe, it, expect } from 'vitest'
import { encodeIdx, encodeIdxRaw, gzip, parseIdx, parseIdxRaw, type IdxArray, type IdxDtype } from '../ts/idx.js'
import { expectWasmganError, noise } from './fixtures/helpers.js'

const header = (dtype: number, ...dims: number[]) => {
  const out = new Uint8Array(4 + 4 * dims.length)
  out[2] = dtype
  out[3] = dims.length
  const view = new DataView(out.buffer)
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false))
  return out
}
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

/** Values that exercise sign, extremes and (for floats) the special encodings. */
function sample(dtype: IdxDtype, count: number): IdxArray['data'] {
  const edges: Record<IdxDtype, number[]> = {
    u8: [0, 1, 127, 128, 255],
    i8: [-128, -1, 0, 1, 127],
    i16: [-32768, -1, 0, 1, 0x0102, 32767],
    i32: [-2147483648, -1, 0, 1, 0x01020304, 2147483647],
    f32: [0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38],
    f64: [0, -0, Math.PI, -1e300, NaN, Infinity, 5e-324, Number.MAX_VALUE],
  }
  const ctors = { u8: Uint8Array, i8: Int8Array, i16: Int16Array, i32: Int32Array, f32: Float32Array, f64: Float64Array }
  const out = new ctors[dtype](count)
  const e = edges[dtype]
  for (let i = 0; i < count; i++) out[i] = i < e.length ? e[i]! : ((i * 37) % 101) - 50
  return out
}

const DTYPES: IdxDtype[] = ['u8', 'i8', 'i16', 'i32', 'f32', 'f64']
// Shapes that hit 1, odd, SIMD-ish edge lengths, and the maximum rank.
const SHAPES = [[1], [3], [17], [4, 5], [2, 3, 4], [16, 1, 5], [1, 1, 1, 1, 1, 1, 1, 65]]

describe('IDX round trips', () => {
  for (const dtype of DTYPES) {
    for (const gz of [false, true]) {
      it(`${dtype} ${gz ? 'gzip' : 'raw'} over ${SHAPES.length} shapes`, async () => {
        for (const shape of SHAPES) {
          const count = shape.reduce((a, b) => a * b, 1)
          const data = sample(dtype, count)
          const file = await encodeIdx({ dtype, shape, data }, { gzip: gz })
          expect(file[0] === 0x1f && file[1] === 0x8b).toBe(gz)
          const parsed = await parseIdx(file)
          expect(parsed.dtype).toBe(dtype)
          expect(parsed.shape).toEqual(shape)
          expect(parsed.data.constructor).toBe(data.constructor)
          // Bitwise, so NaN payloads and -0 are checked too.
          expect(bytesOf(parsed.data)).toEqual(bytesOf(data))
        }
      })
    }
  }

  it('writes the header and elements big-endian, as the spec says', () => {
    const file = encodeIdxRaw({ dtype: 'i16', shape: [1, 2], data: [0x0102, -2] })
    expect(Array.from(file)).toEqual([0, 0, 0x0b, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe])
    const f32 = encodeIdxRaw({ dtype: 'f32', shape: [1], data: [1] })
    expect(Array.from(f32.subarray(8))).toEqual([0x3f, 0x80, 0, 0])
  })

  it('accepts plain arrays and wraps i8 into its two-complement byte', async () => {
    const parsed = parseIdxRaw(encodeIdxRaw({ dtype: 'i8', shape: [3], data: [-128, -1, 127] }))
    expect(Array.from(parsed.data)).toEqual([-128, -1, 127])
  })

  it('returns data that does not alias the input bytes', () => {
    const file = encodeIdxRaw({ dtype: 'u8', shape: [2], data: [7, 9] })
    const parsed = parseIdxRaw(file)
    file[8] = 0
    expect(Array.from(parsed.data)).toEqual([7, 9])
    expect(parsed.data.buffer).not.toBe(file.buffer)
  })

  it('parses a view at a non-zero offset of a larger buffer', () => {
    const file = encodeIdxRaw({ dtype: 'i32', shape: [2], data: [1, -1] })
    const padded = new Uint8Array(file.length + 3)
    padded.set(file, 3)
    expect(Array.from(parseIdxRaw(padded.subarray(3)).data)).toEqual([1, -1])
  })

  it('decodes a concatenated (multi-member) gzip file as one stream', async () => {
    const file = encodeIdxRaw({ dtype: 'u8', shape: [4], data: [1, 2, 3, 4] })
    const two = concat(await gzip(file.subarray(0, 6)), await gzip(file.subarray(6)))
    expect(Array.from((await parseIdx(two)).data)).toEqual([1, 2, 3, 4])
  })
})

describe('IDX rejects bad input', () => {
  const good = () => encodeIdxRaw({ dtype: 'u8', shape: [3, 2, 2], data: new Uint8Array(12).fill(5) })

  it('empty input', async () => {
    await expectWasmganError(() => parseIdx(new Uint8Array(0)), 'E_INVALID_DATA', 'empty input', 'got 0 bytes')
  })

  it('a header shorter than 4 bytes', async () => {
    await expectWasmganError(() => parseIdx(new Uint8Array([0, 0, 8])), 'E_INVALID_DATA', 'expected at least 4 bytes, got 3')
  })

  it('wrong magic', async () => {
    const file = good()
    file[1] = 0x03
    await expectWasmganError(() => parseIdx(file), 'E_INVALID_DATA', 'expected magic bytes 0x00 0x00, got 0x00 0x03')
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0])
    await expectWasmganError(() => parseIdx(png), 'E_INVALID_DATA', 'got 0x89 0x50')
  })

  it('unknown dtype', async () => {
    const file = good()
    file[2] = 0x0a
    await expectWasmganError(() => parseIdx(file), 'E_INVALID_DATA', 'unknown IDX dtype', '0x08 (u8)', 'got 0x0a')
  })

  it('0 dimensions and more than 8', async () => {
    await expectWasmganError(() => parseIdx(new Uint8Array([0, 0, 8, 0, 1])), 'E_INVALID_DATA', 'expected 1 to 8, got 0')
    await expectWasmganError(() => parseIdx(header(0x08, 1, 1, 1, 1, 1, 1, 1, 1, 1)), 'E_INVALID_DATA', 'expected 1 to 8, got 9')
  })

  it('a header cut inside the dimensions', async () => {
    const file = good().subarray(0, 10)
    await expectWasmganError(() => parseIdx(file), 'E_INVALID_DATA', '3 dimensions need 16 header bytes, got 10')
  })

  it('a dimension of 0', async () => {
    await expectWasmganError(() => parseIdx(header(0x08, 0, 28, 28)), 'E_INVALID_DATA', 'dimension 0 is 0 in shape [0, 28, 28]')
  })

  it('a payload truncated by 1 byte', async () => {
    const file = good()
    await expectWasmganError(
      () => parseIdx(file.subarray(0, file.length - 1)),
      'E_INVALID_DATA',
      'shape [3, 2, 2] of u8 needs 12 bytes, got 11',
      'truncated by 1 byte)',
    )
  })

  it('a payload truncated by a lot, and one missing entirely', async () => {
    const f64 = encodeIdxRaw({ dtype: 'f64', shape: [100, 3], data: new Float64Array(300) })
    await expectWasmganError(() => parseIdx(f64.subarray(0, 100)), 'E_INVALID_DATA', 'needs 2400 bytes, got 88', 'truncated by 2312 bytes')
    await expectWasmganError(() => parseIdx(header(0x08, 60000, 28, 28)), 'E_INVALID_DATA', 'needs 47040000 bytes, got 0')
  })

  it('trailing bytes', async () => {
    await expectWasmganError(
      () => parseIdx(concat(good(), new Uint8Array(1))),
      'E_INVALID_DATA',
      'needs 12 bytes, got 13',
      '1 trailing byte)',
    )
    const i32 = encodeIdxRaw({ dtype: 'i32', shape: [2], data: [1, 2] })
    await expectWasmganError(() => parseIdx(concat(i32, new Uint8Array(2))), 'E_INVALID_DATA', 'of i32 needs 8 bytes, got 10')
  })

  it('a payload that is not a whole number of elements', async () => {
    const f32 = encodeIdxRaw({ dtype: 'f32', shape: [2], data: [1, 2] })
    await expectWasmganError(() => parseIdx(f32.subarray(0, f32.length - 3)), 'E_INVALID_DATA', 'needs 8 bytes, got 5')
  })

  it('a truncated gzip stream', async () => {
    const gz = await encodeIdx({ dtype: 'u8', shape: [64, 64], data: noise(4096) }, { gzip: true })
    for (const cut of [1, 4, 8, gz.length >> 1, gz.length - 3]) {
      await expectWasmganError(() => parseIdx(gz.subarray(0, gz.length - cut)), 'E_INVALID_DATA', 'corrupt or truncated gzip')
    }
  })

  it('a corrupted gzip stream (the CRC catches what inflate does not)', async () => {
    const gz = await encodeIdx({ dtype: 'u8', shape: [64, 64], data: noise(4096) }, { gzip: true })
    for (const at of [gz.length >> 2, gz.length >> 1, (3 * gz.length) >> 2, gz.length - 6]) {
      const bad = gz.slice()
      bad[at]! ^= 0x5a
      bad[at + 1]! ^= 0xff
      await expectWasmganError(() => parseIdx(bad), 'E_INVALID_DATA', 'corrupt or truncated gzip', `${gz.length} compressed bytes`)
    }
  })

  it('garbage after the gzip stream', async () => {
    const gz = await encodeIdx({ dtype: 'u8', shape: [4], data: [1, 2, 3, 4] }, { gzip: true })
    await expectWasmganError(() => parseIdx(concat(gz, new Uint8Array([1, 2, 3]))), 'E_INVALID_DATA', 'gzip')
  })

  it('a valid gzip of a bad IDX file reports the IDX problem', async () => {
    const file = good()
    const gz = await gzip(file.subarray(0, file.length - 2))
    await expectWasmganError(() => parseIdx(gz), 'E_INVALID_DATA', 'needs 12 bytes, got 10')
  })

  it('gzip bytes given to the synchronous parser', async () => {
    const gz = await encodeIdx({ dtype: 'u8', shape: [1], data: [1] }, { gzip: true })
    await expectWasmganError(() => parseIdxRaw(gz), 'E_INVALID_DATA', 'gzip-compressed', 'use parseIdx')
  })

  it('input that is not a Uint8Array', async () => {
    await expectWasmganError(() => parseIdx([0, 0, 8, 1] as unknown as Uint8Array), 'E_INVALID_ARGUMENT', 'Uint8Array', 'array of length 4')
  })
})

describe('encodeIdx rejects what it cannot write', () => {
  it('an unknown dtype', async () => {
    await expectWasmganError(() => encodeIdx({ dtype: 'u16' as IdxDtype, shape: [1], data: [1] }), 'E_INVALID_ARGUMENT', 'got "u16"')
  })

  it('a bad shape', async () => {
    await expectWasmganError(() => encodeIdx({ dtype: 'u8', shape: [], data: [] }), 'E_INVALID_ARGUMENT', '1 to 8 dimensions')
    await expectWasmganError(() => encodeIdx({ dtype: 'u8', shape: [2, 0], data: [] }), 'E_INVALID_ARGUMENT', 'got 0 in shape [2, 0]')
    await expectWasmganError(() => encodeIdx({ dtype: 'u8', shape: [1.5], data: [1] }), 'E_INVALID_ARGUMENT', 'got 1.5')
  })

  it('a data length other than product(shape)', async () => {
    await expectWasmganError(
      () => encodeIdx({ dtype: 'f32', shape: [2, 3], data: new Float32Array(5) }),
      'E_INVALID_ARGUMENT',
      'needs 6 elements, got 5',
    )
  })

  it('values the dtype cannot hold', async () => {
    await expectWasmganError(
      () => encodeIdx({ dtype: 'u8', shape: [2], data: [1, 256] }),
      'E_INVALID_ARGUMENT',
      'element 1',
      '0..255',
      'got 256',
    )
    await expectWasmganError(() => encodeIdx({ dtype: 'i16', shape: [1], data: new Float32Array([0.5]) }), 'E_INVALID_ARGUMENT', 'got 0.5')
    await expectWasmganError(() => encodeIdx({ dtype: 'i8', shape: [1], data: [-129] }), 'E_INVALID_ARGUMENT', '-128..127')
  })
})
