/** Every portable suite, in the order runners run them. */
import { ganSuite } from './gan.js'
import type { Suite } from './harness.js'
import { kernelSuite } from './kernels.js'

export const SUITES: Suite[] = [kernelSuite, ganSuite]
