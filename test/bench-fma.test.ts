/**
 * The bench's hand-assembled ceiling loops (bench/fma.mjs): each computes what
 * it claims, acc·x + y per chain and iteration, with two roundings (mul+add)
 * or with the engine's relaxed_madd, so the GFLOP/s it reports time that work.
 * Node 20 has relaxed SIMD only behind a flag: the FMA module is run in a
 * child Node started with it.
 */

import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: plain .mjs bench module without type declarations
import { ceilingFlop, ceilingModule, fmaFuses, maddModule } from '../bench/fma.mjs'

const X = Math.fround(0.999)
const Y = Math.fround(1e-7)

/** Lane 0 of the loop's result in f32: every chain runs the same recurrence, then the chains are summed in order. */
function reference(n: number, chains: number, step: (acc: number) => number): number {
  let acc = 0
  for (let i = 0; i < n; i++) acc = step(acc)
  let sum = acc
  for (let i = 1; i < chains; i++) sum = Math.fround(sum + acc)
  return sum
}
const unfused = (acc: number) => Math.fround(Math.fround(acc * X) + Y)
// acc·X is exact in f64 (24 + 24 bits); the sum rounds to f64 and then to f32.
const fused = (acc: number) => Math.fround(acc * X + Y)

async function run(kind: string, chains: number, n: number): Promise<number> {
  const { instance } = await WebAssembly.instantiate(ceilingModule(kind, chains))
  return (instance.exports.run as (n: number) => number)(n)
}

describe('bench ceiling loops (bench/fma.mjs)', () => {
  it('mul+add loops compute acc·x + y with two roundings, for every chain count', async () => {
    for (const chains of [1, 3, 8, 12, 14]) {
      for (const n of [1, 2, 1000]) {
        expect(await run('muladd', chains, n)).toBe(reference(n, chains, unfused))
      }
    }
    // The two roundings differ from one here, so the check tells them apart.
    expect(reference(1000, 8, unfused)).not.toBe(reference(1000, 8, fused))
  })

  it('counts 8 FLOP per chain and iteration', () => {
    expect(ceilingFlop(10, 12)).toBe(960)
  })

  it('refuses unknown kinds and chain counts', () => {
    expect(() => ceilingModule('fmsub', 8)).toThrow(/unknown ceiling kind/)
    expect(() => ceilingModule('muladd', 0)).toThrow(/chains must be/)
    expect(() => ceilingModule('muladd', 33)).toThrow(/chains must be/)
  })

  it('this Node reports relaxed SIMD exactly when it validates the FMA module', async () => {
    const valid = WebAssembly.validate(maddModule())
    expect(WebAssembly.validate(ceilingModule('fma', 8))).toBe(valid)
    expect((await fmaFuses()).relaxedSimd).toBe(valid)
  })

  it('FMA loops compute relaxed_madd(acc, x, y) as the engine says it rounds (Node with --experimental-wasm-relaxed-simd)', () => {
    const script = `
      const m = await import(${JSON.stringify(new URL('../bench/fma.mjs', import.meta.url).href)})
      const out = { support: await m.fmaFuses(), runs: [] }
      for (const chains of [1, 8, 14]) {
        const { instance } = await WebAssembly.instantiate(m.ceilingModule('fma', chains))
        out.runs.push({ chains, n: 1000, value: instance.exports.run(1000) })
      }
      console.log(JSON.stringify(out))`
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '')
    expect(out.support.relaxedSimd).toBe(true)
    expect(typeof out.support.fused).toBe('boolean')
    for (const { chains, n, value } of out.runs) {
      expect(value).toBe(reference(n, chains, out.support.fused ? fused : unfused))
    }
  })
})
