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
