/**
 * Before any suite: regenerate the embedded worker script from ts/, so
 * WorkerGan never runs a stale copy of the code under test. It runs before
 * test/cli/global-setup.ts, which rebuilds dist/ when a source (this
 * generated file included) is newer than it.
 */
// @ts-expect-error: a plain .mjs script without type declarations
import { buildWorker } from '../scripts/build-worker.mjs'
// @ts-expect-error: a plain .mjs script without type declarations
import { buildParallelWorker } from '../scripts/build-parallel-worker.mjs'

export default async function setup(): Promise<void> {
  await buildWorker({ quiet: true })
  // The data-parallel worker (ts/generated/parallel-worker-source.ts), likewise.
  await buildParallelWorker({ quiet: true })
}
