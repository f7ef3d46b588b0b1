/**
 * Collapse warnings for `Gan.fit`: the two failures that loss curves hide.
 * - The discriminator wins outright: D(x) ≈ 1 and D(G(z)) ≈ 0 for a sustained
 *   stretch, so the generator's gradient carries no information.
 * - Sample diversity falls: generated images become much more alike than
 *   real ones (mode collapse).
 * Each check is cheap (a 32-image sample by seed every few hundred steps;
 * sampling by seed never touches the training stream) and raises a warning
 * once, then again only after the condition has cleared.
 */

import type { ResolvedGanConfig } from './config.js'

type GanLoss = ResolvedGanConfig['loss']

/** A problem detected during training, with a one-line hint. */
export interface TrainingWarning {
  kind: 'discriminator-wins' | 'low-diversity'
  message: string
}

/** Steps the discriminator must dominate before it is reported. */
export const D_WINS_STEPS = 200
/** Steps between diversity checks. */
export const DIVERSITY_EVERY = 250
/** Generated diversity below this fraction of the data's is reported. */
export const DIVERSITY_RATIO = 0.25
const DIVERSITY_SAMPLES = 32

/** Mean RMS distance between consecutive rows: near 0 when all rows are alike. */
export function diversity(rows: Float32Array, count: number): number {
  const dim = rows.length / count
  let total = 0
  for (let i = 0; i + 1 < count; i++) {
    let d = 0
    for (let j = 0; j < dim; j++) {
      const t = rows[i * dim + j] - rows[(i + 1) * dim + j]
      d += t * t
    }
    total += Math.sqrt(d / dim)
  }
  return count > 1 ? total / (count - 1) : 0
}

/** Rows spread evenly over the dataset, so the reference is not one class. */
function spreadRows(images: Float32Array, count: number, dim: number, n: number): Float32Array {
  const out = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const r = Math.floor((i * count) / n + (count / n) * 0.37) % count
    out.set(images.subarray(r * dim, (r + 1) * dim), i * dim)
  }
  return out
}

/** Watches fit's progress and returns a warning when a problem starts. */
export class CollapseMonitor {
  #dataDiversity: number
  #dWinsSince: number | undefined
  #dWinsRaised = false
  #lowDiversityRaised = false
  #nextDiversityCheck: number
  readonly #loss: GanLoss

  constructor(images: Float32Array, count: number, dim: number, loss: GanLoss, startStep: number) {
    const n = Math.min(DIVERSITY_SAMPLES, count)
    this.#dataDiversity = diversity(spreadRows(images, count, dim, n), n)
    this.#loss = loss
    this.#nextDiversityCheck = startStep + DIVERSITY_EVERY
  }

  /**
   * Checks the latest metrics; `sample(n, seed)` draws generated rows when a
   * diversity check is due.
   */
  check(step: number, dReal: number, dFake: number, sample: (n: number) => Float32Array): TrainingWarning | undefined {
    // Under least squares D's outputs are raw scores aimed at 1 and 0, not probabilities. Under
    // hinge they are σ of logits that D stops pushing once past ±1 (σ = 0.73 / 0.27), so a
    // starved generator shows as about 0.91–0.97 / 0.07–0.10, and a healthy Fashion-MNIST run
    // stayed within D(x) ≤ 0.86, D(G(z)) ≥ 0.24 (measured over 3000 steps, seed 1).
    const [hi, lo] = this.#loss === 'least-squares' ? [0.95, 0.05] : this.#loss === 'hinge' ? [0.88, 0.15] : [0.98, 0.02]
    if (dReal > hi && dFake < lo) {
      this.#dWinsSince ??= step
      if (!this.#dWinsRaised && step - this.#dWinsSince >= D_WINS_STEPS) {
        this.#dWinsRaised = true
        return {
          kind: 'discriminator-wins',
          message:
            `the discriminator has won outright for ${step - this.#dWinsSince} steps (D(x) ${dReal.toFixed(3)}, D(G(z)) ${dFake.toFixed(3)}): ` +
            (this.#loss === 'hinge'
              ? 'the generator learns little from it; try a lower discriminator learning rate'
              : 'the generator gets no useful gradient; try a lower discriminator learning rate, labelSmoothing 0.1, or the hinge loss'),
        }
      }
    } else {
      this.#dWinsSince = undefined
      this.#dWinsRaised = false
    }
    if (step >= this.#nextDiversityCheck) {
      this.#nextDiversityCheck = step + DIVERSITY_EVERY
      const rows = sample(DIVERSITY_SAMPLES)
      const ratio = diversity(rows, DIVERSITY_SAMPLES) / this.#dataDiversity
      if (ratio < DIVERSITY_RATIO) {
        if (!this.#lowDiversityRaised) {
          this.#lowDiversityRaised = true
          return {
            kind: 'low-diversity',
            message:
              `samples are collapsing: their diversity is ${(ratio * 100).toFixed(0)}% of the data's: ` +
              'the generator covers few modes; try emaDecay 0.999, dSteps 2, or another seed',
          }
        }
      } else {
        this.#lowDiversityRaised = false
      }
    }
    return undefined
  }
}
