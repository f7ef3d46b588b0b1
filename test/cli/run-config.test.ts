/**
 * Run configs stored before the loss and weight-average fields existed (or
 * had their measured defaults): resuming one keeps BCE without EMA, the
 * options it trained with, and a new run gets today's defaults.
 */

import { expect, it } from 'vitest'
import { DEFAULT_CONFIG } from '../../ts/config.js'
import { recipeDiff, type RunConfig } from '../../ts/cli/run-config.js'
import type { LoadedData } from '../../ts/cli/resolve-dataset.js'
import { buildConfig } from '../../ts/cli/train-config.js'

const data = { count: 128, dim: 784, width: 28, height: 28, images: new Float32Array(128 * 784) }
const loaded = { data, ref: { name: 'fashion-mnist' }, dir: '/data', digest: 'ab'.repeat(32) } as unknown as LoadedData

it('a stored run without loss and emaDecay resumes with BCE and no average; a new run takes the defaults', () => {
  const fresh = buildConfig({ steps: 10 }, loaded, undefined)
  expect([fresh.model.loss, fresh.model.emaDecay]).toEqual([DEFAULT_CONFIG.loss, DEFAULT_CONFIG.emaDecay])
  // An old config.json / checkpoint meta: the same run, without the two fields.
  const old = JSON.parse(JSON.stringify(fresh)) as RunConfig
  delete (old.model as Partial<RunConfig['model']>).loss
  delete (old.model as Partial<RunConfig['model']>).emaDecay
  const resumed = buildConfig({ steps: 20 }, loaded, old)
  expect([resumed.model.loss, resumed.model.emaDecay]).toEqual(['bce', 0])
  expect(recipeDiff(resumed, old)).toEqual([])
  // The defaults differ from what absence means, so the old run is another recipe than a new one.
  expect(recipeDiff(fresh, old).sort()).toEqual(
    [DEFAULT_CONFIG.loss !== 'bce' && 'model.loss', DEFAULT_CONFIG.emaDecay !== 0 && 'model.emaDecay'].filter(Boolean).sort(),
  )
})
