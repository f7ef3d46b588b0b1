/**
 * Lazy access to Node built-ins (`node:fs/promises`, `node:url`,
 * `node:worker_threads`) from the universal entry, in a way bundlers cannot
 * see.
 *
 * A literal `import('node:fs/promises')` makes esbuild fail a browser build
 * ("Could not resolve fs/promises ... built into node") and makes other
 * bundlers warn or polyfill, even though the browser never runs that branch.
 * So the specifier is never a literal: `process.getBuiltinModule` (Node ≥
 * 20.16, Bun, Deno) needs no import at all, and older Nodes get a dynamic
 * import of a computed string, which bundlers leave alone.
 */

import type * as FsPromises from 'node:fs/promises'
import type * as Url from 'node:url'
import type * as WorkerThreads from 'node:worker_threads'

/** The built-ins wasmgan uses, by name. */
interface Builtins {
  'fs/promises': typeof FsPromises
  url: typeof Url
  worker_threads: typeof WorkerThreads
}

type GetBuiltin = (id: string) => unknown

/** A Node built-in module, loaded only when called (Node, Bun and Deno). */
export async function nodeBuiltin<K extends keyof Builtins>(name: K): Promise<Builtins[K]> {
  const proc = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process
  if (typeof proc?.getBuiltinModule === 'function') {
    const mod = proc.getBuiltinModule(`node:${name}`)
    if (mod) return mod as Builtins[K]
  }
  const specifier = ['node', name].join(':')
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as Builtins[K]
}
