// Entry of the TF.js bundle the benchmark builds (bench/.cache/tfjs.mjs): one
// copy of tfjs-core with every gradient registered (tfjs-core's Node build
// registers none, and its ESM files use extensionless imports Node cannot
// load) plus the wasm and cpu backends, and tf.layers under the names the
// @tensorflow/tfjs package gives it (tf.sequential, tf.layers.dense, ...).
export * from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import '@tensorflow/tfjs-backend-cpu'
export { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm'
export { sequential, layers, initializers } from '@tensorflow/tfjs-layers'
