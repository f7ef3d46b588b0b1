/**
 * The IDX file format of MNIST and Fashion-MNIST: a 4-byte header (two zero
 * bytes, a dtype byte, a dimension count), one big-endian u32 per dimension,
 * then the elements in big-endian row-major order. Files are usually gzipped.
 *
 * Parsing is all-or-nothing: every check runs before an array is returned, so
 * a caller never trains on a silently truncated or padded file.
 */

import { WasmganError, describe } from './errors.js'

/** Element types an IDX file can hold. */
export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64'

/** The typed array that holds the elements of an {@link IdxArray}. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array

/** A decoded IDX file: its dtype, its shape, and its elements in host byte order. */
export interface IdxArray {
  /** Element type, as named by the file's dtype byte. */
  dtype: IdxDtype
  /** Dimensions, outermost first, e.g. `[60000, 28, 28]`. Every entry is ≥ 1. */
  shape: number[]
  /** `product(shape)` elements, row-major, in the typed array matching `dtype`. */
  data: IdxData
}

/** What {@link encodeIdx} accepts: an {@link IdxArray}, or any array-like of numbers with a dtype and shape. */
export interface IdxInput {
  /** Element type to write. */
  dtype: IdxDtype
  /** Dimensions, outermost first; 1 to 8 of them, each an integer in 1..2³²-1. */
  shape: readonly number[]
  /** `product(shape)` values, row-major; integers in range for integer dtypes. */
  data: ArrayLike<number>
}

/** Options of {@link encodeIdx}. */
export interface EncodeIdxOptions {
  /** Gzip the result, as the `.gz` files of MNIST are. Default `false`. */
  gzip?: boolean
}

type TypedArrayCtor = { new (length: number): IdxData; BYTES_PER_ELEMENT: number }

interface DtypeInfo {
  name: IdxDtype
  code: number
  ctor: TypedArrayCtor
  /** Inclusive range for integer dtypes; floats have none. */
  min?: number
  max?: number
}

const DTYPES: readonly DtypeInfo[] = [
  { name: 'u8', code: 0x08, ctor: Uint8Array, min: 0, max: 255 },
  { name: 'i8', code: 0x09, ctor: Int8Array, min: -128, max: 127 },
  { name: 'i16', code: 0x0b, ctor: Int16Array, min: -32768, max: 32767 },
  { name: 'i32', code: 0x0c, ctor: Int32Array, min: -2147483648, max: 2147483647 },
  { name: 'f32', code: 0x0d, ctor: Float32Array },
  { name: 'f64', code: 0x0e, ctor: Float64Array },
]

/** The format allows 255 dimensions, but no real dataset has more than a handful; a large count means a misread file. */
const MAX_DIMS = 8
const MAX_U32 = 0xffffffff

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`
const hex = (byte: number) => '0x' + byte.toString(16).padStart(2, '0')
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`
const knownDtypes = DTYPES.map((d) => `${hex(d.code)} (${d.name})`).join(', ')

function dtypeByName(name: unknown): DtypeInfo {
  const info = DTYPES.find((d) => d.name === name)
  if (!info) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `unknown IDX dtype: expected one of ${DTYPES.map((d) => d.name).join(', ')}, got ${describe(name)}`,
    )
  }
  return info
}

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/**
 * Parses an IDX file, raw or gzip-compressed (detected by its 1f 8b magic).
 *
 * @throws WasmganError `E_INVALID_DATA` when the bytes are not a complete, exact IDX file
 *   or the gzip stream is truncated or corrupt; `E_INVALID_ARGUMENT` when `bytes` is not a Uint8Array.
 */
export async function parseIdx(bytes: Uint8Array): Promise<IdxArray> {
  checkBytes(bytes)
  return parseIdxRaw(isGzip(bytes) ? await gunzip(bytes) : bytes)
}

/**
 * Parses an already decompressed IDX file synchronously. The result owns its
 * memory: it never aliases `bytes`.
 *
 * @throws WasmganError `E_INVALID_DATA` on a bad header, or when the payload is not exactly
 *   `product(shape) × element size` bytes.
 */
