// `npm start` (after `npm run setup` and `npm run build`): the README's first
// command. Trains the classic GAN on Fashion-MNIST for about a minute with the
// built CLI and leaves the run in runs/fashion-mnist/ (index.html is the report).
// Extra arguments go to `wasmgan train`: `npm start -- --seconds 120`.
//
// runs/fashion-mnist belongs to `npm start`: an earlier wasmgan run there is
// removed first, whatever its config (the CLI itself would refuse a folder
// holding a run of another config); pass `-- --out runs/other` to keep runs.
import { spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join('runs', 'fashion-mnist')
const extra = process.argv.slice(2)
try {
  // Not when continuing a run: `npm start -- --resume runs/fashion-mnist/checkpoint.wgan`.
  if (extra.includes('--resume')) throw new Error('resuming')
  const earlier = JSON.parse(readFileSync(join(root, out, 'config.json'), 'utf8'))
  if (earlier?.kind === 'wasmgan-run') {
    rmSync(join(root, out), { recursive: true, force: true })
    console.log(`npm start: removed the earlier run in ${out}`)
  }
} catch {
  // Resuming, no earlier run, or not a wasmgan one (which the CLI then refuses to touch).
}
// The default model: hinge loss, samples from a moving average of the generator's weights (decay 0.99),
// the best configuration of scripts/compare-quality.ts. Every snapshot is scored (FD, classes covered).
const args = ['train', '--dataset', 'fashion-mnist', '--seconds', '60', '--out', out, ...extra]
console.log(`npm start: wasmgan ${args.join(' ')}`)
const t0 = performance.now()
const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { cwd: root, stdio: 'inherit' })
// Ctrl-C reaches the whole process group: the CLI saves and exits with 130 while this script waits
// (passing it on would be a second Ctrl-C, which quits without saving). SIGTERM is sent to this
// process alone, so it is passed on.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => child.kill('SIGTERM'))
child.on('exit', (code, signal) => {
  const secs = ((performance.now() - t0) / 1000).toFixed(1)
  if (code !== 0) process.exit(code ?? (signal ? 1 : 0))
  console.log(`npm start: trained in ${secs} s; scoring the samples`)
  // The run's quality score (Fréchet distance in the library classifier's feature space).
  const score = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'eval', '--model', join(out, 'checkpoint.wgan')], {
    cwd: root,
    stdio: 'inherit',
  })
  score.on('exit', (c) => {
    console.log(`npm start: open ${join(out, 'index.html')} in a browser`)
    process.exit(c ?? 1)
  })
})
