/**
 * One instantiated wasm module and the only code that touches its memory.
 *
 * Rust owns every long-lived object (GANs, datasets); this file holds their
 * handles, copies data in and out through short-lived allocations, turns
 * status codes into {@link WasmganError}s, and turns a trap into
 * `E_WASM_TRAP`, after which the runtime refuses further calls (a trapped
 * module's heap may be inconsistent). Views over `memory.buffer` are made
 * fresh for every copy because any call may grow memory and detach them.
 */

import { Status, type Handle, type Ptr, type WasmganExports } from './abi.js'
import { WasmganError, type ErrorCode } from './errors.js'

const STATUS_CODES: Record<number, ErrorCode> = {
  [Status.InvalidArgument]: 'E_INVALID_ARGUMENT',
  [Status.InvalidHandle]: 'E_INTERNAL',
  [Status.CorruptCheckpoint]: 'E_CORRUPT_CHECKPOINT',
  [Status.UnsupportedVersion]: 'E_UNSUPPORTED_VERSION',
  [Status.OutOfMemory]: 'E_OUT_OF_MEMORY',
  [Status.Internal]: 'E_INTERNAL',
}

const utf8 = new TextDecoder()

/** A live module instance. Obtain the shared one with `init()`. */
export class Runtime {
  /** True for the simd128 build. */
  readonly simd: boolean
  #x: WasmganExports
  #trapped: Error | undefined
  /** Uploaded datasets, keyed by the Float32Array they were copied from. */
  readonly datasets = new WeakMap<Float32Array, DataHandle>()

  /** The compiled module this instance came from (workers instantiate it again). */
  readonly module: WebAssembly.Module | undefined

  constructor(exports: WasmganExports, module?: WebAssembly.Module) {
    this.#x = exports
    this.module = module
    this.simd = exports.wg_simd() === 1
  }

  /** Whether a trap has made this instance unusable. */
  get trapped(): boolean {
    return this.#trapped !== undefined
  }

  /** Current size of linear memory in bytes. */
  get memoryBytes(): number {
    return this.#x.memory.buffer.byteLength
  }

  /**
   * Runs `f` against the exports. A trap (any exception thrown from inside
   * the module) poisons the runtime and is rethrown as `E_WASM_TRAP`.
   */
  call<T>(f: (x: WasmganExports) => T): T {
    if (this.#trapped) {
      throw new WasmganError('E_WASM_TRAP', 'the wasm module trapped earlier and cannot be used; call init() again for a fresh instance', {
        cause: this.#trapped,
      })
    }
    try {
      return f(this.#x)
    } catch (e) {
      if (e instanceof WasmganError) throw e
      this.#trapped = e instanceof Error ? e : new Error(String(e))
      throw new WasmganError('E_WASM_TRAP', `the wasm module trapped (${String(e)}); this instance is no longer usable`, {
        cause: e,
      })
    }
  }

  /** The message of the last failed call. */
  lastError(): string {
    return this.call((x) => utf8.decode(new Uint8Array(x.memory.buffer, x.wg_error_ptr(), x.wg_error_len())))
  }

  /** Throws the module's error for a non-zero status. */
  check(status: number, context: string): void {
    if (status === 0) return
    throw new WasmganError(STATUS_CODES[status] ?? 'E_INTERNAL', `${context}: ${this.lastError()}`)
  }

  /** Returns a handle, or throws the module's error for a negative result. */
  handle(result: number, context: string): Handle {
    if (result > 0) return result
    this.check(-result, context)
    throw new WasmganError('E_INTERNAL', `${context}: the module returned no handle`)
  }

  /** A copy of the result buffer. */
  resultBytes(): Uint8Array {
    return this.call((x) => new Uint8Array(x.memory.buffer, x.wg_result_ptr(), x.wg_result_len()).slice())
  }

  /** The result buffer as f32 values: a copy, or written into `into` (of the same length) and returned. */
  resultF32(into?: Float32Array): Float32Array {
    return this.call((x) => {
      const view = new Float32Array(x.memory.buffer, x.wg_result_ptr(), x.wg_result_len() / 4)
      if (!into) return view.slice()
      into.set(view)
      return into
    })
  }

  /** A copy of the result buffer as f64 values. */
  resultF64(): Float64Array {
    const bytes = this.resultBytes()
    return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)
  }

  /**
   * Copies `data` into a temporary allocation, runs `f(ptr, length)` and frees
   * it. `length` is in elements.
   */
  withCopy<T>(data: Float32Array | Float64Array | Uint8Array | undefined, f: (ptr: Ptr, length: number) => T): T {
    if (!data || data.length === 0) return f(0, 0)
    const bytes = data.byteLength
    const ptr = this.call((x) => x.wg_alloc(bytes))
    if (ptr === 0) throw new WasmganError('E_OUT_OF_MEMORY', `could not allocate ${bytes} bytes in the wasm heap`)
    try {
      this.call((x) => new Uint8Array(x.memory.buffer, ptr, bytes).set(new Uint8Array(data.buffer, data.byteOffset, bytes)))
      return f(ptr, data.length)
    } finally {
      if (!this.trapped) this.call((x) => x.wg_free(ptr, bytes))
    }
  }

  /** Reads `len` f64 values at `ptr`. */
  readF64(ptr: Ptr, len: number): Float64Array {
    return this.call((x) => new Float64Array(x.memory.buffer, ptr, len).slice())
  }

  /** Writes `src` at `ptr` (a region the module handed out). */
  writeF32(ptr: Ptr, src: Float32Array, offset = 0): void {
    this.call((x) => new Float32Array(x.memory.buffer, ptr + offset * 4, src.length).set(src))
  }

  /** Writes bytes at `ptr` (a region the module handed out). */
  writeBytes(ptr: Ptr, src: Uint8Array): void {
    this.call((x) => new Uint8Array(x.memory.buffer, ptr, src.length).set(src))
  }

  /** Writes `src` as u32 at `ptr`. */
  writeU32(ptr: Ptr, src: ArrayLike<number>): void {
    this.call((x) => new Uint32Array(x.memory.buffer, ptr, src.length).set(src))
  }
}

/** A dataset copied into the module, freed when its source array is collected. */
export class DataHandle {
  readonly handle: Handle
  readonly count: number
  readonly dim: number
  /** The labels the copy holds (the caller's array, which it was copied from), if any. */
  readonly labels: Uint8Array | Int32Array | undefined
  constructor(handle: Handle, count: number, dim: number, labels?: Uint8Array | Int32Array) {
    this.handle = handle
    this.count = count
    this.dim = dim
    this.labels = labels
  }
  /** Whether the copy holds labels. */
  get labelled(): boolean {
    return this.labels !== undefined
  }
}
