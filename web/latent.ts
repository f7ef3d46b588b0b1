/**
 * Latent vectors for the walk: fixed end points drawn from a seeded PRNG
 * (so a page reload shows the same walk) and interpolation between them.
 */

/** mulberry32: a small seeded PRNG, good enough for picking end points. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** `rows × latent` values, standard normal (Box–Muller) or uniform in [-1, 1). */
export function latentPoints(rows: number, latent: number, seed: number, distribution: 'normal' | 'uniform'): Float32Array {
  const next = prng(seed)
  const out = new Float32Array(rows * latent)
  for (let i = 0; i < out.length; i++) {
    if (distribution === 'uniform') {
      out[i] = next() * 2 - 1
    } else {
      const u = Math.max(next(), 1e-12)
      out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
    }
  }
  return out
}

/**
 * Row-wise interpolation at `t` in [0, 1]: spherical for normal latents (a
 * straight line would pass through the low-density middle of the Gaussian
 * and show washed-out images), linear for uniform ones.
 */
export function interpolate(a: Float32Array, b: Float32Array, latent: number, t: number, spherical: boolean): Float32Array {
  const out = new Float32Array(a.length)
  for (let r = 0; r < a.length / latent; r++) {
    const o = r * latent
    let wa = 1 - t
    let wb = t
    if (spherical) {
      let dot = 0
      let na = 0
      let nb = 0
      for (let i = 0; i < latent; i++) {
        dot += a[o + i]! * b[o + i]!
        na += a[o + i]! ** 2
        nb += b[o + i]! ** 2
      }
      const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb || 1))))
      if (omega > 1e-4) {
        wa = Math.sin((1 - t) * omega) / Math.sin(omega)
        wb = Math.sin(t * omega) / Math.sin(omega)
      }
    }
    for (let i = 0; i < latent; i++) out[o + i] = wa * a[o + i]! + wb * b[o + i]!
  }
  return out
}
