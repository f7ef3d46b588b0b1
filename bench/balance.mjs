// `npm run bench:balance`: ParallelGan on CPUs of unequal speed, with its
// micro-batches shared out evenly and by measured speed (`balance`).
//
//   node bench/balance.mjs [--rounds=N (default 8)] [--batch=256] [--micro=32]
//
// Linux only (taskset, /proc). Two instances with 2 workers each train in
// alternating windows of about 1 s. Each instance's worker threads are found
// by the CPU time they use while it trains, and pinned: worker 0 to CPU 0,
// worker 1 to CPU 1. Then, as a stand-in for an efficiency core or a busy
// shared vCPU, a busy loop is pinned to CPU 1 as well, so worker 1 gets about
// half of its CPU. Both instances start from the same seed; their weights
// after the same steps are compared at the end.

import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const ROUNDS = arg('rounds', 8)
const BATCH = arg('batch', 256)
const MICRO = arg('micro', 32)
const WINDOW_MS = 1000
const CLASSIC = { loss: 'bce', labelSmoothing: 0, emaDecay: 0, seed: 1 }

const wasmgan = await import(join(ROOT, 'dist', 'index.js'))
const ds = await wasmgan.loadImageDataset({ images: '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz' })
const data = { images: ds.images.slice(0, 10000 * ds.dim), count: 10000, dim: ds.dim }

const tasks = () => readdirSync(`/proc/${process.pid}/task`).map(Number)
/** User + system CPU time of one thread, in clock ticks. */
const cpuTicks = (tid) => {
  try {
    const fields = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0 // the thread ended
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1]

const subjects = []
for (const balance of ['even', 'measured']) {
  const pg = await wasmgan.ParallelGan.create(CLASSIC, { workers: 2, microBatch: MICRO, balance })
  await pg.train(data, 24, { batchSize: BATCH })
  subjects.push({ balance, pg, steps: 0, rates: [] })
}
// While one instance trains, its two workers are the busiest threads (the lower id is worker 0, started first).
for (const s of subjects) {
  const before = new Map(tasks().map((t) => [t, cpuTicks(t)]))
  await s.pg.train(data, 48, { batchSize: BATCH })
  s.steps += 48
  const busiest = tasks()
    .map((t) => [t, cpuTicks(t) - (before.get(t) ?? 0)])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([t]) => t)
    .sort((a, b) => a - b)
  busiest.forEach((tid, cpu) => execFileSync('taskset', ['-p', '-c', String(cpu), String(tid)], { stdio: 'ignore' }))
  s.threads = busiest
}

async function measure(label) {
  for (const s of subjects) s.rates = []
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of r % 2 ? [...subjects].reverse() : subjects) {
      const t0 = performance.now()
      let n = 0
      while (performance.now() - t0 < WINDOW_MS) {
        await s.pg.train(data, 8, { batchSize: BATCH })
        n += 8
      }
      s.steps += n
      s.rates.push((n * 1000) / (performance.now() - t0))
    }
  }
  const [even, measured] = subjects
  const ratio = median(measured.rates.map((x, i) => x / even.rates[i]))
  console.log(`\n== ${label}`)
  for (const s of subjects) {
    console.log(
      `balance '${s.balance}': ${median(s.rates).toFixed(1)} steps/s [${Math.min(...s.rates).toFixed(1)}–${Math.max(...s.rates).toFixed(1)}], shares ${JSON.stringify(s.pg.shares)}`,
    )
  }
  console.log(`measured vs even: ${ratio.toFixed(2)}× (paired median of ${ROUNDS} rounds)`)
  return ratio
}

console.log(
  `ParallelGan, 2 workers, batch ${BATCH}, micro-batches of ${MICRO} (${BATCH / MICRO} per batch); worker 0 on CPU 0, worker 1 on CPU 1`,
)
await measure('both CPUs free')
const hog = spawn('taskset', ['-c', '1', process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' })
try {
  await new Promise((r) => setTimeout(r, 200))
  await measure('a busy loop shares CPU 1 with worker 1')
} finally {
  hog.kill()
}

// The same number of steps on both, then the same weights.
const [even, measured] = subjects
const behind = even.steps < measured.steps ? even : measured
await behind.pg.train(data, Math.abs(even.steps - measured.steps), { batchSize: BATCH })
const [a, b] = await Promise.all([even.pg.save(), measured.pg.save()])
const same = a.length === b.length && a.every((x, i) => x === b[i])
console.log(
  `\nweights after ${Math.max(even.steps, measured.steps) + 24} steps: ${same ? 'bit-identical' : 'DIFFERENT'} with either balance`,
)
for (const s of subjects) await s.pg.dispose()
if (!same) process.exitCode = 1
