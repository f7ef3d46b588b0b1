/**
 * A tiny test harness with no dependencies, so one test body runs unchanged
 * under vitest (Node), Bun, Deno and in Chromium ("one suite, several
 * loaders"). A suite receives the wasmgan API it should test (the TypeScript
 * sources under vitest, the built package entry elsewhere) and an
 * environment saying where the data is.
 */

import type * as Wasmgan from '../../ts/index.js'

/** The package's API, as whichever loader imported it. */
export type Api = typeof Wasmgan

/** What a suite gets from its runner. */
export interface Env {
  /** The wasmgan entry under test. */
  api: Api
  /** Name of the runtime, e.g. `node`, `bun`, `deno`, `chromium`. */
  runtime: string
  /** Directory (path or URL) holding the Fashion-MNIST `*-ubyte.gz` files. */
  fashionMnist: string
  /** Publishes a value (e.g. a checkpoint hash) for the runner to compare across runtimes. */
  record(key: string, value: string | number): void
}

/** A named test body. */
export interface TestCase {
  name: string
  run(): unknown | Promise<unknown>
}

/** A named group of tests, defined against an environment. */
export interface Suite {
  name: string
  tests(env: Env): TestCase[]
}

/** One test's outcome. */
export interface Result {
  suite: string
  name: string
  ok: boolean
  ms: number
  error?: string
}

/** Thrown by the assertions below. */
export class AssertionError extends Error {
  override name = 'AssertionError'
}

/** Fails with `message` unless `cond` holds. */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError(message)
}

/** Strict equality, or element-wise equality for arrays and typed arrays. */
export function equal(actual: unknown, expected: unknown, what: string): void {
  if (isArrayLike(actual) && isArrayLike(expected)) {
    assert(actual.length === expected.length, `${what}: length ${actual.length}, expected ${expected.length}`)
    for (let i = 0; i < actual.length; i++) {
      if (!Object.is(actual[i], expected[i])) throw new AssertionError(`${what}: [${i}] is ${actual[i]}, expected ${expected[i]}`)
    }
    return
  }
  if (!Object.is(actual, expected)) throw new AssertionError(`${what}: got ${show(actual)}, expected ${show(expected)}`)
}

/**
 * |actual[i] − expected[i]| ≤ tol(i) for every element (NaN never passes);
 * reports the worst element relative to its tolerance.
 */
export function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  assert(actual.length === expected.length, `${what}: length ${actual.length}, expected ${expected.length}`)
  let worst = -1
  let worstRatio = 0
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!)
    const ratio = Number.isNaN(err) ? Infinity : err === 0 ? 0 : err / tol(i)
    if (ratio > worstRatio) {
      worstRatio = ratio
      worst = i
    }
  }
  if (worstRatio > 1) {
    throw new AssertionError(
      `${what}: [${worst}] is ${actual[worst]}, expected ${expected[worst]} ± ${tol(worst)} (${worstRatio.toFixed(1)}× the tolerance; ${actual.length} values)`,
    )
  }
}

/** Bit-for-bit equality of two f32 arrays (−0 ≠ +0). */
export function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert(a.length === b.length, `${what}: length ${a.length} vs ${b.length}`)
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length)
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) throw new AssertionError(`${what}: element ${i} differs: ${a[i]} vs ${b[i]} (${ua.length} values)`)
  }
}

/** Runs `f` and checks it throws (or rejects with) a WasmganError of `code` whose message matches. */
export async function throwsCode(f: () => unknown, code: string, message: RegExp | undefined, what: string): Promise<void> {
  let error: unknown
  try {
    await f()
  } catch (e) {
    error = e
  }
  assert(error !== undefined, `${what}: nothing was thrown`)
  const e = error as { name?: string; code?: string; message?: string }
  assert(e.name === 'WasmganError', `${what}: threw ${e.name}: ${e.message}, expected a WasmganError`)
  assert(e.code === code, `${what}: code ${e.code}, expected ${code} (${e.message})`)
  if (message) assert(message.test(e.message ?? ''), `${what}: message ${show(e.message)} does not match ${message}`)
}

/** SHA-256 of bytes as hex, with Web Crypto (present in every runtime here). */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Runs every test of every suite in order and reports each result through `log`. */
export async function runSuites(
  suites: Suite[],
  env: Omit<Env, 'record'>,
  log: (line: string) => void = (l) => console.log(l),
): Promise<{ passed: number; failed: number; results: Result[]; records: Record<string, string | number> }> {
  const records: Record<string, string | number> = {}
  const full: Env = { ...env, record: (k, v) => void (records[k] = v) }
  const results: Result[] = []
  for (const suite of suites) {
    for (const test of suite.tests(full)) {
      const t0 = performance.now()
      let error: string | undefined
      try {
        await test.run()
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
      }
      const ms = performance.now() - t0
      results.push({ suite: suite.name, name: test.name, ok: error === undefined, ms, error })
      log(`${error === undefined ? 'ok  ' : 'FAIL'} ${suite.name} › ${test.name} (${ms.toFixed(0)} ms)${error ? `\n     ${error}` : ''}`)
    }
  }
  const passed = results.filter((r) => r.ok).length
  return { passed, failed: results.length - passed, results, records }
}

function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView))
}

function show(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x)
  return String(x)
}