export function parseIdxRaw(bytes: Uint8Array): IdxArray {
  checkBytes(bytes)
  if (bytes.length === 0) throw invalid('empty input: expected an IDX file, got 0 bytes')
  if (isGzip(bytes)) throw invalid('input is gzip-compressed (starts with 1f 8b); use parseIdx, which decompresses it')
  if (bytes.length < 4) throw invalid(`truncated IDX header: expected at least 4 bytes, got ${bytes.length}`)
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw invalid(`not an IDX file: expected magic bytes 0x00 0x00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}`)
  }
  const info = DTYPES.find((d) => d.code === bytes[2])
  if (!info) throw invalid(`unknown IDX dtype byte: expected one of ${knownDtypes}, got ${hex(bytes[2]!)}`)
  const ndims = bytes[3]!
  if (ndims === 0 || ndims > MAX_DIMS) {
    throw invalid(`unsupported IDX dimension count: expected 1 to ${MAX_DIMS}, got ${ndims}`)
  }
  const headerBytes = 4 + 4 * ndims
  if (bytes.length < headerBytes) {
    throw invalid(`truncated IDX header: ${ndims} dimensions need ${headerBytes} header bytes, got ${bytes.length}`)
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const shape: number[] = []
  for (let i = 0; i < ndims; i++) shape.push(view.getUint32(4 + 4 * i, false))
  const zero = shape.indexOf(0)
  if (zero >= 0) {
    // The format allows it, but a 0-length dimension in a training file means
    // a broken export; failing here beats an empty dataset failing later.
    throw invalid(`IDX dimension ${zero} is 0 in shape ${shapeText(shape)}: expected every dimension ≥ 1`)
  }

  const count = shape.reduce((a, b) => a * b, 1)
  const expected = count * info.ctor.BYTES_PER_ELEMENT
  const actual = bytes.length - headerBytes
  if (actual !== expected) {
    const diff = actual < expected ? `truncated by ${plural(expected - actual, 'byte')}` : plural(actual - expected, 'trailing byte')
    throw invalid(`IDX payload size mismatch: shape ${shapeText(shape)} of ${info.name} needs ${expected} bytes, got ${actual} (${diff})`)
  }

  return { dtype: info.name, shape, data: readBigEndian(view, headerBytes, info, count) }
}

/**
 * Encodes an array as an IDX file (big-endian), optionally gzipped. Integer
 * values are checked to fit the dtype rather than silently wrapped.
 *
 * @throws WasmganError `E_INVALID_ARGUMENT` for an unknown dtype, a bad shape, a data length
 *   other than `product(shape)`, or a value the dtype cannot hold.
 */
export async function encodeIdx(array: IdxArray | IdxInput, opts: EncodeIdxOptions = {}): Promise<Uint8Array> {
  const raw = encodeIdxRaw(array)
  return opts.gzip ? gzip(raw) : raw
}

/** Synchronous, uncompressed form of {@link encodeIdx}. */
export function encodeIdxRaw(array: IdxArray | IdxInput): Uint8Array {
  if (typeof array !== 'object' || array === null) {
    throw new WasmganError('E_INVALID_ARGUMENT', `encodeIdx: expected { dtype, shape, data }, got ${describe(array)}`)
  }
  const info = dtypeByName(array.dtype)
  const { shape, data } = array
  if (!Array.isArray(shape) || shape.length === 0 || shape.length > MAX_DIMS) {
    throw new WasmganError('E_INVALID_ARGUMENT', `encodeIdx: expected a shape of 1 to ${MAX_DIMS} dimensions, got ${describe(shape)}`)
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1 || d > MAX_U32) {
      throw new WasmganError(
        'E_INVALID_ARGUMENT',
        `encodeIdx: expected dimensions to be integers in 1..${MAX_U32}, got ${describe(d)} in shape ${shapeText(shape)}`,
      )
    }
  }
  const count = shape.reduce((a: number, b: number) => a * b, 1)
  if (data === null || typeof data !== 'object' || typeof data.length !== 'number') {
    throw new WasmganError('E_INVALID_ARGUMENT', `encodeIdx: expected data to be an array of numbers, got ${describe(data)}`)
  }
  if (data.length !== count) {
    throw new WasmganError('E_INVALID_ARGUMENT', `encodeIdx: shape ${shapeText(shape)} needs ${count} elements, got ${data.length}`)
  }
  // The matching typed array already holds only representable values, so the
  // per-element range check is needed for anything else (plain arrays, other typed arrays).
  if (!(data instanceof info.ctor)) {
    for (let i = 0; i < count; i++) {
      const x = data[i]
      // Floats accept any number (NaN and ±Infinity are valid f32/f64 values).
      const ok = typeof x === 'number' && (info.min === undefined || (Number.isInteger(x) && x >= info.min && x <= info.max!))
      if (!ok) {
        const range = info.min === undefined ? 'a number' : `an integer in ${info.min}..${info.max}`
        throw new WasmganError('E_INVALID_ARGUMENT', `encodeIdx: ${info.name} element ${i} must be ${range}, got ${describe(x)}`)
      }
    }
  }

  const headerBytes = 4 + 4 * shape.length
  const out = new Uint8Array(headerBytes + count * info.ctor.BYTES_PER_ELEMENT)
  const view = new DataView(out.buffer)
  out[2] = info.code
  out[3] = shape.length
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false))
  writeBigEndian(view, headerBytes, info, data)
  return out
}

