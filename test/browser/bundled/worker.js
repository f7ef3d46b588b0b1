// A user's own Web Worker that imports the package and trains in-process.
import { Gan, init, loadImageDataset } from 'wasmgan'

self.onmessage = async (e) => {
  try {
    const info = await init()
    const data = await loadImageDataset({ images: e.data.data + 't10k-images-idx3-ubyte.gz' })
    const gan = new Gan({ seed: 7 })
    gan.train(data, 50, { batchSize: 64 })
    const d = await crypto.subtle.digest('SHA-256', gan.save({ dataset: 'fashion-mnist-test' }))
    const hash = Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('')
    self.postMessage({ hash, simd: info.simd })
  } catch (err) {
    self.postMessage({ error: `${err.name}: ${err.message}` })
  }
}
