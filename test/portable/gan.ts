/**
 * The GAN API end to end in whatever runtime runs this suite: init, training
 * on real Fashion-MNIST, sampling, save/load and resuming bit for bit, the
 * misuse contract, and the worker-backed trainer, whose checkpoints must be
 * the bytes in-process training gives.
 *
 * It records the SHA-256 of the reference checkpoint (seed 7, batch 64, 50
 * steps on the Fashion-MNIST test set, default model) so the runner can
 * check that every runtime computes the same bytes.
 */

import { assert, equal, sha256, throwsCode, type Suite } from './harness.js'

/** The cross-runtime reference run: the training page with `?data=fashion-mnist-test&seed=7&batch=64&steps=50`. */
export const REFERENCE = { seed: 7, batchSize: 64, steps: 50, meta: { dataset: 'fashion-mnist-test' } } as const

export const ganSuite: Suite = {
  name: 'gan',
  tests: ({ api, fashionMnist, record }) => {
    const { Gan, WorkerGan, init, loadFashionMnist } = api
    const dir = fashionMnist.endsWith('/') ? fashionMnist : fashionMnist + '/'
    let fm: Awaited<ReturnType<typeof loadFashionMnist>>
    let reference: Uint8Array
    return [
      {
        name: 'init() loads the simd build once',
        async run() {
          const info = await init()
          equal(info.simd, true, 'simd')
          const again = await init()
          equal(again.simd, info.simd, 'second init() simd')
          equal(again.abiVersion, info.abiVersion, 'second init() ABI version')
        },
      },
      {
        name: 'loads the Fashion-MNIST test set',
        async run() {
          fm = await loadFashionMnist(dir, 'test')
          equal(fm.count, 10000, 'images')
          equal(fm.dim, 784, 'dim')
          equal(fm.classNames?.[9], 'Ankle boot', 'class 9')
        },
      },
      {
        name: 'trains a few steps: finite losses, step count, samples in [-1, 1]',
        run() {
          const gan = new Gan({ seed: 1, generator: [64], discriminator: [64] })
          const m = gan.train(fm, 5, { batchSize: 32 })
          equal(m.step, 5, 'step')
          assert([m.dLoss, m.gLoss, m.dReal, m.dFake].every(Number.isFinite), `finite metrics ${JSON.stringify(m)}`)
          const s = gan.sample(16, { seed: 3 })
          equal(s.length, 16 * 784, 'sample length')
          assert(
            s.every((v) => v >= -1 && v <= 1),
            'samples in [-1, 1]',
          )
          gan.dispose()
        },
      },
      {
        name: 'save → load → continue equals an uninterrupted run, and meta survives',
        async run() {
          const cfg = { seed: 2, generator: [32, 17], discriminator: [20], latent: 10 }
          const whole = new Gan(cfg)
          whole.train(fm, 12, { batchSize: 16 })
          const half = new Gan(cfg)
          half.train(fm, 5, { batchSize: 16 })
          const resumed = Gan.load(half.save({ dataset: 'fashion-mnist' }))
          equal(resumed.meta?.dataset, 'fashion-mnist', 'meta')
          equal(resumed.step, 5, 'resumed step')
          resumed.train(fm, 7, { batchSize: 16 })
          // The same meta on both sides: it is part of the checkpoint.
          equal(await sha256(resumed.save()), await sha256(whole.save({ dataset: 'fashion-mnist' })), 'checkpoint after resume')
          equal(resumed.sample(4, { seed: 9 }), whole.sample(4, { seed: 9 }), 'samples after resume')
          for (const g of [whole, half, resumed]) g.dispose()
        },
      },
      {
        name: 'misuse throws WasmganError with a code',
        async run() {
          await throwsCode(() => new Gan({ latent: 0 }), 'E_INVALID_ARGUMENT', /latent must be an integer/, 'latent 0')
          await throwsCode(() => Gan.load(new Uint8Array(40)), 'E_CORRUPT_CHECKPOINT', undefined, 'zero checkpoint')
          const gan = new Gan({ seed: 1, generator: [8], discriminator: [8] })
          gan.dispose()
          await throwsCode(() => gan.sample(1), 'E_DISPOSED', /disposed/, 'sample after dispose')
        },
      },
      {
        name: `reference run: seed ${REFERENCE.seed}, batch ${REFERENCE.batchSize}, ${REFERENCE.steps} steps on the test set`,
        async run() {
          const gan = new Gan({ seed: REFERENCE.seed })
          gan.train(fm, REFERENCE.steps, { batchSize: REFERENCE.batchSize })
          reference = gan.save(REFERENCE.meta)
          record('checkpoint', await sha256(reference))
          gan.dispose()
        },
      },
      {
        name: 'WorkerGan: the same run in a worker gives the same checkpoint bytes, with progress',
        async run() {
          const gan = new WorkerGan({ seed: REFERENCE.seed })
          try {
            const data = await gan.loadData({ images: dir + 't10k-images-idx3-ubyte.gz', labels: dir + 't10k-labels-idx1-ubyte.gz' })
            equal(data.count, 10000, 'rows loaded in the worker')
            equal(data.classes, 10, 'classes')
            let last = 0
            let reports = 0
            for await (const p of gan.fit(data, { steps: REFERENCE.steps, batchSize: REFERENCE.batchSize, reportEvery: 10 })) {
              assert(p.stepsDone > last, `progress moves forward (${p.stepsDone} after ${last})`)
              last = p.stepsDone
              reports++
            }
            equal(reports, 5, 'progress reports')
            equal(gan.step, REFERENCE.steps, 'step')
            const bytes = await gan.save(REFERENCE.meta)
            record('worker-checkpoint', await sha256(bytes))
            equal(await sha256(bytes), await sha256(reference), 'worker vs in-process checkpoint')
          } finally {
            gan.dispose()
          }
        },
      },
      {
        name: 'WorkerGan: in-memory data, load from bytes, sampling during fit, abort, errors and dispose',
        async run() {
          const cfg = { seed: 4, generator: [16], discriminator: [16], latent: 6 }
          // A small copy: an in-memory dataset is cloned to the worker whole.
          const small = { images: fm.images.slice(0, 500 * 784), count: 500, dim: 784 }
          const local = new Gan(cfg)
          local.train(small, 9, { batchSize: 8 })
          const moved = await WorkerGan.load(local.save())
          try {
            equal(moved.config.latent, 6, 'config from the checkpoint')
            equal(moved.step, 9, 'step from the checkpoint')
            equal(await moved.sample(3, { seed: 5 }), local.sample(3, { seed: 5 }), 'samples of a moved model')
            await moved.train(small, 4, { batchSize: 8 }) // in-memory rows, copied to the worker
            local.train(small, 4, { batchSize: 8 })
            equal(await sha256(await moved.save()), await sha256(local.save()), 'continued in the worker')

            const ctl = new AbortController()
            let sampled: Float32Array | undefined
            let stopped = 0
            for await (const p of moved.fit(small, { steps: 100000, batchSize: 8, reportEvery: 5, signal: ctl.signal })) {
              if (!sampled) sampled = await moved.sample(2, { seed: 1 }) // answered between two chunks
              if (p.stepsDone >= 20) {
                stopped = p.stepsDone
                ctl.abort()
              }
            }
            equal(sampled?.length, 2 * 784, 'sample during fit')
            assert(moved.step >= 13 + stopped && moved.step < 13 + 100000, `fit stopped after the abort (step ${moved.step})`)
            await throwsCode(() => moved.train(small, 1, { batchSize: 0 }), 'E_INVALID_ARGUMENT', /batchSize/, 'bad batch in the worker')
            await throwsCode(
              () => moved.fit(small, { epoch: 1 } as never).next(),
              'E_INVALID_ARGUMENT',
              /fit options has no option 'epoch'/,
              'unknown fit option, checked in the worker',
            )
            await throwsCode(() => WorkerGan.load(new Uint8Array(40)), 'E_CORRUPT_CHECKPOINT', undefined, 'bad checkpoint in the worker')
          } finally {
            moved.dispose()
            local.dispose()
          }
          await throwsCode(() => moved.sample(1), 'E_DISPOSED', /disposed/, 'after dispose')
        },
      },
    ]
  },
}
