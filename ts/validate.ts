/**
 * Argument checks shared by the public API. Each throws `E_INVALID_ARGUMENT`
 * with a message naming the argument, what it must be, and what was given.
 */

import { WasmganError, describe } from './errors.js'

/** Fails with "`name` must be `what`, got `value`". */
export function invalid(name: string, what: string, value: unknown): never {
  throw new WasmganError('E_INVALID_ARGUMENT', `${name} must be ${what}, got ${describe(value)}`)
}

/** An integer in [min, max]. */
export function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(name, `an integer in ${min}..${max}`, value)
  }
  return value
}

/** A finite number in [min, max] (or [min, max) when `maxExclusive`), or > min when `minExclusive`. */
export function number(
  name: string,
  value: unknown,
  min: number,
  max: number,
  { minExclusive = false, maxExclusive = false }: { minExclusive?: boolean; maxExclusive?: boolean } = {},
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (minExclusive ? value > min : value >= min) &&
    (maxExclusive ? value < max : value <= max)
  if (!ok) {
    const range = `${minExclusive ? '(' : '['}${min}, ${max === Infinity ? '∞' : max}${maxExclusive || max === Infinity ? ')' : ']'}`
    invalid(name, `a finite number in ${range}`, value)
  }
  return value as number
}

/** One of the listed strings. */
export function oneOf<T extends string>(name: string, value: unknown, options: readonly T[]): T {
  if (typeof value !== 'string' || !options.includes(value as T)) {
    invalid(name, `one of ${options.map((o) => `'${o}'`).join(', ')}`, value)
  }
  return value as T
}

/** A plain object (or undefined → {}). */
export function object<T extends object>(name: string, value: unknown): Partial<T> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(name, 'an object', value)
  return value as Partial<T>
}

/** Rejects keys that are not in `known`, so typos do not pass silently. */
export function knownKeys(name: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new WasmganError('E_INVALID_ARGUMENT', `${name} has no option '${key}' (known: ${known.join(', ')})`)
    }
  }
}

/**
 * A list of `classes` class names: strings without NUL characters (they are
 * stored NUL-terminated in checkpoints), at most 1000 characters each.
 */
export function classNames(name: string, value: unknown, classes: number): string[] {
  if (!Array.isArray(value)) invalid(name, `an array of ${classes} strings`, value)
  if (value.length !== classes) invalid(name, `one name per class (${classes} names)`, value)
  return value.map((v, i) => {
    if (typeof v !== 'string' || v.includes('\0') || v.length > 1000) {
      invalid(`${name}[${i}]`, 'a string without NUL characters, at most 1000 long', v)
    }
    return v
  })
}

/**
 * Class ids for `n` samples of a model with `classes` classes: an array or
 * typed array of `n` integers in 0..classes-1. Returns them as a Uint32Array.
 */
export function labelIds(name: string, value: unknown, n: number, classes: number): Uint32Array {
  const isArray = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))
  if (!isArray) invalid(name, `an array of ${n} class ids`, value)
  const list = value as ArrayLike<unknown>
  if (list.length !== n) {
    throw new WasmganError('E_INVALID_ARGUMENT', `${name} must hold one class id per sample: n = ${n}, got ${list.length} labels`)
  }
  const out = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const y = list[i]
    if (typeof y !== 'number' || !Number.isInteger(y)) invalid(`${name}[${i}]`, `an integer class id in 0..${classes - 1}`, y)
    if (y < 0 || y >= classes) {
      throw new WasmganError('E_INVALID_ARGUMENT', `${name}[${i}] = ${y} is out of range: this model has classes 0..${classes - 1}`)
    }
    out[i] = y
  }
  return out
}

/** Encodes class names for the module: UTF-8, each followed by a NUL byte. */
export function encodeClassNames(names: readonly string[]): Uint8Array {
  return new TextEncoder().encode(names.map((n) => n + '\0').join(''))
}

/** Decodes {@link encodeClassNames} output. */
export function decodeClassNames(bytes: Uint8Array): string[] {
  if (bytes.length === 0) return []
  const text = new TextDecoder().decode(bytes)
  return text.slice(0, -1).split('\0')
}
