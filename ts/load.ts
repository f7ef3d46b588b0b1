/**
 * `init()`: one memoized way to get the wasm module in every runtime (Node,
 * Bun, Deno, browsers, workers). With no argument it uses the bytes embedded
 * in the bundle, so nothing is fetched and no bundler set-up is needed; it
 * also accepts bytes, a URL, a Response or a compiled Module.
 */

import { ABI_VERSION, EXPORT_NAMES, type WasmganExports } from './abi.js'
import { WasmganError, describe } from './errors.js'
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from './generated/wasm-bytes.js'
import { nodeBuiltin } from './node-builtins.js'
import { Runtime } from './runtime.js'

/** Where the module comes from. */
export type WasmSource = BufferSource | URL | string | Response | Promise<Response> | WebAssembly.Module

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * The module to use instead of the embedded one: its bytes, a URL (fetched;
   * `file:` URLs are read from disk in Node), a Response, or a compiled Module.
   */
  source?: WasmSource
  /**
   * Which embedded build to use: `'auto'` (default) picks the simd128 build
   * when the engine supports WebAssembly SIMD and falls back to the scalar
   * build with a one-time notice otherwise. Ignored when `source` is given.
   */
  variant?: 'auto' | 'simd' | 'scalar'
}

/** What {@link init} resolves to: facts about the loaded module. */
export interface WasmInfo {
  /** True when the simd128 build is running. */
  simd: boolean
  /** The module's ABI version. */
  abiVersion: number
}

// (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt): valid only where
// the engine implements fixed-width SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
])

// (memory 1) (func i32.const 0 i32.const 0 i32.const 0 memory.fill): valid
// only where the engine implements bulk memory operations, which the simd
// build also uses (every engine with SIMD has them; this makes sure).
const BULK_MEMORY_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1, 10, 13, 1, 11, 0, 65, 0, 65, 0, 65, 0, 252, 11, 0, 11,
])

/**
 * Whether this engine can run the simd build: WebAssembly fixed-width SIMD,
 * and the bulk memory operations that build uses for copies and fills.
 */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE) && WebAssembly.validate(BULK_MEMORY_PROBE)
  } catch {
    return false
  }
}

let shared: Promise<Runtime> | undefined
let current: Runtime | undefined
/** The compiled module behind `shared`, so workers can run the very same build. */
let sharedModule: Promise<WebAssembly.Module> | undefined
let noticeShown = false
/** Compiled embedded builds by variant: compiling ~180 kB once per page is enough. */
const compiledEmbedded = new Map<string, Promise<WebAssembly.Module>>()

/**
 * Loads the wasm module once. Every later call returns the same promise (its
 * options are then ignored), unless the module trapped, in which case a fresh
 * instance is created. Must complete before any model is created.
 */
export function init(options: InitOptions = {}): Promise<WasmInfo> {
  if (!shared || current?.trapped) {
    sharedModule = wasmModule(options)
    shared = instantiate(options).then((rt) => {
      current = rt
      return rt
    })
    shared.catch(() => {
      // A failed load must not stick: the next init() tries again.
      shared = undefined
    })
  }
  return shared.then((rt) => ({ simd: rt.simd, abiVersion: ABI_VERSION }))
}

/** The runtime `init()` loaded; throws `E_NOT_INITIALIZED` before that. */
export function runtime(): Runtime {
  if (!current) {
    throw new WasmganError('E_NOT_INITIALIZED', 'wasmgan is not initialised: call `await init()` before creating or loading a model')
  }
  return current
}

/**
 * A new, independent module instance (not the shared one). For tests and
 * tools that compare builds side by side; models take it as `{ runtime }`.
 */
export async function instantiate(options: InitOptions = {}): Promise<Runtime> {
  const module = await wasmModule(options)
  let instance: WebAssembly.Instance
  try {
    instance = await WebAssembly.instantiate(module, {})
  } catch (e) {
    throw new WasmganError('E_LOAD', `could not instantiate the wasm module: ${String(e)}`, { cause: e })
  }
  const exports = instance.exports as unknown as WasmganExports
  const missing = EXPORT_NAMES.filter((name) => !(name in exports))
  if (missing.length > 0) {
    throw new WasmganError('E_LOAD', `the wasm module lacks exports ${missing.join(', ')}: it is not a wasmgan module of this version`)
  }
  const version = exports.wg_abi_version()
  if (version !== ABI_VERSION) {
    throw new WasmganError('E_LOAD', `the wasm module has ABI version ${version}, this package needs ${ABI_VERSION}`)
  }
  return new Runtime(exports, module)
}

