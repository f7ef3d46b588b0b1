// `npm start` (after set-up and build): until the `wasmgan train` CLI lands,
// train the classic GAN on Fashion-MNIST for one epoch and write a sample grid.
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'runs', 'latest')
mkdirSync(out, { recursive: true })
const png = join(out, 'samples.png')
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples', 'train-fashion-mnist.ts'), png], {
  cwd: root,
  stdio: 'inherit',
})
process.exit(r.status ?? 1)
