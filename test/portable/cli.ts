/**
 * Runs the portable suites against the built package entry (`dist/index.js`,
 * what `import 'wasmgan'` loads) in the runtime that runs this file:
 *
 *   bun test/portable/cli.ts
 *   deno run --allow-read --allow-env test/portable/cli.ts
 *   node --import tsx test/portable/cli.ts
 *
 * Prints one line per test, then `RECORDS {json}` (values for cross-runtime
 * comparison) and a closing `N passed, M failed`; exits 1 on any failure.
 */

import { runSuites, type Api } from './harness.js'
import { SUITES } from './suites.js'

const g = globalThis as {
  Deno?: { version: { deno: string } }
  Bun?: { version: string }
  process?: { versions: { node: string }; exitCode?: number; env: Record<string, string | undefined> }
}
const runtime = g.Deno ? `deno ${g.Deno.version.deno}` : g.Bun ? `bun ${g.Bun.version}` : `node ${g.process?.versions.node}`
// Computed, so type-checking does not need a built dist/.
const entry = new URL(['..', '..', 'dist', 'index.js'].join('/'), import.meta.url).href
const api = (await import(entry)) as Api
const fashionMnist = g.process?.env.WASMGAN_FASHION_MNIST ?? api.FASHION_MNIST_DIR

console.log(`portable suites in ${runtime}, entry ${entry}`)
const { passed, failed, records } = await runSuites(SUITES, { api, runtime: runtime.split(' ')[0]!, fashionMnist })
console.log(`RECORDS ${JSON.stringify(records)}`)
console.log(`${passed} passed, ${failed} failed`)
if (failed > 0) {
  if (g.process) g.process.exitCode = 1
}
