/**
 * Parsers for flag values. Each takes the text as typed and returns a value
 * or throws a usage error that names the flag, what it must be, and what was
 * given: `--batch must be an integer ≥ 1, got "0"`. Numbers are parsed
 * strictly (`Number("")` is 0 and `parseInt("3x")` is 3; neither is accepted).
 */

import { usage } from './errors.js'

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

function quoted(text: string): string {
  return JSON.stringify(text)
}

/** A finite decimal number, or a usage error. */
export function parseNumber(flag: string, text: string): number {
  const t = text.trim()
  const v = DECIMAL.test(t) ? Number(t) : NaN
  if (!Number.isFinite(v)) usage(`${flag} must be a number, got ${quoted(text)}`)
  return v
}

/** An integer in [min, max]. */
export function parseInteger(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const t = text.trim()
  if (!/^[+-]?\d+$/.test(t)) usage(`${flag} must be an integer ${range(min, max)}, got ${quoted(text)}`)
  const v = Number(t)
  if (!(v >= min && v <= max)) usage(`${flag} must be an integer ${range(min, max)}, got ${quoted(text)}`)
  return v
}

/** A number in a range; `minExclusive` for "> min" (learning rates), `maxExclusive` for "< max" (betas). */
export function parseReal(
  flag: string,
  text: string,
  min: number,
  max: number,
  { minExclusive = false, maxExclusive = false }: { minExclusive?: boolean; maxExclusive?: boolean } = {},
): number {
  const t = text.trim()
  const v = DECIMAL.test(t) ? Number(t) : NaN
  const ok = Number.isFinite(v) && (minExclusive ? v > min : v >= min) && (maxExclusive ? v < max : v <= max)
  if (!ok) {
    const lo = minExclusive ? `> ${min}` : `≥ ${min}`
    const hi = max === Infinity ? '' : maxExclusive ? ` and < ${max}` : ` and ≤ ${max}`
    usage(`${flag} must be a number ${lo}${hi}, got ${quoted(text)}`)
  }
  return v
}

/** A comma-separated list of layer widths, e.g. `256,256`. */
export function parseWidths(flag: string, text: string): number[] {
  const parts = text.split(',')
  if (parts.length === 0 || parts.length > 64 || parts.some((p) => !/^\s*\d+\s*$/.test(p) || Number(p) < 1 || Number(p) > 1 << 20)) {
    usage(`${flag} must be comma-separated layer widths (integers 1..${1 << 20}, e.g. 256,256), got ${quoted(text)}`)
  }
  return parts.map(Number)
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if (!choices.includes(text as T)) usage(`${flag} must be one of ${choices.join(', ')}, got ${quoted(text)}`)
  return text as T
}

function range(min: number, max: number): string {
  return max >= Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`
}

/** Adapts a parser to commander's `(value, previous) => parsed` signature. */
export function flag<T>(name: string, parse: (flag: string, text: string) => T): (text: string) => T {
  return (text: string) => parse(name, text)
}
