/**
 * Before any test: make sure dist/ (the library and the `wasmgan` executable
 * the CLI tests spawn) is at least as new as the sources, building it with
 * tsup when it is not. `npm test` builds it in its tsup stage just before, so
 * there this only checks; a lone `npx vitest run` after an edit rebuilds.
 */

import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function newest(dir: string): number {
  let t = 0
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const s = statSync(p)
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs)
  }
  return t
}

export default function setup(): void {
  const outputs = ['dist/cli.js', 'dist/index.js'].map((f) => join(ROOT, f))
  const built = outputs.every(existsSync) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0
  const sources = Math.max(
    newest(join(ROOT, 'ts')),
    statSync(join(ROOT, 'package.json')).mtimeMs,
    statSync(join(ROOT, 'tsup.config.ts')).mtimeMs,
  )
  if (built >= sources) return
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsup'), [], { cwd: ROOT, stdio: 'inherit' })
  if (r.status !== 0) throw new Error('building dist/ with tsup failed; the CLI tests need dist/cli.js')
}
