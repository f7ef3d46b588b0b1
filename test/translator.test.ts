/**
 * The translator and paired data through the public API: pair validation
 * (counts, sizes, kinds), built-in task sources, the L1/PSNR score, bit-exact
 * resume through checkpoints, refusing checkpoints of another kind, reading
 * version-1 GAN checkpoints, and simd/scalar agreement.
 */

import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  Classifier,
  Gan,
  Translator,
  WasmganError,
  checkpointKind,
  encodeIdx,
  init,
  instantiate,
  loadPairs,
  makePairs,
  taskPairs,
  taskSources,
  translationScore,
  type ErrorCode,
  type SizedImages,
  type TranslatorConfig,
} from '../ts/index.js'

function fails(f: () => unknown, code: ErrorCode, ...fragments: (string | RegExp)[]): void {
  let error: unknown
  try {
    f()
  } catch (e) {
    error = e
  }
  expect(error, 'expected a WasmganError').toBeInstanceOf(WasmganError)
  expect((error as WasmganError).code).toBe(code)
  for (const frag of fragments) expect((error as WasmganError).message).toMatch(frag)
}

/** `count` 6×5 images of smooth blobs in [-1, 1]. */
function images(count: number, width = 6, height = 5, seed = 1): SizedImages {
  const dim = width * height
  const data = new Float32Array(count * dim)
  for (let i = 0; i < count; i++) {
    const cx = ((i * 13 + seed) % width) + 0.5
    const cy = ((i * 7 + seed) % height) + 0.5
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data[i * dim + y * width + x] = Math.tanh(2 - ((x - cx) ** 2 + (y - cy) ** 2) / 2)
    }
  }
  return { images: data, count, width, height }
}

const small: TranslatorConfig = { width: 6, height: 5, mask: 2, generator: [20], discriminator: [9], seed: 4 }
const asData = (s: SizedImages) => ({ images: s.images, count: s.count, dim: s.width * s.height })

beforeAll(async () => {
  await init()
})

describe('pairs', () => {
  it('makePairs and loadPairs refuse mismatched counts and sizes', async () => {
    fails(() => makePairs(images(5), images(4)), 'E_INVALID_ARGUMENT', /same number of images: 5 sources but 4 targets/)
    fails(() => makePairs(images(5), images(5, 5, 6)), 'E_INVALID_ARGUMENT', /same image size: sources are 5 × 6, targets 6 × 5/)
    fails(
      () => makePairs({ ...images(5), images: new Float32Array(7) }, images(5)),
      'E_INVALID_ARGUMENT',
      /sources\.images must hold count × height × width = 5 × 5 × 6 values, got 7/,
    )
    const idx = async (s: SizedImages) =>
      encodeIdx({ dtype: 'u8', shape: [s.count, s.height, s.width], data: Array.from(s.images, (v) => Math.round((v + 1) * 127.5)) })
    const ok = await loadPairs({ sources: await idx(images(5)), targets: await idx(images(5, 6, 5, 2)) })
    expect(ok.count).toBe(5)
    expect(ok.dim).toBe(30)
    await expect(loadPairs({ sources: await idx(images(5)), targets: await idx(images(6)) })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/5 sources but 6 targets/),
    })
  })

  it('a translator refuses data of the wrong kind or size', () => {
    const pairsModel = new Translator({ ...small, task: 'pairs' })
    fails(() => pairsModel.train(asData(images(8)), 1, { batchSize: 2 }), 'E_INVALID_ARGUMENT', /PairData .* for task 'pairs'/)
    fails(
      () => pairsModel.train(makePairs(images(8, 5, 6), images(8, 5, 6)), 1),
      'E_INVALID_ARGUMENT',
      /images are 6 × 5 but this translator's are 5 × 6/,
    )
    const edges = new Translator({ ...small, task: 'edges' })
    fails(
      () => edges.train(makePairs(images(8), images(8)), 1),
      'E_INVALID_ARGUMENT',
      /images .* for task 'edges', which makes its own sources/,
    )
    fails(
      () => edges.train({ images: new Float32Array(8 * 20), count: 8, dim: 20 }, 1),
      'E_INVALID_ARGUMENT',
      /images of 20 values but this translator's are 5 × 6 = 30/,
    )
    fails(() => edges.translate(new Float32Array(31)), 'E_INVALID_ARGUMENT', /n × 5 × 6 values/)
    fails(() => edges.translate(new Float32Array(30).fill(2)), 'E_INVALID_ARGUMENT', /sources\[0\] must be in \[-1, 1\], got 2/)
    fails(() => new Translator({ ...small, mask: 6 }), 'E_INVALID_ARGUMENT', /mask must be an integer in 1\.\.5/)
    fails(
      () => new Translator({ ...small, task: 'colorize' as 'edges' }),
      'E_INVALID_ARGUMENT',
      /one of 'pairs', 'edges', 'inpaint', 'upscale'/,
    )
    fails(() => new Translator({ ...small, l1Weight: 0, adversarialWeight: 0 }), 'E_INVALID_ARGUMENT', /not both 0/)
    fails(() => new Translator({ ...small, residual: 1 as unknown as boolean }), 'E_INVALID_ARGUMENT', /residual must be true or false/)
  })
})

