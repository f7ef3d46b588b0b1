// Proves the built modules are what the TypeScript side expects, by reading
// them with wabt's wasm-objdump rather than trusting the build flags:
// - the simd build really contains v128 instructions and the scalar build none
//   (a lost RUSTFLAGS or a kernel that never vectorised shows up here);
//   the scalar build also uses no bulk memory operations (it is for old engines);
// - each module's function + memory exports equal EXPORT_NAMES in ts/abi.ts;
// - the modules import nothing (the loader instantiates with no imports).
//
// Usage: node scripts/check-wasm.mjs [--simd FILE] [--scalar FILE]
// Defaults: build/wasmgan-simd.wasm and build/wasmgan-scalar.wasm.

import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { which } from './find-rustc.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const ABI_FILE = join(ROOT, 'ts', 'abi.ts')

/**
 * Exports the linker adds to every Rust wasm32 cdylib. They are globals, not
 * part of the ABI, and harmless; anything else that is not a function or the
 * memory fails the check.
 */
const LINKER_GLOBALS = new Set(['__data_end', '__heap_base'])

/** Mnemonic prefixes of the wasm SIMD proposal (all opcodes behind 0xfd). */
const SIMD_MNEMONIC = /^(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\./
/** Bulk memory operations (opcodes behind 0xfc); only the simd build may use them. */
const BULK_MNEMONIC = /^(memory\.(copy|fill|init)|data\.drop)$/

const rel = (file) => {
  const r = relative(process.cwd(), file)
  return r && !r.startsWith('..') ? r : file
}

/** EXPORT_NAMES parsed out of ts/abi.ts (the file is TypeScript; we don't import it). */
export function readExportNames(abiFile = ABI_FILE) {
  const source = readFileSync(abiFile, 'utf8')
  const match = /export\s+const\s+EXPORT_NAMES\b[^=]*=\s*\[([^\]]*)\]/.exec(source)
  if (!match) throw new Error(`${rel(abiFile)}: no \`export const EXPORT_NAMES = [...]\` array literal found`)
  const names = [...match[1].matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2])
  if (names.length === 0) throw new Error(`${rel(abiFile)}: EXPORT_NAMES is empty`)
  return names
}

function objdump(args, file) {
  return execFileSync('wasm-objdump', [...args, file], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Sections of `wasm-objdump -x` output: name -> list of detail lines. */
function sections(details) {
  const out = new Map()
  let current = null
  for (const line of details.split('\n')) {
    const head = /^(\w+)\[\d+\]:$/.exec(line)
    if (head) {
      current = []
      out.set(head[1], current)
    } else if (/^\S/.test(line)) {
      current = null
    } else if (current && line.trim()) {
      current.push(line.trim())
    }
  }
  return out
}

/** Exports grouped by kind, imports, and SIMD instruction counts of one module. */
export function inspect(file) {
  const parts = sections(objdump(['-x'], file))
  const exports = { func: [], memory: [], other: [] }
  for (const line of parts.get('Export') ?? []) {
    const m = /^- (\w+)\[\d+\].*-> "([^"]*)"$/.exec(line)
    if (!m) throw new Error(`${rel(file)}: cannot parse export line: ${line}`)
    const [, kind, name] = m
    if (kind === 'func' || kind === 'memory') exports[kind].push(name)
    else exports.other.push({ kind, name })
  }
  const imports = parts.get('Import') ?? []

  const simd = new Map()
  let instructions = 0
  let bulk = 0
  for (const line of objdump(['-d'], file).split('\n')) {
    const bar = line.indexOf('| ')
    if (bar < 0) continue
    const op = line
      .slice(bar + 2)
      .trim()
      .split(/\s+/)[0]
    if (!op) continue
    instructions++
    if (SIMD_MNEMONIC.test(op)) simd.set(op, (simd.get(op) ?? 0) + 1)
    if (BULK_MNEMONIC.test(op)) bulk++
  }
  const simdCount = [...simd.values()].reduce((a, b) => a + b, 0)
  return { exports, imports, simd, simdCount, bulk, instructions }
}

function topOps(simd, n = 8) {
  return [...simd.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([op, c]) => `${op} ${c}`)
    .join(', ')
}

