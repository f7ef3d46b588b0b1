/**
 * Before any suite: regenerate the embedded worker scripts (WorkerGan's and
 * ParallelGan's) from ts/, so no test runs a stale copy of the code under
 * test. It runs before test/cli/global-setup.ts, which rebuilds dist/ when a
 * source (these generated files included) is newer than it.
 */
// @ts-expect-error: a plain .mjs script without type declarations
import { buildWorkers } from '../scripts/build-worker.mjs'

export default async function setup(): Promise<void> {
  await buildWorkers({ quiet: true })
}
