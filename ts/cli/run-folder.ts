/**
 * The run folder: every file a training run leaves, and the rules for
 * reusing a folder. A folder is used when it is new or empty, or when it holds
 * an earlier run of the same recipe (then that run is continued with
 * `--resume`, or replaced). Anything else, a folder of other files or a run
 * of another config, is refused before a single byte is written.
 *
 *   config.json         the run's config (also the checkpoint's meta)
 *   metrics.jsonl       one JSON line per snapshot: means over the steps since the last one
 *   samples/step-N.png  the grid of the fixed latent vectors at snapshot step N
 *   samples/latest.png  a larger grid at the last step saved
 *   curves.svg          the loss and D-output curves
 *   score.svg           the quality score (FD) over steps, when the data has labels
 *   checkpoint.wgan     the latest checkpoint (replaced atomically)
 *   state.json          bookkeeping to resume mid-interval (written after each checkpoint)
 *   index.html          the self-contained report
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { CliError, EXIT } from './errors.js'
import { removeStaleTemps, writeFileAtomic } from './files.js'
import { isRunConfig, type RunConfig } from './run-config.js'
import { anyRecipeDiff, isTranslateRunConfig, type TranslateRunConfig } from './translate-run.js'

/** A run of either kind: a GAN's or a translator's. */
type AnyRunConfig = RunConfig | TranslateRunConfig

/** One line of metrics.jsonl. Losses and D outputs are means over steps `from + 1 … step`. */
export interface MetricsLine {
  step: number
  epoch: number
  /** The previous snapshot's step (the interval is from+1 … step). */
  from: number
  dLoss: number
  gLoss: number
  dReal: number
  dFake: number
  /** Real images seen by the model so far. */
  images: number
  /** Wall time of training so far, summed over every session of the run, snapshots included (s). */
  seconds: number
  /** Real images per second over this interval, time spent writing snapshots left out. */
  imagesPerSecond: number
  /** Extra numbers from snapshot hooks (e.g. a quality score). */
  [extra: string]: number
}

/** Running sums over the current snapshot interval. */
export interface Accumulator {
  from: number
  n: number
  dLoss: number
  gLoss: number
  dReal: number
  dFake: number
}

/** What state.json holds: enough to resume the interval sums and the wall clock exactly where they were. */
export interface RunState {
  /** The checkpoint's step when this was written. */
  step: number
  /** Wall time of training so far (s). */
  seconds: number
  /** The part of `seconds` spent writing snapshots. */
  writeSeconds: number
  /** `seconds` and `writeSeconds` when the last snapshot began, for the next interval's images/s. */
  lastSnapshot: { seconds: number; writeSeconds: number }
  acc: Accumulator
  /** Training problems `fit` reported so far (discriminator wins, diversity falls). */
  warnings: { step: number; kind: string; message: string }[]
  status: 'running' | 'done' | 'interrupted'
  /** The signal that stopped the run, when interrupted. */
  signal?: string
}

/** File names inside a run folder. */
export const LAYOUT = Object.freeze({
  config: 'config.json',
  metrics: 'metrics.jsonl',
  samples: 'samples',
  latest: 'samples/latest.png',
  curves: 'curves.svg',
  score: 'score.svg',
  checkpoint: 'checkpoint.wgan',
  state: 'state.json',
  report: 'index.html',
})

const SNAPSHOT = /^step-(\d+)\.png$/

/** The path of the grid at snapshot `step`, relative to the run folder. */
export function snapshotName(step: number): string {
  return `${LAYOUT.samples}/step-${String(step).padStart(7, '0')}.png`
}

