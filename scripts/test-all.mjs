// Every check of the repository, in order, with output streamed as it runs:
// Rust host tests, rustfmt, clippy, tsc, prettier, the tsup build, vitest,
// then the same suites in Bun, Deno and Chromium (runtimes).
// All stages run even after a failure (one run shows every problem); the
// exit code is non-zero if any failed. A stage whose tool is missing is
// reported as skipped and never counts as passed.
//
//   node scripts/test-all.mjs [stage ...]     e.g. `node scripts/test-all.mjs tsc vitest`
//
// `npm test` runs setup.sh and build-wasm.mjs first; this script assumes both.

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findHostToolchain } from './find-rustc.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const host = findHostToolchain()

const bin = (name) => join(ROOT, 'node_modules', '.bin', name)

function cargoAvailable(sub) {
  if (!host) return false
  const r = spawnSync(host.cargo, [sub, '--version'], { cwd: ROOT, env: { ...process.env, ...host.env }, stdio: 'ignore' })
  return r.status === 0
}

/** Each stage: a name, the command, and (optionally) why it would be skipped. */
const STAGES = [
  { name: 'cargo-test', cargo: ['test', '--workspace'] },
  { name: 'cargo-fmt', cargo: ['fmt', '--all', '--check'], needs: () => cargoAvailable('fmt') || 'no rustfmt' },
  {
    name: 'cargo-clippy',
    cargo: ['clippy', '--workspace', '--all-targets', '--', '-D', 'warnings'],
    needs: () => cargoAvailable('clippy') || 'no clippy',
  },
  { name: 'tsc', cmd: [bin('tsc'), '--noEmit', '-p', 'tsconfig.json'] },
  // test/ may not exist yet in a fresh clone (git keeps no empty folders).
  { name: 'prettier', cmd: [bin('prettier'), '--check', '--no-error-on-unmatched-pattern', 'ts', 'test', 'scripts', 'web', 'bench'] },
  { name: 'tsup', cmd: [bin('tsup')] },
  { name: 'vitest', cmd: [bin('vitest'), 'run'] },
  // Bun, Deno and Chromium (test/runtimes.test.ts): after the unit suites, alone, so the page's
  // main-thread measurement does not compete with them for the CPU.
  { name: 'runtimes', cmd: [bin('vitest'), 'run', '--config', 'vitest.runtimes.config.ts'] },
]

function runStage(stage) {
  if (stage.cargo && !host) return { status: 'fail', note: 'no cargo found (run bash scripts/setup.sh)' }
  if (stage.needs) {
    const ok = stage.needs()
    if (ok !== true) {
      console.log(`\n==> ${stage.name}: skipped: ${ok}`)
      return { status: 'skip', note: `skipped: ${ok}` }
    }
  }
  const [cmd, ...args] = stage.cargo ? [host.cargo, ...stage.cargo] : stage.cmd
  if (!stage.cargo && !existsSync(cmd)) return { status: 'fail', note: `${cmd} not found (run npm install or bash scripts/setup.sh)` }
  console.log(`\n==> ${stage.name}: ${stage.cargo ? 'cargo' : cmd.replace(ROOT + '/', '')} ${args.join(' ')}`)
  const env = stage.cargo ? { ...process.env, ...host.env } : process.env
  const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: 'inherit' })
  if (r.error) return { status: 'fail', note: r.error.message }
  if (r.status !== 0) return { status: 'fail', note: r.signal ? `killed by ${r.signal}` : `exit code ${r.status}` }
  return { status: 'pass' }
}

function main() {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((w) => !STAGES.some((s) => s.name === w))
  if (unknown.length) {
    console.error(`test-all: unknown stage(s) ${unknown.join(', ')}; stages: ${STAGES.map((s) => s.name).join(', ')}`)
    process.exit(2)
  }
  const stages = wanted.length ? STAGES.filter((s) => wanted.includes(s.name)) : STAGES
  if (host) console.log(`test-all: host cargo ${host.cargo}${host.env.RUSTC ? ` with RUSTC=${host.env.RUSTC}` : ''}`)

  const results = []
  for (const stage of stages) {
    const t0 = performance.now()
    const result = runStage(stage)
    results.push({ ...result, name: stage.name, secs: (performance.now() - t0) / 1000 })
  }

  console.log('\ntest-all: summary')
  const width = Math.max(...results.map((r) => r.name.length))
  for (const r of results) {
    const tag = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' }[r.status]
    console.log(`  ${tag}  ${r.name.padEnd(width)}  ${r.secs.toFixed(1).padStart(6)} s${r.note ? `  ${r.note}` : ''}`)
  }
  const count = (s) => results.filter((r) => r.status === s).length
  console.log(`stages: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`)
  process.exit(count('fail') ? 1 : 0)
}

main()
