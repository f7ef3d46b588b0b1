// An app as a user writes it: `import ... from 'wasmgan'`, built by a bundler
// (esbuild and Vite, each with no plugin and no wasm or worker set-up). It
// trains the cross-runtime reference run (seed 7, batch 64, 50 steps on the
// Fashion-MNIST test set, saved with meta { dataset: 'fashion-mnist-test' }) twice: in its own Web Worker that imports the
// package, and with the package's WorkerGan. The test compares the hashes.
import { WorkerGan, init } from 'wasmgan'

const DATA = new URL('/data/fashion-mnist/', location.href).href

async function sha256(bytes) {
  const d = await crypto.subtle.digest('SHA-256', bytes)
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('')
}

function userWorker() {
  return new Promise((resolve, reject) => {
    // The pattern bundlers know: Vite bundles the worker; esbuild builds it as its own entry beside this file.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
    worker.onmessage = (e) => {
      worker.terminate()
      e.data.error ? reject(new Error(e.data.error)) : resolve(e.data)
    }
    worker.onerror = (e) => reject(new Error(`user worker: ${e.message}`))
    worker.postMessage({ data: DATA })
  })
}

async function main() {
  const info = await init()
  const inWorker = await userWorker()
  const gan = new WorkerGan({ seed: 7 })
  const data = await gan.loadData({ images: DATA + 't10k-images-idx3-ubyte.gz' })
  for await (const _ of gan.fit(data, { steps: 50, batchSize: 64 })) void _
  const workerGan = await sha256(await gan.save({ dataset: 'fashion-mnist-test' }))
  gan.dispose()
  return { simd: info.simd, userWorker: inWorker.hash, userWorkerSimd: inWorker.simd, workerGan }
}

main().then(
  (r) => {
    window.__result = r
    document.getElementById('out').textContent = JSON.stringify(r)
  },
  (e) => {
    window.__result = { error: `${e.name}: ${e.message}` }
    document.getElementById('out').textContent = String(e)
  },
)
