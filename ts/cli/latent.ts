/**
 * Latent vectors for `interpolate`: seeded keyframes and the path between
 * them. Keyframes come from a small seeded generator here (SplitMix64 for
 * uniform bits, Box–Muller for normals), in the distribution the model was
 * trained with. Normal latents are joined by spherical interpolation, which
 * keeps the in-between vectors at the length the generator is used to;
 * uniform ones by straight lines, which stay inside the cube.
 */

/** A seeded stream of numbers in [0, 1). */
export function seededUniform(seed: number): () => number {
  let s = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 0x632be59bd9b4e5f5n)
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n)
    let z = s
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n)
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn)
    z ^= z >> 31n
    return Number(z >> 11n) / 2 ** 53
  }
}

/** `count` latent vectors of `latent` values each, drawn from `distribution` with `seed`. */
export function keyframes(count: number, latent: number, distribution: 'normal' | 'uniform', seed: number): Float32Array[] {
  const u = seededUniform(seed)
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u())
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: latent }, () => (distribution === 'normal' ? normal() : 2 * u() - 1)),
  )
}

/** The point at fraction `t` (0..1) of the way from `a` to `b`: slerp for normal latents, lerp for uniform. */
export function between(a: Float32Array, b: Float32Array, t: number, distribution: 'normal' | 'uniform'): Float32Array {
  const out = new Float32Array(a.length)
  if (distribution === 'normal') {
    let dot = 0
    let na = 0
    let nb = 0
    for (let i = 0; i < a.length; i++) {
      dot += a[i]! * b[i]!
      na += a[i]! * a[i]!
      nb += b[i]! * b[i]!
    }
    const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb || 1))))
    if (omega > 1e-6) {
      const sa = Math.sin((1 - t) * omega) / Math.sin(omega)
      const sb = Math.sin(t * omega) / Math.sin(omega)
      for (let i = 0; i < a.length; i++) out[i] = sa * a[i]! + sb * b[i]!
      return out
    }
  }
  for (let i = 0; i < a.length; i++) out[i] = (1 - t) * a[i]! + t * b[i]!
  return out
}
