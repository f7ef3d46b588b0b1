// `npm start` (after `npm run setup` and `npm run build`): the README's first
// command. Trains the classic GAN on Fashion-MNIST for about a minute with the
// built CLI and leaves the run in runs/fashion-mnist/ (index.html is the report).
// Extra arguments go to `wasmgan train`: `npm start -- --seconds 120`.
//
// A second `npm start` replaces the earlier run in the same folder (same
// config); pass `-- --out runs/other` to keep it.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = ['train', '--dataset', 'fashion-mnist', '--seconds', '60', '--out', join('runs', 'fashion-mnist'), ...process.argv.slice(2)]
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
  if (code === 0) console.log(`npm start: done in ${secs} s; open runs/fashion-mnist/index.html in a browser`)
  process.exit(code ?? (signal ? 1 : 0))
})
