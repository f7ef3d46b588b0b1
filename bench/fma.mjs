// Would fused multiply-add raise the simd128 ceiling? WebAssembly's only FMA is
// relaxed SIMD's f32x4.relaxed_madd, which rustc 1.63 cannot emit, so this
// file assembles the ceiling loop by hand: `chains` independent f32x4
// accumulators, each updated once per iteration either as acc·x + y (f32x4.mul
// then f32x4.add, the form of kernel_peak) or as relaxed_madd(acc, x, y). The
// product depends on the accumulator: acc + x·y would let the engine compute
// x·y once before the loop (V8 does) and time only the adds. Each chain is
// then latency-bound, so the loop is timed at several chain counts; V8 has 16
// vector registers, and more chains spill. Whether an engine fuses relaxed_madd (one rounding)
// or runs it as mul then add (two) is its choice; `fmaFuses` tells which, and
// a difference between engines means different bits for the same seed.

const uleb = (n) => {
  const out = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    out.push(b)
  } while (n)
  return out
}
const f32 = (x) => [...new Uint8Array(new Float32Array([x]).buffer)]
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes]
const vec = (items) => [...uleb(items.length), ...items.flat()]
const name = (s) => vec([...new TextEncoder().encode(s)].map((b) => [b]))

// Opcodes (core and the 0xfd SIMD prefix).
const LOCAL_GET = 0x20
const LOCAL_SET = 0x21
const LOCAL_TEE = 0x22
const SIMD = (op) => [0xfd, ...uleb(op)]
const F32X4_SPLAT = SIMD(0x13)
const F32X4_EXTRACT_LANE0 = [...SIMD(0x1f), 0]
const F32X4_ADD = SIMD(0xe4)
const F32X4_MUL = SIMD(0xe6)
const F32X4_RELAXED_MADD = SIMD(0x105)

/** One function `(n: i32) -> f32` running `n` iterations of `chains` accumulator updates. */
function ceilingBody(kind, chains) {
  // Locals: 0 = n (the parameter), 1 = x, 2 = y, 3.. = accumulators (zero at entry).
  const acc = (i) => 3 + i
  const code = [0x43, ...f32(0.999), ...F32X4_SPLAT, LOCAL_SET, 1, 0x43, ...f32(1e-7), ...F32X4_SPLAT, LOCAL_SET, 2]
  code.push(0x03, 0x40) // loop (no result)
  for (let i = 0; i < chains; i++) {
    if (kind === 'fma') code.push(LOCAL_GET, acc(i), LOCAL_GET, 1, LOCAL_GET, 2, ...F32X4_RELAXED_MADD)
    else code.push(LOCAL_GET, acc(i), LOCAL_GET, 1, ...F32X4_MUL, LOCAL_GET, 2, ...F32X4_ADD)
    code.push(LOCAL_SET, acc(i))
  }
  // n -= 1; br_if loop (n != 0)
  code.push(LOCAL_GET, 0, 0x41, 1, 0x6b, LOCAL_TEE, 0, 0x0d, 0, 0x0b)
  // Sum the accumulators, so none of the work is dead.
  code.push(LOCAL_GET, acc(0))
  for (let i = 1; i < chains; i++) code.push(LOCAL_GET, acc(i), ...F32X4_ADD)
  code.push(...F32X4_EXTRACT_LANE0, 0x0b)
  const body = [...vec([[...uleb(chains + 2), 0x7b]]), ...code] // chains + 2 v128 locals
  return [...uleb(body.length), ...body]
}

/**
 * A module exporting one function per entry of `funcs` ([exportName, body]),
 * all of type `types[typeIndex]`.
 */
function moduleOf(types, funcs) {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map(([, , t]) => uleb(t)))),
    ...section(7, vec(funcs.map(([n], i) => [...name(n), 0x00, ...uleb(i)]))),
    ...section(10, vec(funcs.map(([, body]) => body))),
  ])
}

const TYPE_I32_TO_F32 = [0x60, 1, 0x7f, 1, 0x7d]
const TYPE_3F32_TO_F32 = [0x60, 3, 0x7d, 0x7d, 0x7d, 1, 0x7d]

