/** The Fréchet distance against closed forms. */

import { describe, expect, it } from 'vitest'
import { featureStats, frechetDistance, symmetricEigen } from '../ts/frechet.js'

/** Seeded normal rows with per-dimension scale and shift. */
function gaussianRows(n: number, d: number, seed: number, scale: (j: number) => number, shift: (j: number) => number): Float32Array {
  let s = seed >>> 0
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return (s + 0.5) / 2 ** 32
  }
  const out = new Float32Array(n * d)
  for (let i = 0; i < n * d; i++) {
    const z = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())
    out[i] = shift(i % d) + scale(i % d) * z
  }
  return out
}

describe('frechetDistance', () => {
  it('is 0 for identical statistics and symmetric', () => {
    const a = featureStats(
      gaussianRows(
        500,
        6,
        1,
        () => 1,
        () => 0,
      ),
      500,
    )
    const b = featureStats(
      gaussianRows(
        500,
        6,
        2,
        (j) => 1 + j / 4,
        (j) => j / 3,
      ),
      500,
    )
    expect(frechetDistance(a, a)).toBeCloseTo(0, 8)
    expect(frechetDistance(a, b)).toBeCloseTo(frechetDistance(b, a), 6)
  })

  it('matches the closed form for diagonal Gaussians: Σ (μ₁−μ₂)² + (σ₁−σ₂)²', () => {
    const d = 5
    const n = 20000
    const mu = (j: number) => j * 0.5
    const sd = (j: number) => 1 + j * 0.3
    const a = featureStats(
      gaussianRows(
        n,
        d,
        3,
        () => 1,
        () => 0,
      ),
      n,
    )
    const b = featureStats(gaussianRows(n, d, 4, sd, mu), n)
    let want = 0
    for (let j = 0; j < d; j++) want += mu(j) ** 2 + (1 - sd(j)) ** 2
    // Sampling error of 20k rows: a few percent.
    expect(frechetDistance(a, b)).toBeGreaterThan(want * 0.95)
    expect(frechetDistance(a, b)).toBeLessThan(want * 1.05)
  })

  it('uses the full covariance, not just its diagonal', () => {
    // Same marginals, different correlation: only the off-diagonal terms differ.
    const n = 20000
    const base = gaussianRows(
      n,
      2,
      5,
      () => 1,
      () => 0,
    )
    const correlated = new Float32Array(base.length)
    for (let i = 0; i < n; i++) {
      const [x, y] = [base[2 * i], base[2 * i + 1]]
      correlated[2 * i] = x
      correlated[2 * i + 1] = 0.9 * x + Math.sqrt(1 - 0.81) * y
    }
    const a = featureStats(base, n)
    const b = featureStats(correlated, n)
    // Closed form: Tr(I + C − 2 C^½) with C = [[1, ρ], [ρ, 1]]: eigenvalues 1 ± ρ.
    const want = 2 + 2 - 2 * (Math.sqrt(1.9) + Math.sqrt(0.1))
    expect(frechetDistance(a, b)).toBeCloseTo(want, 1)
  })
})

describe('symmetricEigen', () => {
  it('diagonalises a symmetric matrix: A v = λ v', () => {
    const d = 7
    const m = new Float64Array(d * d)
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) m[i * d + j] = m[j * d + i] = Math.sin(i * 3 + j) + (i === j ? 3 : 0)
    const { values, vectors } = symmetricEigen(m, d)
    for (let k = 0; k < d; k++) {
      for (let i = 0; i < d; i++) {
        let av = 0
        for (let j = 0; j < d; j++) av += m[i * d + j] * vectors[j * d + k]
        expect(av).toBeCloseTo(values[k] * vectors[i * d + k], 9)
      }
    }
  })
})