/**
 * The compiled module for `options` (memoized for the embedded builds). A
 * `WebAssembly.Module` can be posted to a worker, which then instantiates
 * the same build without compiling it again.
 */
export function wasmModule(options: InitOptions = {}): Promise<WebAssembly.Module> {
  if (options.source !== undefined) return compile(options)
  const key = options.variant ?? 'auto'
  let module = compiledEmbedded.get(key)
  if (!module) {
    module = compile(options)
    compiledEmbedded.set(key, module)
    module.catch(() => compiledEmbedded.delete(key))
  }
  return module
}

/** The module `init()` loaded (or is loading), if it was called. */
export function initModule(): Promise<WebAssembly.Module> | undefined {
  return shared && sharedModule
}

async function compile(options: InitOptions): Promise<WebAssembly.Module> {
  const { source } = options
  if (source instanceof WebAssembly.Module) return source
  const bytes = source === undefined ? embedded(options.variant ?? 'auto') : await readSource(source)
  try {
    return await WebAssembly.compile(bytes as BufferSource)
  } catch (e) {
    const hint = source === undefined ? '' : ' (a simd build needs an engine with WebAssembly SIMD and bulk memory)'
    throw new WasmganError('E_LOAD', `could not compile the wasm module: ${String(e)}${hint}`, { cause: e })
  }
}

function embedded(variant: 'auto' | 'simd' | 'scalar'): Uint8Array {
  if (variant !== 'auto' && variant !== 'simd' && variant !== 'scalar') {
    throw new WasmganError('E_INVALID_ARGUMENT', `variant must be 'auto', 'simd' or 'scalar', got ${describe(variant)}`)
  }
  let useSimd = variant === 'simd'
  if (variant === 'auto') {
    useSimd = simdSupported()
    if (!useSimd && !noticeShown) {
      noticeShown = true
      console.warn('wasmgan: this engine lacks WebAssembly SIMD; using the scalar build, which is several times slower.')
    }
  }
  return base64ToBytes(useSimd ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64)
}

async function readSource(source: unknown): Promise<BufferSource> {
  try {
    if (source instanceof ArrayBuffer) return source
    if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice()
    if (typeof Response !== 'undefined' && source instanceof Response) return await responseBytes(source)
    if (source instanceof Promise) return await responseBytes((await source) as Response)
    const isNode = typeof process !== 'undefined' && !!process.versions?.node
    if (typeof source === 'string' && isNode && !/^[a-z][a-z0-9+.-]*:/i.test(source)) {
      // A plain path in a server runtime: read it from disk.
      const fs = await nodeBuiltin('fs/promises')
      return await fs.readFile(source)
    }
    if (typeof source === 'string' || source instanceof URL) {
      const url = typeof source === 'string' ? new URL(source, globalThis.location?.href ?? 'file:///') : source
      if (url.protocol === 'file:' && isNode) {
        const fs = await nodeBuiltin('fs/promises')
        const { fileURLToPath } = await nodeBuiltin('url')
        return await fs.readFile(fileURLToPath(url))
      }
      return await responseBytes(await fetch(url))
    }
  } catch (e) {
    if (e instanceof WasmganError) throw e
    throw new WasmganError('E_LOAD', `could not read the wasm module from ${describe(source)}: ${String(e)}`, { cause: e })
  }
  throw new WasmganError(
    'E_INVALID_ARGUMENT',
    `init source must be bytes, a URL, a Response or a WebAssembly.Module, got ${describe(source)}`,
  )
}

async function responseBytes(r: Response): Promise<ArrayBuffer> {
  if (!r.ok) throw new WasmganError('E_LOAD', `fetching the wasm module failed: HTTP ${r.status} ${r.statusText} for ${r.url}`)
  return r.arrayBuffer()
}

/** Decodes base64 without Node's Buffer (atob exists in every target runtime). */
function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
