/**
 * Running the built `wasmgan` executable (dist/cli.js) as a user would: a
 * child process with its own arguments, environment and working folder. The
 * global setup (global-setup.ts) rebuilds dist/ first when it is older than
 * the sources, so these tests never run a stale CLI.
 */

import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeIdx } from '../../ts/idx.js'
import { loadIdx, FASHION_MNIST_DIR } from '../../ts/data.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = join(ROOT, 'dist', 'cli.js')

/** What a finished CLI process left. */
export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Options of {@link runCli}. */
export interface RunOptions {
  cwd?: string
  env?: Record<string, string>
}

/** Environment for every CLI run: a private cache, so no test sees another's downloads or the user's. */
export function cliEnv(extra: Record<string, string> = {}, cache?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  if (cache) env.WASMGAN_CACHE_DIR = cache
  delete env.FORCE_COLOR
  return env
}

/** Starts the CLI; see {@link runCli} to wait for it. */
export function startCli(args: string[], options: RunOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...cliEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, done }
}

/** Runs the CLI to the end. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return startCli(args, options).done
}

/** Resolves when the child's stderr has printed a line matching `re` (or rejects when it exits first). */
export function waitForLine(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = ''
    const onData = (d: Buffer) => {
      buffer += d.toString()
      const line = buffer.split('\n').find((l) => re.test(l))
      if (line !== undefined) {
        child.stderr!.off('data', onData)
        resolve(line)
      }
    }
    child.stderr!.on('data', onData)
    child.once('close', () => reject(new Error(`the CLI exited before printing ${re}; stderr:\n${buffer}`)))
  })
}

/** SHA-256 of every file under `dir`, by relative path: compare before and after to prove nothing changed. */
export function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex')
    }
  }
  walk(dir)
  return out
}

/**
 * A small real dataset for fast runs: the first `count` Fashion-MNIST images
 * and labels, written as gzipped IDX files named like a training set into
 * `dir`. Taken from the 10,000-image test split, which decompresses six times
 * faster than the training split.
 */
export async function writeFashionSubset(dir: string, count: number): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const [images, labels] = await Promise.all([
    loadIdx(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')),
    loadIdx(join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz')),
  ])
  const dim = 28 * 28
  const img = await encodeIdx({ dtype: 'u8', shape: [count, 28, 28], data: images.data.subarray(0, count * dim) }, { gzip: true })
  const lab = await encodeIdx({ dtype: 'u8', shape: [count], data: labels.data.subarray(0, count) }, { gzip: true })
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), img)
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), lab)
}

/** The lines of a JSON-lines file. */
export function readJsonLines(path: string): Record<string, number>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, number>)
}
