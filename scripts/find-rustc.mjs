// Finds the Rust toolchains the build needs. Shared by build-wasm.mjs,
// test-all.mjs and setup.sh so that "is the toolchain there?" has one answer.
//
// Two toolchains matter, and on a Debian machine they are often different:
// - the wasm toolchain: a rustc that has the wasm32-unknown-unknown standard
//   library (rustup's with the target added, or Debian's rustc +
//   libstd-rust-dev-wasm32), paired with a cargo;
// - the host toolchain for `cargo test`, fmt and clippy: rustup's when present
//   (it brings rustfmt and clippy), else Debian's.
//
// CLI: `node scripts/find-rustc.mjs` prints what it found and exits 0, or
// prints the install hint and exits 1 when no rustc has the wasm target.

import { execFileSync } from 'node:child_process'
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const WASM_TARGET = 'wasm32-unknown-unknown'

/** The Debian packages that give a wasm-capable Rust toolchain. */
export const DEBIAN_RUST_PACKAGES = ['rustc', 'cargo', 'libstd-rust-dev-wasm32', 'lld']

/** Absolute path of `name` on PATH, or null. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const file = join(dir, name)
    if (isExecutable(file)) return file
  }
  return null
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

function hasStd(dir) {
  try {
    return readdirSync(dir).some((f) => f.startsWith('libstd-') && f.endsWith('.rlib'))
  } catch {
    return false
  }
}

/**
 * Inspects one rustc: its version, and whether it can build for wasm32 (the
 * target's std is installed and a wasm linker is reachable).
 */
export function probeRustc(rustc) {
  // One spawn for both paths: through rustup's proxy each spawn costs ~0.1 s.
  const printed = run(rustc, ['--print', 'sysroot', '--print', 'target-libdir', '--target', WASM_TARGET])
  if (!printed) return { rustc, ok: false, reason: 'does not run' }
  const [sysroot, libdir] = printed.split('\n')
  const hasTarget = (libdir && hasStd(libdir)) || (sysroot && hasStd(join(sysroot, 'lib', 'rustlib', WASM_TARGET, 'lib')))
  if (!hasTarget) return { rustc, sysroot, ok: false, reason: `no ${WASM_TARGET} standard library` }
  const version = run(rustc, ['--version'])
  // rustc links wasm with rust-lld: rustup ships it inside the sysroot, Debian
  // as /usr/bin/rust-lld -> lld (package lld). A dangling link fails late and
  // obscurely, so check that it resolves.
  const lldInSysroot = sysroot && findLldInSysroot(sysroot)
  const lld = lldInSysroot || (existsSync(join(dirname(rustc), 'rust-lld')) && join(dirname(rustc), 'rust-lld')) || which('rust-lld')
  if (!lld || !existsSync(lld)) return { rustc, version, sysroot, ok: false, reason: 'no rust-lld linker (Debian package lld)' }
  return { rustc, version, sysroot, ok: true }
}

function findLldInSysroot(sysroot) {
  const rustlib = join(sysroot, 'lib', 'rustlib')
  let hosts = []
  try {
    hosts = readdirSync(rustlib)
  } catch {
    return null
  }
  for (const host of hosts) {
    const lld = join(rustlib, host, 'bin', 'rust-lld')
    if (existsSync(lld)) return lld
  }
  return null
}

/** The rustc candidates in the order we prefer them: PATH first, then Debian's. */
function rustcCandidates() {
  const seen = new Set()
  const out = []
  for (const c of [which('rustc'), '/usr/bin/rustc']) {
    if (c && !seen.has(c) && isExecutable(c)) {
      seen.add(c)
      out.push(c)
    }
  }
  return out
}

/** The cargo to drive `rustc` with: the one beside it, else the one on PATH. */
function cargoFor(rustc) {
  const beside = join(dirname(rustc), 'cargo')
  if (isExecutable(beside)) return beside
  return which('cargo')
}

/** Environment variables that point cargo at exactly this rustc (and its rustdoc). */
function rustEnv(rustc) {
  const env = { RUSTC: rustc }
  const rustdoc = join(dirname(rustc), 'rustdoc')
  if (isExecutable(rustdoc)) env.RUSTDOC = rustdoc
  return env
}

/**
 * The toolchain that can build wasm32-unknown-unknown: `{ rustc, cargo,
 * version, env, rejected }`, with `rustc` null when none qualifies. `env` sets RUSTC so
 * cargo never falls back to a different rustc on PATH. `rejected` lists the
 * candidates that were tried and why they did not qualify.
 */
export function findWasmToolchain() {
  const rejected = []
  for (const rustc of rustcCandidates()) {
    const probe = probeRustc(rustc)
    if (!probe.ok) {
      rejected.push(`${rustc}: ${probe.reason}`)
      continue
    }
    const cargo = cargoFor(rustc)
    if (!cargo) {
      rejected.push(`${rustc}: no cargo beside it or on PATH`)
      continue
    }
    return { rustc, cargo, version: probe.version, env: rustEnv(rustc), rejected }
  }
  return { rejected, rustc: null }
}

/**
 * The toolchain for host-side `cargo test`, fmt and clippy: rustup's cargo
 * (on PATH or in ~/.cargo/bin) when present, else Debian's with RUSTC set to
 * match. Returns `{ cargo, env, rustup }` or null.
 */
export function findHostToolchain() {
  const cargoHome = process.env.CARGO_HOME || join(homedir(), '.cargo')
  const rustupCargo = [which('cargo'), join(cargoHome, 'bin', 'cargo')].find(
    (c) => c && isExecutable(c) && isExecutable(join(dirname(c), 'rustup')),
  )
  if (rustupCargo) return { cargo: rustupCargo, env: {}, rustup: true }
  for (const cargo of [which('cargo'), '/usr/bin/cargo']) {
    if (!cargo || !isExecutable(cargo)) continue
    const rustc = join(dirname(cargo), 'rustc')
    return { cargo, env: isExecutable(rustc) ? rustEnv(rustc) : {}, rustup: false }
  }
  return null
}

/** True on Debian (or a derivative that uses apt). */
export function isDebian() {
  return existsSync('/etc/debian_version')
}

/** What to run to get a wasm-capable toolchain on this machine. */
export function installHint() {
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  if (isDebian()) {
    const cmd = `apt-get install -y ${DEBIAN_RUST_PACKAGES.join(' ')}`
    return root ? cmd : `sudo ${cmd}`
  }
  return `rustup target add ${WASM_TARGET}`
}

function main() {
  const wasm = findWasmToolchain()
  const host = findHostToolchain()
  for (const r of wasm.rejected) console.log(`rejected: ${r}`)
  if (!wasm.rustc) {
    console.error(`no rustc with the ${WASM_TARGET} target found; install it with:\n  ${installHint()}`)
    process.exit(1)
  }
  console.log(`wasm: ${wasm.rustc} (${wasm.version}) with ${wasm.cargo}`)
  console.log(`host: ${host ? `${host.cargo}${host.rustup ? ' (rustup)' : ''}` : 'none'}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
