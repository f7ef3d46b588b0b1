// Builds the wasm module twice (simd and scalar), checks both, and embeds them
// as base64 in ts/generated/wasm-bytes.ts so one JS file carries everything
// (no fetch, no fs: the same init() path in Node and browsers).
//
//   node scripts/build-wasm.mjs [--no-check] [--force] [--wasm-opt]
//
// --no-check  skip scripts/check-wasm.mjs (for bring-up only; `npm test` runs it)
// --force     rebuild even when build/*.wasm is newer than every Rust input
// --wasm-opt  post-process with binaryen's wasm-opt -O3 (also WASMGAN_WASM_OPT=1).
//             Off by default: measured on kernel_matmul (64x784x256, Node 20,
//             binaryen 108) it made the simd build no faster (within noise,
//             slightly slower) though 17% smaller; only the scalar build gained
//             (~25%). The check then proves the optimised module instead.

import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findWasmToolchain, installHint, which, WASM_TARGET } from './find-rustc.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const BUILD = join(ROOT, 'build')
const GENERATED = join(ROOT, 'ts', 'generated', 'wasm-bytes.ts')
const STAMP = join(BUILD, 'wasm-build.json')
const CRATE = 'wasmgan-wasm'
const ARTIFACT = 'wasmgan_wasm.wasm'

// Debug info of the prebuilt std would otherwise make a 250-byte module 5 MB;
// the "name" section stays, so traps still show function names.
const COMMON_RUSTFLAGS = '-C strip=debuginfo'

// LLVM's loop strength reduction turns the GEMM microkernel's `pointer +
// constant` loads into an `i32.add` and a load at offset 0; engines cannot fold
// an i32.add into the address (it must wrap at 2^32), so every load cost an
// extra instruction. Without LSR the constants stay in the loads' offset
// field: measured +5-10% on the GEMM in V8, neutral in JavaScriptCore.
//
// Bulk memory turns copies and fills into `memory.copy` / `memory.fill`, which
// engines run natively, instead of compiler_builtins' word loops (copying
// the batch rows took 1.5% of a batch-64 step): +1.5-1.7% on that step in
// Node and Bun. Every engine with SIMD has bulk memory (it shipped earlier
// everywhere); `simdSupported()` checks both. The scalar build, the one for
// old engines, keeps neither.
const SIMD_RUSTFLAGS = '-C target-feature=+simd128,+bulk-memory -C llvm-args=-disable-lsr'

/** The two variants; each has its own target dir so building one never invalidates the other. */
const VARIANTS = [
  { name: 'simd', rustflags: `${COMMON_RUSTFLAGS} ${SIMD_RUSTFLAGS}`, wasmOptFlags: ['--enable-simd', '--enable-bulk-memory'] },
  { name: 'scalar', rustflags: COMMON_RUSTFLAGS, wasmOptFlags: [] },
].map((v) => ({ ...v, targetDir: join(ROOT, 'target', `wasm-${v.name}`), out: join(BUILD, `wasmgan-${v.name}.wasm`) }))

const args = new Set(process.argv.slice(2))
for (const a of args) {
  if (!['--no-check', '--force', '--wasm-opt'].includes(a)) fail(`unknown argument ${a} (known: --no-check, --force, --wasm-opt)`)
}
const wantWasmOpt = args.has('--wasm-opt') || process.env.WASMGAN_WASM_OPT === '1'

function log(msg) {
  console.log(`build-wasm: ${msg}`)
}

function fail(msg) {
  console.error(`build-wasm: FAIL ${msg}`)
  process.exit(1)
}

