/**
 * A WorkerGan left undisposed must not keep Node, Bun or Deno running once
 * the script is done (its worker is unref'd while idle). Prints `trained`
 * and ends; test/runtimes.test.ts checks that the process exits by itself.
 */
import type { Api } from './harness.js'

const entry = new URL(['..', '..', 'dist', 'index.js'].join('/'), import.meta.url).href
const { WorkerGan } = (await import(entry)) as Api
const gan = new WorkerGan({ seed: 1, latent: 4, dataDim: 4, generator: [8], discriminator: [8] })
await gan.train({ images: new Float32Array(40).fill(0.25), count: 10, dim: 4 }, 3, { batchSize: 2 })
console.log(`trained ${gan.step} steps`)
