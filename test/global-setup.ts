/**
 * Before any suite: regenerate the embedded worker script from ts/, so
 * WorkerGan never runs a stale copy of the code under test. For the
 * runtimes suite (WASMGAN_BUILD_DIST=1) also rebuild dist/ with tsup when a
 * source is newer than it, since Bun, Deno and the pages load dist/.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
// @ts-expect-error: a plain .mjs script without type declarations
import { buildWorker } from '../scripts/build-worker.mjs'

const ROOT = join(import.meta.dirname, '..')

function newestIn(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs)
  }
  return newest
}

export default async function setup(): Promise<void> {
  await buildWorker({ quiet: true })
  if (process.env.WASMGAN_BUILD_DIST !== '1') return
  const entry = join(ROOT, 'dist', 'index.js')
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestIn(join(ROOT, 'ts'))) return
  console.log('global-setup: dist/ is older than ts/: running tsup')
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsup'), [], { cwd: ROOT, stdio: 'inherit' })
  if (r.status !== 0) throw new Error('tsup failed')
}
