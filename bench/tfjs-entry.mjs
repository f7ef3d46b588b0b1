// Entry of the TF.js bundle the benchmark builds (bench/.cache/tfjs.mjs): one
// copy of tfjs-core with every gradient registered (tfjs-core's Node build
// registers none, and its ESM files use extensionless imports Node cannot
// load) plus the wasm and cpu backends.
export * from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import '@tensorflow/tfjs-backend-cpu'
export { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm'
