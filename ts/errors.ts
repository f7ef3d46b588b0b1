/**
 * The one error class of the package. Every failure a user can cause or meet
 * (misuse, bad input, bad files, a trapped module) is a {@link WasmganError}
 * whose `code` says which kind it is and whose message states what was
 * expected and what was given.
 */

/** Machine-readable kinds of failure. */
export type ErrorCode =
  /** `init()` has not completed yet. */
  | 'E_NOT_INITIALIZED'
  /** The object was disposed (or its module instance became unusable). */
  | 'E_DISPOSED'
  /** An argument or config value is out of its domain (0, negative, NaN, wrong length, ...). */
  | 'E_INVALID_ARGUMENT'
  /** A data file (IDX, gzip) is malformed, truncated or inconsistent. */
  | 'E_INVALID_DATA'
  /** A checkpoint is truncated, corrupted, or not a wasmgan checkpoint. */
  | 'E_CORRUPT_CHECKPOINT'
  /** A checkpoint from a format version this build cannot read. */
  | 'E_UNSUPPORTED_VERSION'
  /** The wasm module could not be loaded or instantiated. */
  | 'E_LOAD'
  /** The module ran out of memory. */
  | 'E_OUT_OF_MEMORY'
  /** The module trapped; the instance is no longer usable. */
  | 'E_WASM_TRAP'
  /** A reading or writing of a file or URL failed. */
  | 'E_IO'
  /** A bug inside wasmgan; please report it. */
  | 'E_INTERNAL'

/** The error thrown by every wasmgan API. */
export class WasmganError extends Error {
  /** What kind of failure this is. */
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message)
    this.name = 'WasmganError'
    this.code = code
    if (options && 'cause' in options) {
      ;(this as { cause?: unknown }).cause = options.cause
    }
  }
}

/** Describes a value for "expected X, got Y" messages without dumping large arrays. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value)
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor?.name ?? 'TypedArray'
    const len = (value as unknown as { length?: number }).length ?? value.byteLength
    return `${name}(${len})`
  }
  if (Array.isArray(value)) return `array of length ${value.length}`
  if (typeof value === 'function') return 'a function'
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
}
