/**
 * The portable suites (kernels against the reference, determinism, the GAN
 * API, WorkerGan) on a page's main thread, against the package as a bundler
 * resolves `import 'wasmgan'`. A browser-only break fails here.
 */
import * as api from 'wasmgan'
import { runSuites, type Api } from '../portable/harness.js'
import { SUITES } from '../portable/suites.js'

const log = document.getElementById('log')!
const lines: string[] = []
runSuites(
  SUITES,
  { api: api as unknown as Api, runtime: 'chromium', fashionMnist: new URL('/data/fashion-mnist/', location.href).href },
  (line) => {
    lines.push(line)
    log.textContent += line + '\n'
  },
).then(
  (r) => {
    ;(window as unknown as { __result: unknown }).__result = { ...r, lines }
  },
  (e: unknown) => {
    ;(window as unknown as { __result: unknown }).__result = {
      passed: 0,
      failed: 1,
      lines: [...lines, `runner crashed: ${String(e)}`],
      records: {},
    }
  },
)