describe('tasks and scores', () => {
  it('task sources are reproducible by seed and have the documented shape', () => {
    const s = images(4)
    const a = taskSources('inpaint', s.images, 6, 5, { mask: 2, seed: 3 })
    expect(taskSources('inpaint', s.images, 6, 5, { mask: 2, seed: 3 })).toEqual(a)
    expect(taskSources('inpaint', s.images, 6, 5, { mask: 2, seed: 4 })).not.toEqual(a)
    // Exactly a 2×2 square per image is set to 0, the rest copied.
    for (let i = 0; i < 4; i++) {
      let changed = 0
      for (let j = 0; j < 30; j++) if (a[i * 30 + j] !== s.images[i * 30 + j]) changed++
      expect(a.subarray(i * 30, (i + 1) * 30).filter((v) => v === 0).length).toBe(4)
      expect(changed).toBeLessThanOrEqual(4)
    }
    const up = taskSources('upscale', s.images, 6, 5)
    expect(up[0]).toBe(up[1]) // one 4×4 block shares its mean
    expect(new Set(taskSources('edges', s.images, 6, 5))).toEqual(new Set([-1, 1]))
    fails(() => taskSources('pairs' as 'edges', s.images, 6, 5), 'E_INVALID_ARGUMENT', /task must be one of 'edges', 'inpaint', 'upscale'/)
    const p = taskPairs(s, 'upscale', { count: 3 })
    expect(p.count).toBe(3)
    expect(p.targets).toEqual(s.images.subarray(0, 90))
  })

  it('translationScore is L1 and PSNR on the [0, 1] scale', () => {
    const t = new Float32Array([-1, 1, 0, 0])
    const o = new Float32Array([-1, 0.6, 0.2, 0])
    const s = translationScore(o, t)
    expect(s.l1).toBeCloseTo((0.2 + 0.1) / 4, 6)
    expect(s.psnr).toBeCloseTo(10 * Math.log10(1 / ((0.04 + 0.01) / 4)), 4)
    expect(translationScore(t, t).psnr).toBe(Infinity)
    fails(() => translationScore(o, t.subarray(1)), 'E_INVALID_ARGUMENT', /same non-zero length/)
  })
})

describe('checkpoints', () => {
  for (const task of ['edges', 'inpaint', 'upscale', 'pairs'] as const) {
    it(`${task}: save → load → continue equals an uninterrupted run`, () => {
      const cfg: TranslatorConfig = { ...small, task, noise: task === 'inpaint' ? 3 : 0 }
      const data = task === 'pairs' ? makePairs(images(24), images(24, 6, 5, 3)) : asData(images(24))
      const whole = new Translator(cfg)
      whole.train(data, 14, { batchSize: 5 })
      const first = new Translator(cfg)
      first.train(data, 6, { batchSize: 5 })
      first.translate(images(2).images, { seed: 1 })
      const resumed = Translator.load(first.save({ task }))
      expect(resumed.config).toEqual(whole.config)
      expect(resumed.meta).toEqual({ task })
      resumed.train(data, 8, { batchSize: 5 })
      expect(resumed.save({ task })).toEqual(whole.save({ task }))
    })
  }

  it('each kind of checkpoint is recognised and refused by the other loaders', () => {
    const tr = new Translator(small).save()
    const clf = new Classifier({ dataDim: 30, classes: 2, hidden: [4] }).save()
    const gan = new Gan({ latent: 2, dataDim: 30, generator: [3], discriminator: [3] }).save()
    expect([checkpointKind(tr), checkpointKind(clf), checkpointKind(gan)]).toEqual(['translator', 'classifier', 'gan'])
    fails(() => Gan.load(tr), 'E_INVALID_ARGUMENT', /holds a translator \(load it with Translator\.load\), not a GAN/)
    fails(() => Translator.load(clf), 'E_INVALID_ARGUMENT', /holds a classifier \(load it with Classifier\.load\), not a translator/)
    fails(() => Classifier.load(gan), 'E_INVALID_ARGUMENT', /holds a GAN \(load it with Gan\.load\), not a classifier/)
    fails(() => checkpointKind(tr.slice(0, 30)), 'E_CORRUPT_CHECKPOINT', /checksum/)
  })

  it('reads a version-1 GAN checkpoint written before the format had kinds', () => {
    const v1 = new Uint8Array(readFileSync(new URL('../crates/core/tests/fixtures/gan-v1.ckpt', import.meta.url)))
    expect(new DataView(v1.buffer, v1.byteOffset).getUint32(8, true)).toBe(1)
    expect(checkpointKind(v1)).toBe('gan')
    const gan = Gan.load(v1)
    expect(gan.step).toBe(20)
    expect(gan.config.classes).toBe(0)
    // Written before the loss and weight-average options: BCE without EMA, whatever today's defaults.
    expect([gan.config.loss, gan.config.emaDecay]).toEqual(['bce', 0])
    expect(gan.meta).toEqual({ dataset: 'toy' })
    expect(gan.sample(2, { seed: 1 }).length).toBe(40)
    // It saves as version 2 and loads back unchanged.
    const v2 = gan.save()
    expect(new DataView(v2.buffer, v2.byteOffset).getUint32(8, true)).toBe(2)
    expect(Gan.load(v2).save()).toEqual(v2)
  })
})

describe('simd and scalar builds', () => {
  it('train every task to bit-identical checkpoints', async () => {
    const simd = await instantiate({ variant: 'simd' })
    const scalar = await instantiate({ variant: 'scalar' })
    for (const task of ['edges', 'inpaint', 'upscale', 'pairs'] as const) {
      const cfg: TranslatorConfig = { ...small, task, generator: [17, 9], discriminator: [13], noise: 2 }
      const data = task === 'pairs' ? makePairs(images(20), images(20, 6, 5, 3)) : asData(images(20))
      const a = new Translator(cfg, { runtime: simd })
      const b = new Translator(cfg, { runtime: scalar })
      a.train(data, 12, { batchSize: 7 })
      b.train(data, 12, { batchSize: 7 })
      expect(a.save(), task).toEqual(b.save())
      expect(a.translate(images(3).images, { seed: 2 })).toEqual(b.translate(images(3).images, { seed: 2 }))
    }
  })
})