/** A run folder on disk. */
export class RunFolder {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name)
  }

  /** The run config in this folder, undefined when there is none or it is not a wasmgan run. */
  readConfig(): AnyRunConfig | undefined {
    try {
      const value: unknown = JSON.parse(readFileSync(this.path(LAYOUT.config), 'utf8'))
      return isRunConfig(value) || isTranslateRunConfig(value) ? value : undefined
    } catch {
      return undefined
    }
  }

  /**
   * Makes the folder ready for a run of `config`, or refuses (exit 4) with the
   * folder untouched. `resumeStep` says the run continues from that step: files
   * of later steps (left by a crash after the checkpoint) are dropped.
   * Without it, an earlier run of the same recipe is replaced.
   */
  prepare(config: AnyRunConfig, { resumeStep, log }: { resumeStep?: number; log: (line: string) => void }): void {
    const dir = this.dir
    const entries = this.check(config)
    try {
      mkdirSync(join(dir, LAYOUT.samples), { recursive: true })
      // Root ignores permission bits, so only a real write proves the folder writable.
      writeFileAtomic(this.path('.write-test'), '')
      rmSync(this.path('.write-test'))
    } catch (err) {
      throw new CliError(EXIT.output, `cannot write in the output folder ${dir}: ${(err as Error).message}`)
    }
    removeStaleTemps(dir)
    removeStaleTemps(join(dir, LAYOUT.samples))
    if (entries.length > 0) {
      if (resumeStep === undefined) {
        log(`replacing the earlier run of the same config in ${dir}`)
        this.clearFrom(0)
      } else {
        this.clearFrom(resumeStep)
      }
    }
    writeFileAtomic(this.path(LAYOUT.config), JSON.stringify(config, null, 2) + '\n')
  }

  /**
   * Refuses (exit 4) a folder that cannot hold this run: not a folder, not
   * readable, holding files but no wasmgan run, or (given `config`) a run of
   * another recipe. Returns the folder's entries (none when it does not exist).
   */
  check(config?: AnyRunConfig): string[] {
    const dir = this.dir
    if (!existsSync(dir)) return []
    if (!statSync(dir).isDirectory()) throw new CliError(EXIT.output, `the output ${dir} exists and is not a folder`)
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch (err) {
      throw new CliError(EXIT.output, `cannot read the output folder ${dir}: ${(err as Error).message}`)
    }
    if (entries.length === 0) return entries
    const earlier = this.readConfig()
    if (!earlier) {
      throw new CliError(
        EXIT.output,
        `the output folder ${dir} already holds ${entries.length} file(s) and no wasmgan run; choose another --out or empty it`,
      )
    }
    const differs = config ? anyRecipeDiff(earlier, config) : []
    if (differs.length > 0) {
      throw new CliError(
        EXIT.output,
        `the output folder ${dir} holds a run with a different config (${differs.slice(0, 4).join(', ')}${differs.length > 4 ? ', …' : ''}); choose another --out`,
      )
    }
    return entries
  }

  /** Drops what belongs to steps after `step`: metrics lines and snapshot grids (all of them for 0). */
  private clearFrom(step: number): void {
    if (step === 0) {
      for (const f of [LAYOUT.metrics, LAYOUT.state, LAYOUT.checkpoint, LAYOUT.curves, LAYOUT.score, LAYOUT.report, LAYOUT.latest]) {
        rmSync(this.path(f), { force: true })
      }
    } else {
      const kept = this.readMetrics().filter((m) => m.step <= step)
      writeFileAtomic(this.path(LAYOUT.metrics), kept.map((m) => JSON.stringify(m) + '\n').join(''))
    }
    for (const s of this.snapshots()) if (s.step > step || step === 0) rmSync(this.path(s.file), { force: true })
  }

  /** Every line of metrics.jsonl; a torn last line (a crash mid-append) is skipped. */
  readMetrics(): MetricsLine[] {
    let text: string
    try {
      text = readFileSync(this.path(LAYOUT.metrics), 'utf8')
    } catch {
      return []
    }
    const out: MetricsLine[] = []
    for (const line of text.split('\n')) {
      if (!line.trim()) continue
      try {
        out.push(JSON.parse(line) as MetricsLine)
      } catch {
        // A partial line from an interrupted append carries nothing usable.
      }
    }
    return out
  }

  appendMetrics(line: MetricsLine): void {
    writeFileSync(this.path(LAYOUT.metrics), JSON.stringify(line) + '\n', { flag: 'a' })
  }

  /** Snapshot grids on disk, by step. */
  snapshots(): { step: number; file: string }[] {
    let names: string[]
    try {
      names = readdirSync(this.path(LAYOUT.samples))
    } catch {
      return []
    }
    return names
      .map((n) => ({ m: SNAPSHOT.exec(n), n }))
      .filter((x) => x.m)
      .map((x) => ({ step: Number(x.m![1]), file: `${LAYOUT.samples}/${x.n}` }))
      .sort((a, b) => a.step - b.step)
  }

  readState(): RunState | undefined {
    try {
      return JSON.parse(readFileSync(this.path(LAYOUT.state), 'utf8')) as RunState
    } catch {
      return undefined
    }
  }

  writeState(state: RunState): void {
    writeFileAtomic(this.path(LAYOUT.state), JSON.stringify(state) + '\n')
  }

  /** A path to show the user: relative to the working folder when inside it. */
  shown(name = ''): string {
    const p = join(this.dir, name)
    const rel = relative(process.cwd(), p)
    return rel && !rel.startsWith('..') ? rel : p
  }
}
