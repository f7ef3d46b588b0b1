/**
 * Entry of the embedded training-worker bundle (see scripts/build-worker.mjs);
 * not part of the package's public entry.
 */
export { start } from './worker-host.js'
