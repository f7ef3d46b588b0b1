/**
 * The public surface of the package, as a snapshot: adding, removing or
 * renaming an export shows up in review as a change to this list.
 */

import { expect, it } from 'vitest'
import * as wasmgan from '../ts/index.js'

it('exports exactly the public API', () => {
})
