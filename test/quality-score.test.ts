/**
 * Sanity of the quality score on real data: real held-out images must score
 * far better than blurred images, than images of only half the classes, and
 * than noise — in that order — in the feature space of a classifier trained
 * on Fashion-MNIST's train split.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { Classifier } from '../ts/classifier.js'
import { scoreImages, type QualityScore } from '../ts/evaluate.js'
import { init, loadFashionMnist, type ImageDataset } from '../ts/index.js'
import type { TrainingData } from '../ts/upload.js'

const DIM = 784
const N = 1000

/** 3×3 box blur applied `passes` times, per 28×28 image. */
function blur(images: Float32Array, count: number, passes: number): Float32Array {
  let src = images.slice()
  for (let p = 0; p < passes; p++) {
    const out = new Float32Array(src.length)
    for (let i = 0; i < count; i++) {
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          let sum = 0
          let k = 0
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const yy = y + dy
              const xx = x + dx
              if (yy < 0 || yy >= 28 || xx < 0 || xx >= 28) continue
              sum += src[i * DIM + yy * 28 + xx]
              k++
            }
          }
          out[i * DIM + y * 28 + x] = sum / k
        }
      }
    }
    src = out
  }
  return src
}

describe('quality score sanity on Fashion-MNIST', () => {
  let classifier: Classifier
  let test: ImageDataset
  let reference: TrainingData
  let testAccuracy: number
  beforeAll(async () => {
    await init()
    const train = await loadFashionMnist(undefined, 'train')
    test = await loadFashionMnist(undefined, 'test')
    classifier = new Classifier({ seed: 1 })
    classifier.train(train, 2000, { batchSize: 64 })
    // The reference: the first 5000 test images; candidates come from the other 5000.
    reference = { images: test.images.subarray(0, 5000 * DIM), count: 5000, dim: DIM }
    testAccuracy = classifier.accuracy({
      images: test.images.subarray(5000 * DIM),
      count: 5000,
      dim: DIM,
      labels: test.labels!.subarray(5000),
    })
  })

  it('orders real < blurred < half the classes < noise', () => {
    const heldOut = test.images.slice(5000 * DIM, (5000 + N) * DIM)
    const halfIdx: number[] = []
    for (let i = 5000; i < 10000 && halfIdx.length < N; i++) if (test.labels![i] < 5) halfIdx.push(i)
    const half = new Float32Array(N * DIM)
    halfIdx.forEach((r, i) => half.set(test.images.subarray(r * DIM, (r + 1) * DIM), i * DIM))
    let s = 7
    const noise = Float32Array.from({ length: N * DIM }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      return (s / 2 ** 32) * 2 - 1
    })
    const opts = { classifier, real: reference, samples: N }
    const scores: Record<string, QualityScore> = {
      real: scoreImages(heldOut, N, opts),
      blurred: scoreImages(blur(heldOut, N, 2), N, opts),
      half: scoreImages(half, N, opts),
      noise: scoreImages(noise, N, opts),
    }
    console.log(
      `classifier test accuracy ${(testAccuracy * 100).toFixed(1)}%; FD ` +
        Object.entries(scores)
          .map(([k, v]) => `${k} ${v.fd.toFixed(2)} (covered ${v.coverage.covered}, evenness ${v.coverage.evenness.toFixed(2)})`)
          .join(', '),
    )
    expect(testAccuracy).toBeGreaterThan(0.8)
    // "Far better": each step is at least twice the previous distance.
    expect(scores.blurred.fd).toBeGreaterThan(2 * scores.real.fd)
    expect(scores.half.fd).toBeGreaterThan(scores.blurred.fd)
    expect(scores.noise.fd).toBeGreaterThan(scores.half.fd)
    // Coverage sees the missing classes; real images cover all ten.
    expect(scores.real.coverage.covered).toBe(10)
    expect(scores.half.coverage.covered).toBeLessThanOrEqual(6)
    expect(scores.real.coverage.evenness).toBeGreaterThan(0.95)
  })
})
