// Builds the TF.js bundle (bench/.cache/tfjs.mjs) from bench/tfjs-entry.mjs,
// once: again only when the entry or a TF.js package is newer than it. Used by
// bench/run.mjs and by test/bench-tfjs.test.ts.

import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const TFJS_BUNDLE = join(ROOT, 'bench', '.cache', 'tfjs.mjs')

export async function buildTfjsBundle() {
  const entry = join(ROOT, 'bench', 'tfjs-entry.mjs')
  const inputs = [
    entry,
    ...['tfjs-core', 'tfjs-layers', 'tfjs-backend-cpu', 'tfjs-backend-wasm'].map((p) =>
      join(ROOT, 'node_modules', '@tensorflow', p, 'package.json'),
    ),
  ]
  for (const f of inputs) if (!existsSync(f)) throw new Error(`${f} is missing: run npm install (TF.js is a devDependency)`)
  const newest = Math.max(...inputs.map((f) => statSync(f).mtimeMs))
  if (existsSync(TFJS_BUNDLE) && statSync(TFJS_BUNDLE).mtimeMs > newest) return TFJS_BUNDLE
  const { build } = await import('esbuild')
  mkdirSync(dirname(TFJS_BUNDLE), { recursive: true })
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: TFJS_BUNDLE,
    logLevel: 'warning',
    mainFields: ['module', 'main'],
    // The wasm backend's Emscripten glue expects CommonJS globals.
    banner: {
      js:
        "import { createRequire as __cr } from 'node:module'; import { dirname as __dn } from 'node:path'; import { fileURLToPath as __fu } from 'node:url';" +
        ' const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);',
    },
  })
  return TFJS_BUNDLE
}
