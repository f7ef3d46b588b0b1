// A benchmark runner on stdin/stdout, for Node, Bun and Deno:
//
//   node bench/runner.mjs <fashion-mnist dir> [--node-extras]
//   bun bench/runner.mjs <dir>
//   deno run -A bench/runner.mjs <dir>
//
// Reads one JSON request per line ({ id, op, ... }, see bench/ops.mjs) and
// answers each with one line "@@bench {id, ok, result | error}". Anything
// else on stdout (libraries print banners) is ignored by the orchestrator.

import process from 'node:process'
import { createInterface } from 'node:readline'
import * as wasmgan from '../dist/index.js'
import { createOps } from './ops.mjs'

const dataDir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist'
const nodeExtras = process.argv.includes('--node-extras')

let extra = {}
let loadTfjs
if (nodeExtras) {
  const m = await import('./node-ops.mjs')
  extra = m.nodeOps(wasmgan, dataDir)
  loadTfjs = m.loadTfjs
}
const ops = createOps({ wasmgan, dataDir, loadTfjs, extra })

const write = (obj) => process.stdout.write('@@bench ' + JSON.stringify(obj) + '\n')

// Requests are handled one at a time, in order.
let queue = Promise.resolve()
const rl = createInterface({ input: process.stdin })
rl.on('line', (line) => {
  if (!line.trim()) return
  queue = queue.then(async () => {
    let msg
    try {
      msg = JSON.parse(line)
      const f = ops[msg.op]
      if (!f) throw new Error(`unknown op ${msg.op}`)
      write({ id: msg.id, ok: true, result: await f(msg) })
    } catch (e) {
      write({ id: msg?.id, ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) })
    }
  })
})
rl.on('close', () => queue.then(() => process.exit(0)))
