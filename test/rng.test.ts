/**
 * `kernel_rng_fill` against the independent BigInt port of the documented
 * RNG (test/reference.ts), bit for bit, on both builds. The port itself is
 * first pinned to the published SplitMix64 and xoshiro256** test vectors, so
 * the two implementations cannot agree on a shared mistake.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { Status } from '../ts/abi.js'
import type { Runtime } from '../ts/runtime.js'
import { Kernels, VARIANTS, expectSameBits, loadVariant, withHeap } from './helpers/wasm.js'
import { ReferenceRng, lnUnit, rngFill } from './reference.js'

const SEEDS = [0, 1, 2 ** 53 - 1]
const KINDS = [
  ['normal', 0],
  ['uniform', 1],
] as const

describe('the TypeScript port of the RNG', () => {
  it('seeds with the published SplitMix64 outputs (seed 0)', () => {
    expect(new ReferenceRng(0).s).toEqual([0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn, 0xf88bb8a8724c81ecn])
  })

  it('reproduces the published xoshiro256** outputs from the state {1, 2, 3, 4}', () => {
    const rng = new ReferenceRng([1n, 2n, 3n, 4n])
    const want = [
      11520n,
      0n,
      1509978240n,
      1215971899390074240n,
      1216172134540287360n,
      607988272756665600n,
      16172922978634559625n,
      8476171486693032832n,
      10595114339597558777n,
      2904607092377533576n,
    ]
    expect(want.map(() => rng.nextU64())).toEqual(want)
  })
})

describe.each(VARIANTS)('kernel_rng_fill, %s build', (variant) => {
  let rt: Runtime
  let k: Kernels
  beforeAll(async () => {
    rt = await loadVariant(variant)
    k = new Kernels(rt)
  })

  for (const [name, kind] of KINDS) {
    // An odd count ends on a normal whose pair partner is left as the spare.
    it.each(SEEDS)(`${name} with seed %i is bit-identical to the port`, (seed) => {
      expectSameBits(k.rngFill(seed, kind, 4097), rngFill(seed, kind, 4097), `${name} seed ${seed}`)
      expectSameBits(k.rngFill(seed, kind, 1), rngFill(seed, kind, 1), `${name} seed ${seed}, n = 1`)
    })
  }

  it('100k normals have mean 0 and variance 1', () => {
    const z = k.rngFill(12345, 0, 100_000)
    let [s1, s2] = [0, 0]
    for (const v of z) {
      s1 += v
      s2 += v * v
    }
    const mean = s1 / z.length
    const variance = s2 / z.length - mean * mean
    // Standard errors: 1/sqrt(n) ≈ 0.0032 for the mean, sqrt(2/n) ≈ 0.0045 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.015)
    expect(Math.abs(variance - 1)).toBeLessThan(0.02)
    expect(z.every(Number.isFinite)).toBe(true)
  })

  it('100k uniforms lie in [0, 1) with mean 1/2 and variance 1/12', () => {
    const u = k.rngFill(12345, 1, 100_000)
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true)
    const mean = u.reduce((s, v) => s + v, 0) / u.length
    const variance = u.reduce((s, v) => s + (v - mean) ** 2, 0) / u.length
    // Standard errors: ≈ 0.00091 and ≈ 0.00024.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005)
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.0015)
  })

  it.each([0.5, -1, -0.5, 2 ** 53, 2 ** 64, NaN, Infinity, -Infinity])('seed %f is rejected with status 1', (seed) => {
    withHeap(rt, (h) => {
      const out = h.alloc(4)
      expect(rt.call((x) => x.kernel_rng_fill(seed, 0, 4, out))).toBe(Status.InvalidArgument)
      expect(rt.lastError()).toContain('seed')
    })
    expect(rt.trapped).toBe(false)
  })

  it('an unknown kind is rejected with status 1', () => {
    withHeap(rt, (h) => {
      const out = h.alloc(4)
      expect(rt.call((x) => x.kernel_rng_fill(1, 2, 4, out))).toBe(Status.InvalidArgument)
      expect(rt.lastError()).toContain('kind')
    })
  })
})

/**
 * The normal generator's scale √(−2 ln s / s) against the same formula in
 * JavaScript with the reference's `lnUnit`, bit for bit in f64, on both
 * builds: the simd128 build computes two lanes at a time. Normals are
 * rounded to f32, which would hide a last-bit difference in the logarithm;
 * these are not.
 */
