// Builds the training page (web/) with esbuild and serves it, with the
// Fashion-MNIST files from the Debian package under /data/fashion-mnist/.
// The page imports 'wasmgan' by name, which esbuild resolves to this
// package's built entry (dist/index.js) exactly as it would from
// node_modules: no alias, no wasm or worker plugin.
//
// Used by `npm run web` (scripts/web.mjs) and by the browser tests, which
// mount their own pages next to it. Listens on 127.0.0.1 unless told
// otherwise.

import { build, context } from 'esbuild'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, rm, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { dirname, extname, join, normalize, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'
const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.gz': 'application/octet-stream',
}

/** esbuild options for a page entry (shared by the page and the test pages). */
export function pageBuildOptions(entryPoints, outdir, extra = {}) {
  return {
    entryPoints,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
    ...extra,
  }
}

/** Builds the page into `outdir` (index.html, style.css, favicon.svg, main.js). */
export async function buildPage(outdir) {
  await mkdir(outdir, { recursive: true })
  await Promise.all(STATIC_FILES.map((f) => copyFile(join(ROOT, 'web', f), join(outdir, f))))
  await build(pageBuildOptions([join(ROOT, 'web', 'main.ts')], outdir))
}

/** Rebuilds main.js into `outdir` whenever a source changes; serve `web/` beside it for the static files. */
export async function watchPage(outdir) {
  await mkdir(outdir, { recursive: true })
  // Stale copies would shadow the live files in web/.
  await Promise.all(STATIC_FILES.map((f) => rm(join(outdir, f), { force: true })))
  const ctx = await context({ ...pageBuildOptions([join(ROOT, 'web', 'main.ts')], outdir), minify: false })
  await ctx.watch()
  return ctx
}

const STATIC_FILES = ['index.html', 'style.css', 'favicon.svg']

/**
 * Serves static files: `mounts` maps URL prefixes ('/', '/tests/') to a
 * directory or a list of directories (the first that has the file wins);
 * '/data/fashion-mnist/' serves the four Fashion-MNIST files when
 * `fashionMnist` is set. Resolves to `{ url, close }`.
 */
export function serve({ mounts, host = '127.0.0.1', port = 0, fashionMnist = FASHION_MNIST_DIR, log = false }) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length)
  /** The file for `path` under one of `dirs`, never outside them. */
  const find = async (dirs, rest) => {
    for (const dir of [dirs].flat()) {
      const base = resolve(dir)
      let candidate = resolve(base, normalize('./' + rest))
      if (candidate !== base && !candidate.startsWith(base + sep)) continue
      try {
        let info = await stat(candidate)
        if (info.isDirectory()) {
          candidate = join(candidate, 'index.html')
          info = await stat(candidate)
        }
        return { file: candidate, size: info.size }
      } catch {}
    }
    return undefined
  }
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = decodeURIComponent(url.pathname)
    let found
    if (fashionMnist && path.startsWith('/data/fashion-mnist/')) {
      const name = path.slice('/data/fashion-mnist/'.length)
      if (FASHION_FILES.includes(name)) found = await find(fashionMnist, name)
    } else {
      const prefix = prefixes.find((p) => path.startsWith(p))
      if (prefix) found = await find(mounts[prefix], path.slice(prefix.length))
    }
    if (!found) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found\n')
      if (log) console.log(`${req.method} ${path} 404`)
      return
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(found.file)] ?? 'application/octet-stream',
      'content-length': found.size,
      'cache-control': 'no-store',
    })
    if (req.method === 'HEAD') res.end()
    else createReadStream(found.file).pipe(res)
    if (log) console.log(`${req.method} ${path} 200`)
  })
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      const address = server.address()
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
      resolvePromise({
        url: `http://${shownHost}:${address.port}/`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.()
            server.close(() => r())
          }),
      })
    })
  })
}