/** The ceiling loop as a module exporting `run(n) -> f32`; kind 'muladd' or 'fma'. */
export function ceilingModule(kind, chains) {
  if (kind !== 'muladd' && kind !== 'fma') throw new Error(`unknown ceiling kind ${kind}`)
  if (!Number.isInteger(chains) || chains < 1 || chains > 32) throw new Error(`chains must be 1..32, got ${chains}`)
  return moduleOf([TYPE_I32_TO_F32], [['run', ceilingBody(kind, chains), 0]])
}

/** A module exporting `madd(a, b, c) -> f32`: lane 0 of relaxed_madd(splat a, splat b, splat c). */
export function maddModule() {
  const code = [LOCAL_GET, 0, ...F32X4_SPLAT, LOCAL_GET, 1, ...F32X4_SPLAT, LOCAL_GET, 2, ...F32X4_SPLAT]
  code.push(...F32X4_RELAXED_MADD, ...F32X4_EXTRACT_LANE0, 0x0b)
  const body = [0x00, ...code] // no locals
  return moduleOf([TYPE_3F32_TO_F32], [['madd', [...uleb(body.length), ...body], 0]])
}

/** FLOP of `run(n)`: per iteration each chain does a multiply and an add on 4 lanes. */
export const ceilingFlop = (n, chains) => n * chains * 4 * 2

/**
 * Whether this engine has relaxed SIMD, and whether its relaxed_madd fuses:
 * (1 + 2⁻¹²)² − 1 is 2⁻¹¹ + 2⁻²⁴ with one rounding and 2⁻¹¹ with two.
 */
export async function fmaFuses() {
  if (!WebAssembly.validate(maddModule())) return { relaxedSimd: false }
  const { instance } = await WebAssembly.instantiate(maddModule())
  const a = 1 + 2 ** -12
  const got = instance.exports.madd(a, a, -1)
  if (got === 2 ** -11 + 2 ** -24) return { relaxedSimd: true, fused: true }
  if (got === 2 ** -11) return { relaxedSimd: true, fused: false }
  throw new Error(`relaxed_madd((1 + 2^-12)^2, -1) gave ${got}: neither fused nor unfused`)
}

/**
 * The ceiling loop with mul+add and (where the engine has relaxed SIMD) with
 * relaxed_madd, at each chain count, and any `extra` loops ({ kind, chains,
 * run(n), flopPerIteration }), timed in alternating rounds of about `ms` each
 * after a warm-up. Returns GFLOP/s per round for every variant.
 */
export async function fmaCeiling({ chains = [8, 10, 12, 14], rounds = 5, ms = 100, extra = [] } = {}) {
  const support = await fmaFuses()
  const kinds = support.relaxedSimd ? ['muladd', 'fma'] : ['muladd']
  const variants = extra.map((v) => ({ ...v, samples: [] }))
  for (const kind of kinds) {
    for (const c of chains) {
      const { instance } = await WebAssembly.instantiate(ceilingModule(kind, c))
      variants.push({ kind, chains: c, run: instance.exports.run, flopPerIteration: ceilingFlop(1, c), samples: [] })
    }
  }
  // Warm-up: until the optimising tier has taken over (about 200 ms each), and
  // to size n so that one call takes about `ms`.
  for (const v of variants) {
    let n = 100_000
    const t0 = performance.now()
    let dt = 0
    while (performance.now() - t0 < 200) {
      const t = performance.now()
      v.run(n)
      dt = performance.now() - t
      if (dt < ms / 4) n *= 2
    }
    v.n = Math.max(1, Math.round((n * ms) / Math.max(dt, 1e-3)))
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...variants].reverse() : variants
    for (const v of order) {
      const t = performance.now()
      v.run(v.n)
      const s = (performance.now() - t) / 1000
      v.samples.push((v.n * v.flopPerIteration) / s / 1e9)
    }
  }
  return { ...support, variants: variants.map(({ kind, chains, samples }) => ({ kind, chains, samples })) }
}
