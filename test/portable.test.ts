/**
 * The portable suites (test/portable/) under vitest, against the TypeScript
 * sources: the same test bodies that test/runtimes.test.ts runs in Bun, Deno
 * and Chromium against the built package.
 */

import { describe, it } from 'vitest'
import * as api from '../ts/index.js'
import { FASHION_MNIST_DIR } from '../ts/index.js'
import type { Env } from './portable/harness.js'
import { SUITES } from './portable/suites.js'

const records: Record<string, string | number> = {}
const env: Env = { api, runtime: 'node', fashionMnist: FASHION_MNIST_DIR, record: (k, v) => void (records[k] = v) }

for (const suite of SUITES) {
  describe(suite.name, () => {
    // Tests within a suite share state (the loaded data, the reference run), in order.
    for (const test of suite.tests(env)) it(test.name, () => test.run())
  })
}