/** Compares one module's exports with EXPORT_NAMES; returns failure messages. */
function checkExports(file, info, expected) {
  const failures = []
  const actual = [...info.exports.func, ...info.exports.memory]
  const want = new Set(expected)
  const have = new Set(actual)
  const missing = expected.filter((n) => !have.has(n))
  const extra = actual.filter((n) => !want.has(n)).sort()
  if (missing.length || extra.length) {
    const width = Math.max(...[...missing, ...extra].map((n) => n.length))
    const lines = [
      ...missing.map((n) => `    - ${n.padEnd(width)}  (in ts/abi.ts EXPORT_NAMES, not exported by the module)`),
      ...extra.map((n) => `    + ${n.padEnd(width)}  (exported by the module, not in ts/abi.ts EXPORT_NAMES)`),
    ]
    failures.push(
      `${rel(file)}: exports differ from EXPORT_NAMES in ts/abi.ts ` +
        `(${missing.length} missing, ${extra.length} unexpected; ${have.size} exported, ${want.size} expected):\n${lines.join('\n')}`,
    )
  }
  for (const { kind, name } of info.exports.other) {
    if (!(kind === 'global' && LINKER_GLOBALS.has(name))) {
      failures.push(`${rel(file)}: unexpected ${kind} export "${name}" (only functions, the memory and ${[...LINKER_GLOBALS].join('/')})`)
    }
  }
  if (info.exports.memory.length !== 1 || info.exports.memory[0] !== 'memory') {
    failures.push(`${rel(file)}: expected exactly one memory export named "memory", got [${info.exports.memory.join(', ')}]`)
  }
  return failures
}

function parseArgs(argv) {
  const opts = { simd: join(ROOT, 'build', 'wasmgan-simd.wasm'), scalar: join(ROOT, 'build', 'wasmgan-scalar.wasm') }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if ((arg === '--simd' || arg === '--scalar') && argv[i + 1]) opts[arg.slice(2)] = argv[++i]
    else throw new Error(`unknown argument ${arg}; usage: node scripts/check-wasm.mjs [--simd FILE] [--scalar FILE]`)
  }
  return opts
}

/** Runs every check; prints one line per finding and returns the failures. */
export function checkWasm({ simd, scalar }, log = console.log) {
  if (!which('wasm-objdump')) {
    return ['wasm-objdump not found: it comes with wabt (Debian: apt-get install -y wabt; or run bash scripts/setup.sh)']
  }
  const failures = []
  let expected
  try {
    expected = readExportNames()
  } catch (e) {
    return [e.message]
  }
  const dupes = expected.filter((n, i) => expected.indexOf(n) !== i)
  if (dupes.length) failures.push(`ts/abi.ts: EXPORT_NAMES has duplicates: ${dupes.join(', ')}`)
  const sorted = [...expected].sort()
  if (sorted.some((n, i) => n !== expected[i])) failures.push('ts/abi.ts: EXPORT_NAMES is not sorted (its doc comment promises it is)')

  for (const [variant, file] of [
    ['simd', simd],
    ['scalar', scalar],
  ]) {
    if (!existsSync(file)) {
      failures.push(`${rel(file)}: not found (build it with node scripts/build-wasm.mjs)`)
      continue
    }
    if (which('wasm-validate')) {
      try {
        execFileSync('wasm-validate', [file], { stdio: ['ignore', 'pipe', 'pipe'] })
      } catch (e) {
        failures.push(`${rel(file)}: wasm-validate rejects it:\n${String(e.stderr || e.stdout).trim()}`)
        continue
      }
    }
    let info
    try {
      info = inspect(file)
    } catch (e) {
      failures.push(`${rel(file)}: wasm-objdump failed: ${String(e.stderr || e.message).trim()}`)
      continue
    }
    const size = readFileSync(file).length
    log(
      `check-wasm: ${rel(file)}: ${size} bytes, ${info.instructions} instructions, ${info.simdCount} SIMD` +
        (info.simdCount ? ` (${topOps(info.simd)})` : '') +
        `, ${info.bulk} bulk memory`,
    )
    if (variant === 'simd' && info.simdCount === 0) {
      failures.push(`${rel(file)}: the simd build contains no v128 instructions (was it built with -C target-feature=+simd128?)`)
    }
    if (variant === 'scalar' && info.bulk > 0) {
      failures.push(`${rel(file)}: the scalar build contains ${info.bulk} bulk memory instructions; it must run on engines without them`)
    }
    if (variant === 'scalar' && info.simdCount > 0) {
      failures.push(
        `${rel(file)}: the scalar build contains ${info.simdCount} SIMD instructions (${topOps(info.simd)}); it must run where SIMD is unsupported`,
      )
    }
    if (info.imports.length) {
      failures.push(
        `${rel(file)}: the module must import nothing, but imports ${info.imports.length}:\n${info.imports.map((l) => `    ${l}`).join('\n')}`,
      )
    }
    failures.push(...checkExports(file, info, expected))
  }
  return failures
}

function main() {
  let opts
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (e) {
    console.error(`check-wasm: ${e.message}`)
    process.exit(2)
  }
  const failures = checkWasm(opts)
  if (failures.length) {
    for (const f of failures) console.error(`check-wasm: FAIL ${f}`)
    console.error(`check-wasm: ${failures.length} check(s) failed`)
    process.exit(1)
  }
  console.log('check-wasm: ok (SIMD and bulk memory only in the simd build, exports match ts/abi.ts, no imports)')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