// One loop per dtype, each calling one DataView method: V8 inlines a
// monomorphic DataView access, while a shared loop over a per-dtype callback
// runs several times slower. DataView also makes the byte order explicit
// (IDX is big-endian; typed arrays use the host's order).

/** Copies `count` big-endian elements starting at `offset` into a new typed array. */
function readBigEndian(view: DataView, offset: number, info: DtypeInfo, count: number): IdxData {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, count * info.ctor.BYTES_PER_ELEMENT)
  switch (info.name) {
    case 'u8':
      return bytes.slice()
    case 'i8':
      return new Int8Array(bytes.slice().buffer)
    case 'i16': {
      const out = new Int16Array(count)
      for (let i = 0, o = offset; i < count; i++, o += 2) out[i] = view.getInt16(o, false)
      return out
    }
    case 'i32': {
      const out = new Int32Array(count)
      for (let i = 0, o = offset; i < count; i++, o += 4) out[i] = view.getInt32(o, false)
      return out
    }
    case 'f32': {
      const out = new Float32Array(count)
      for (let i = 0, o = offset; i < count; i++, o += 4) out[i] = view.getFloat32(o, false)
      return out
    }
    case 'f64': {
      const out = new Float64Array(count)
      for (let i = 0, o = offset; i < count; i++, o += 8) out[i] = view.getFloat64(o, false)
      return out
    }
  }
}

/** Writes `data` as big-endian elements of `info` starting at `offset`; values were range-checked by the caller. */
function writeBigEndian(view: DataView, offset: number, info: DtypeInfo, data: ArrayLike<number>): void {
  const n = data.length
  switch (info.name) {
    case 'u8':
    case 'i8':
      // Uint8Array.set stores an i8 value as its two's complement byte.
      new Uint8Array(view.buffer, view.byteOffset + offset, n).set(data)
      return
    case 'i16':
      for (let i = 0, o = offset; i < n; i++, o += 2) view.setInt16(o, data[i]!, false)
      return
    case 'i32':
      for (let i = 0, o = offset; i < n; i++, o += 4) view.setInt32(o, data[i]!, false)
      return
    case 'f32':
      for (let i = 0, o = offset; i < n; i++, o += 4) view.setFloat32(o, data[i]!, false)
      return
    case 'f64':
      for (let i = 0, o = offset; i < n; i++, o += 8) view.setFloat64(o, data[i]!, false)
      return
  }
}

function checkBytes(bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new WasmganError('E_INVALID_ARGUMENT', `expected the IDX bytes as a Uint8Array, got ${describe(bytes)}`)
  }
}

function invalid(message: string): WasmganError {
  return new WasmganError('E_INVALID_DATA', message)
}

/**
 * Decompresses a gzip stream with the platform's DecompressionStream, so the
 * same code runs in Node ≥ 18, Bun, Deno and browsers with no dependency.
 *
 * @throws WasmganError `E_INVALID_DATA` when the stream is truncated or fails its CRC.
 */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new WasmganError(
      'E_IO',
      'cannot decompress gzip: this runtime has no DecompressionStream (Node ≥ 18, Bun, Deno and current browsers have it); pass decompressed bytes instead',
    )
  }
  try {
    return await pipe(bytes, new DecompressionStream('gzip'))
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new WasmganError('E_INVALID_DATA', `corrupt or truncated gzip data (${bytes.length} compressed bytes): ${reason}`, { cause: err })
  }
}

/** Compresses bytes to gzip with the platform's CompressionStream. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof CompressionStream === 'undefined') {
    throw new WasmganError(
      'E_IO',
      'cannot compress gzip: this runtime has no CompressionStream (Node ≥ 18, Bun, Deno and current browsers have it)',
    )
  }
  return pipe(bytes, new CompressionStream('gzip'))
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  // Streams refuse views over a SharedArrayBuffer; such input is copied once.
  const chunk = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice()
  const writer = stream.writable.getWriter()
  const writing = writer.write(chunk).then(() => writer.close())
  // A corrupt stream rejects both the write and the read; the read reports it,
  // so this copy of the rejection must not surface as an unhandled one.
  writing.catch(() => {})
  const reader = stream.readable.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    total += value.length
  }
  await writing
  // Always copy: runtimes may hand out views into pooled buffers (Node's Buffer).
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}