/** Runs `fn`, then prints `label` with how long it took. */
async function step(label, fn) {
  const t0 = performance.now()
  const detail = await fn()
  const ms = performance.now() - t0
  const took = ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`
  log(`${label}${detail ? `: ${detail}` : ''} [${took}]`)
  return detail
}

/** Newest mtime among the Rust inputs (crates/, Cargo.toml, Cargo.lock) and this script. */
function newestInput() {
  let newest = 0
  const visit = (path) => {
    let st
    try {
      st = statSync(path)
    } catch {
      return
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'target') visit(join(path, entry))
    } else {
      newest = Math.max(newest, st.mtimeMs)
    }
  }
  for (const p of ['crates', 'Cargo.toml', 'Cargo.lock', 'scripts/build-wasm.mjs']) visit(join(ROOT, p))
  return newest
}

function stampFor() {
  return JSON.stringify({ variants: VARIANTS.map((v) => [v.name, v.rustflags]), wasmOpt: wantWasmOpt })
}

function isFresh() {
  if (args.has('--force')) return false
  if (!existsSync(STAMP) || readFileSync(STAMP, 'utf8') !== stampFor()) return false
  const input = newestInput()
  return VARIANTS.every((v) => existsSync(v.out) && statSync(v.out).mtimeMs > input)
}

/** Runs cargo for one variant with its output captured (two run at once and would interleave). */
function cargoBuild(tc, variant) {
  const env = { ...process.env, ...tc.env, RUSTFLAGS: variant.rustflags, CARGO_TARGET_DIR: variant.targetDir }
  // These would override RUSTFLAGS and silently drop (or add) simd128.
  delete env.CARGO_ENCODED_RUSTFLAGS
  delete env.CARGO_BUILD_RUSTFLAGS
  const argv = ['build', '--release', '--target', WASM_TARGET, '-p', CRATE]
  return new Promise((resolve, reject) => {
    const child = spawn(tc.cargo, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) return resolve()
      const cmd = `RUSTC=${tc.rustc} RUSTFLAGS="${variant.rustflags}" CARGO_TARGET_DIR=${relative(ROOT, variant.targetDir)} ${tc.cargo} ${argv.join(' ')}`
      reject(new Error(`cargo build (${variant.name}) exited with ${code}:\n${output.trimEnd()}\n(command: ${cmd})`))
    })
  })
}

async function build() {
  let tc
  await step('toolchain', () => {
    tc = findWasmToolchain()
    if (!tc.rustc) {
      const why = tc.rejected.length ? `\n  tried: ${tc.rejected.join('\n  tried: ')}` : ''
      fail(`no rustc with the ${WASM_TARGET} target.${why}\nInstall it with:\n  ${installHint()}\n(or run: bash scripts/setup.sh)`)
    }
    return `${tc.rustc} (${tc.version}) with ${tc.cargo}`
  })

  // Both variants at once: with lto and one codegen unit each build is
  // mostly one long serial rustc, so two builds use both cores. Cargo writes
  // Cargo.lock when it is missing, so the first build then runs alone.
  await step('cargo build simd + scalar', async () => {
    try {
      if (existsSync(join(ROOT, 'Cargo.lock'))) await Promise.all(VARIANTS.map((v) => cargoBuild(tc, v)))
      else for (const v of VARIANTS) await cargoBuild(tc, v)
    } catch (e) {
      fail(e.message)
    }
  })

  mkdirSync(BUILD, { recursive: true })
  for (const v of VARIANTS) {
    const built = join(v.targetDir, WASM_TARGET, 'release', ARTIFACT)
    if (wantWasmOpt) await step(`wasm-opt ${v.name}`, () => wasmOpt(built, v))
    else copyFileSync(built, v.out)
  }
  writeFileSync(STAMP, stampFor())
}

function wasmOpt(input, variant) {
  if (!which('wasm-opt')) {
    copyFileSync(input, variant.out)
    return 'skipped: wasm-opt not found (Debian package binaryen); copied the cargo output'
  }
  // -g keeps the "name" section (function names in trap stack traces).
  const r = spawnSync('wasm-opt', ['-O3', '-g', ...variant.wasmOptFlags, input, '-o', variant.out], { encoding: 'utf8' })
  if (r.status !== 0) fail(`wasm-opt ${variant.name} failed:\n${r.stderr || r.stdout}`)
  return `${statSync(input).size} -> ${statSync(variant.out).size} bytes`
}

function sizes() {
  return VARIANTS.map((v) => `${relative(ROOT, v.out)} ${statSync(v.out).size} B`).join(', ')
}

function embed() {
  const b64 = (v) => readFileSync(v.out).toString('base64')
  const [simd, scalar] = VARIANTS
  const source = [
    '// Generated by scripts/build-wasm.mjs from build/wasmgan-*.wasm. Do not edit; not committed.',
    '',
    '/** The simd128 build of the wasmgan module, base64-encoded. */',
    `export const SIMD_WASM_BASE64 = '${b64(simd)}'`,
    '',
    '/** The scalar build (no simd128) of the wasmgan module, base64-encoded. */',
    `export const SCALAR_WASM_BASE64 = '${b64(scalar)}'`,
    '',
  ].join('\n')
  // Rewrite only on change so tsc/vitest watchers and mtimes stay quiet.
  if (existsSync(GENERATED) && readFileSync(GENERATED, 'utf8') === source) return `${relative(ROOT, GENERATED)} unchanged`
  mkdirSync(dirname(GENERATED), { recursive: true })
  writeFileSync(GENERATED, source)
  return `wrote ${relative(ROOT, GENERATED)} (${source.length} chars)`
}

async function main() {
  const t0 = performance.now()
  if (isFresh()) log('cargo build skipped: build/*.wasm is newer than crates/, Cargo.toml and Cargo.lock')
  else await build()
  log(`artifacts: ${sizes()}`)

  if (args.has('--no-check')) {
    log('check skipped (--no-check)')
  } else {
    await step('check', () => {
      const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'check-wasm.mjs')], { cwd: ROOT, stdio: 'inherit' })
      if (r.status !== 0) fail('scripts/check-wasm.mjs failed (see above); nothing was embedded')
      return 'ok'
    })
  }
  await step('embed', embed)
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

main().catch((e) => fail(e.stack || String(e)))