describe.each(VARIANTS)('kernel_polar_scales, %s build', (variant) => {
  let rt: Runtime
  beforeAll(async () => {
    rt = await loadVariant(variant)
  })

  const scales = (s: Float64Array): Float64Array =>
    withHeap(rt, (h) => {
      const [sp, op] = [h.alloc(2 * s.length + 1), h.alloc(2 * s.length + 1)].map((p) => (p + 7) & ~7)
      rt.call((x) => new Float64Array(x.memory.buffer, sp, s.length).set(s))
      rt.check(
        rt.call((x) => x.kernel_polar_scales(s.length, sp, op)),
        'kernel_polar_scales',
      )
      return rt.call((x) => new Float64Array(x.memory.buffer, op, s.length).slice())
    })

  it('equals the reference bit for bit on 200,417 values, and Math.log within 1 ulp', () => {
    // s as the polar method makes it, from the reference RNG, then every
    // exponent's power of two and both sides of its cut at √2/2 (an odd
    // count, so the last value takes the scalar path in the simd build).
    const rng = new ReferenceRng(99)
    const s: number[] = []
    while (s.length < 200_000) {
      const [u, v] = [rng.signedF64(), rng.signedF64()]
      const q = u * u + v * v
      if (q < 1 && q > 0) s.push(q)
    }
    for (let e = 1; e <= 104; e++) {
      const cut = Math.SQRT1_2 * 2 ** (1 - e)
      s.push(2 ** -e, cut, cut * (1 - 2 ** -53), cut * (1 + 2 ** -52))
    }
    s.push(1 - 2 ** -53)
    const input = Float64Array.from(s)
    const got = scales(input)
    const want = input.map((x) => Math.sqrt((-2 * lnUnit(x)) / x))
    const [a, b] = [new BigUint64Array(got.buffer), new BigUint64Array(want.buffer)]
    const bad = a.findIndex((x, i) => x !== b[i])
    expect(bad, bad < 0 ? '' : `s = ${input[bad]}: ${got[bad]} against ${want[bad]}`).toBe(-1)
    // The reference logarithm itself: within 1 ulp of V8's everywhere here
    // (both negative, so their bit patterns count ulps).
    const bits = (x: number) => new BigInt64Array(Float64Array.of(x).buffer)[0]
    let worst = 0n
    for (const x of input) {
      const d = bits(lnUnit(x)) - bits(Math.log(x))
      if (d > worst || -d > worst) worst = d < 0n ? -d : d
    }
    expect(worst).toBeLessThanOrEqual(1n)
  })

  it.each([0, 1, -0.5, 2 ** -1030, NaN, Infinity])('s = %f is rejected with status 1', (bad) => {
    expect(() => scales(Float64Array.of(0.5, bad, 0.25))).toThrow(/not a normal number in \(0, 1\)/)
    expect(rt.trapped).toBe(false)
  })

  it('misaligned, out-of-memory or overlapping buffers are rejected with status 1', () => {
    withHeap(rt, (h) => {
      const p = (h.alloc(16) + 7) & ~7
      expect(rt.call((x) => x.kernel_polar_scales(2, p + 4, p + 32))).toBe(Status.InvalidArgument)
      expect(rt.lastError()).toMatch(/^s: .* not an aligned region/)
      expect(rt.call((x) => x.kernel_polar_scales(2, p, rt.memoryBytes - 8))).toBe(Status.InvalidArgument)
      expect(rt.lastError()).toMatch(/^out: .* not an aligned region/)
      expect(rt.call((x) => x.kernel_polar_scales(4, p, p + 16))).toBe(Status.InvalidArgument)
      expect(rt.lastError()).toContain('overlap')
    })
    expect(rt.trapped).toBe(false)
  })
})
