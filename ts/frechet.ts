/**
 * The Fréchet distance between two sets of feature vectors, each summarised
 * by its mean and covariance as a Gaussian:
 *
 *   d² = |μ₁ − μ₂|² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½)
 *
 * (the formula behind FID). Tr((Σ₁Σ₂)^½) is computed as Σ √λᵢ over the
 * eigenvalues of the symmetric PSD matrix Σ₁^½ Σ₂ Σ₁^½, which has the same
 * spectrum as Σ₁Σ₂; both square roots come from cyclic Jacobi eigen-
 * decompositions in f64, deterministic and fine for the ≤ 256-wide features
 * used here.
 */

import { WasmganError } from './errors.js'

/** Mean and covariance (row-major, unbiased) of `n` rows of width `d`. */
export interface FeatureStats {
  d: number
  n: number
  mean: Float64Array
  cov: Float64Array
}

/** Mean and covariance of `rows` (`n × d`). */
export function featureStats(rows: Float32Array, n: number): FeatureStats {
  if (n < 2 || rows.length % n !== 0) {
    throw new WasmganError(
      'E_INVALID_ARGUMENT',
      `feature statistics need at least 2 rows of equal width, got ${n} rows in ${rows.length} values`,
    )
  }
  const d = rows.length / n
  const mean = new Float64Array(d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += rows[i * d + j]
  for (let j = 0; j < d; j++) mean[j] /= n
  const cov = new Float64Array(d * d)
  const c = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c[j] = rows[i * d + j] - mean[j]
    for (let a = 0; a < d; a++) {
      const ca = c[a]
      if (ca === 0) continue
      for (let b = a; b < d; b++) cov[a * d + b] += ca * c[b]
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / (n - 1)
      cov[a * d + b] = v
      cov[b * d + a] = v
    }
  }
  return { d, n, mean, cov }
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix (cyclic Jacobi).
 * Returns `values[d]` and `vectors` with eigenvector k in column k.
 */
export function symmetricEigen(matrix: Float64Array, d: number, withVectors = true): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix)
  const v = new Float64Array(d * d)
  for (let i = 0; i < d; i++) v[i * d + i] = 1
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0
    let total = 0
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++) {
        const x = a[p * d + q] * a[p * d + q]
        total += x
        if (p !== q) off += x
      }
    }
    if (off <= 1e-24 * total || off === 0) break
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]
        if (Math.abs(apq) < 1e-300) continue
        const app = a[p * d + p]
        const aqq = a[q * d + q]
        const theta = (aqq - app) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const cs = 1 / Math.sqrt(t * t + 1)
        const sn = t * cs
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]
          const akq = a[k * d + q]
          a[k * d + p] = cs * akp - sn * akq
          a[k * d + q] = sn * akp + cs * akq
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]
          const aqk = a[q * d + k]
          a[p * d + k] = cs * apk - sn * aqk
          a[q * d + k] = sn * apk + cs * aqk
        }
        // Eigenvalues alone skip this third of the work (the distance's second solve).
        if (withVectors)
          for (let k = 0; k < d; k++) {
            const vkp = v[k * d + p]
            const vkq = v[k * d + q]
            v[k * d + p] = cs * vkp - sn * vkq
            v[k * d + q] = sn * vkp + cs * vkq
          }
      }
    }
  }
  const values = new Float64Array(d)
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]
  return { values, vectors: v }
}

/** Σ^½ of a symmetric PSD matrix (negative round-off eigenvalues clamp to 0). */
function sqrtPsd(m: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, d)
  const out = new Float64Array(d * d)
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(values[k], 0))
    if (s === 0) continue
    for (let i = 0; i < d; i++) {
      const vi = vectors[i * d + k] * s
      for (let j = 0; j < d; j++) out[i * d + j] += vi * vectors[j * d + k]
    }
  }
  return out
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d)
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]
      if (aik === 0) continue
      for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j]
    }
  }
  return out
}

/** Σ^½ of each `y` passed to {@link frechetDistance}: the real images' statistics, scored against again and again. */
const sqrtCache = new WeakMap<FeatureStats, Float64Array>()

/**
 * The Fréchet distance d² between two feature distributions. Tr √(Σx Σy) is
 * computed as Tr √(Σy^½ Σx Σy^½), so Σy^½ is computed once per `y` object and
 * reused: pass the fixed (real) statistics as `y`.
 */
export function frechetDistance(x: FeatureStats, y: FeatureStats): number {
  if (x.d !== y.d) throw new WasmganError('E_INVALID_ARGUMENT', `feature widths differ: ${x.d} vs ${y.d}`)
  const d = x.d
  let meanTerm = 0
  for (let j = 0; j < d; j++) meanTerm += (x.mean[j] - y.mean[j]) ** 2
  let trace = 0
  for (let j = 0; j < d; j++) trace += x.cov[j * d + j] + y.cov[j * d + j]
  let s = sqrtCache.get(y)
  if (!s) sqrtCache.set(y, (s = sqrtPsd(y.cov, d)))
  const m = matmul(matmul(s, x.cov, d), s, d)
  // Symmetrise away round-off before the eigen-solve.
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const avg = (m[i * d + j] + m[j * d + i]) / 2
      m[i * d + j] = avg
      m[j * d + i] = avg
    }
  }
  const { values } = symmetricEigen(m, d, false)
  let traceSqrt = 0
  for (let k = 0; k < d; k++) traceSqrt += Math.sqrt(Math.max(values[k], 0))
  return Math.max(meanTerm + trace - 2 * traceSqrt, 0)
}
