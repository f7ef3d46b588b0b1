// `npm run web`: the live training page.
//
//   node scripts/web.mjs                 build web/ and serve it on http://127.0.0.1:5173/ (rebuilds on change)
//   node scripts/web.mjs --port 8080 --host 0.0.0.0
//   node scripts/web.mjs build [outdir]  static build (default build/web/); host it anywhere.
//                                        --with-data also copies the Fashion-MNIST files into outdir/data/
//
// The page needs the package built first (`npm run build`; `npm run web` does that).

import { existsSync } from 'node:fs'
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { FASHION_MNIST_DIR, ROOT, buildPage, serve, watchPage } from './web-server.mjs'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback
}

if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error('web: dist/index.js is missing: run `npm run build` first (npm run web does)')
  process.exit(1)
}

if (args[0] === 'build') {
  const out = args[1] && !args[1].startsWith('--') ? args[1] : join(ROOT, 'build', 'web')
  await buildPage(out)
  if (args.includes('--with-data')) {
    const dir = join(out, 'data', 'fashion-mnist')
    await mkdir(dir, { recursive: true })
    for (const f of [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ]) {
      await copyFile(join(FASHION_MNIST_DIR, f), join(dir, f))
    }
  }
  console.log(`web: static page in ${out}${args.includes('--with-data') ? ' (with Fashion-MNIST in data/)' : ''}`)
} else {
  const out = join(ROOT, 'build', 'web-dev')
  const ctx = await watchPage(out)
  const port = Number(option('--port', process.env.PORT ?? 5173))
  const host = option('--host', '127.0.0.1')
  const { url, close } = await serve({ mounts: { '/': [out, join(ROOT, 'web')] }, host, port })
  console.log(`web: training page at ${url}  (Ctrl-C stops; Fashion-MNIST from ${FASHION_MNIST_DIR})`)
  const stop = async () => {
    await ctx.dispose()
    await close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
