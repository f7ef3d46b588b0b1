/**
 * Before any suite: regenerate the embedded worker script from ts/, so
 * WorkerGan never runs a stale copy of the code under test.
 */
// @ts-expect-error: a plain .mjs script without type declarations
import { buildWorker } from '../scripts/build-worker.mjs'

export default async function setup(): Promise<void> {
  await buildWorker({ quiet: true })
}
