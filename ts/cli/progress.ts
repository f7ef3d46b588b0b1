/**
 * Training progress on the terminal: a live bar (cli-progress) with epoch,
 * step, images/s, ETA, the losses and D's outputs when stderr is a terminal;
 * one plain line per snapshot otherwise (logs, CI, pipes), so redirected
 * output stays readable.
 */

import cliProgress from 'cli-progress'

/** What one progress update shows. */
export interface ProgressInfo {
  step: number
  epoch: number
  /** Steps when the stop rule is a step count, else undefined. */
  targetStep?: number
  /** Seconds when the stop rule is a time budget. */
  budgetSeconds?: number
  /** Training seconds so far in this session. */
  sessionSeconds: number
  imagesPerSecond: number
  dLoss: number
  gLoss: number
  dReal: number
  dFake: number
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'nan')
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'nan')

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  if (seconds < 0) return '0s'
  const s = Math.round(seconds)
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** Progress display for one training session. */
export class Progress {
  readonly #bar: cliProgress.SingleBar | undefined
  #started = false
  readonly #startStep: number

  constructor(
    readonly tty: boolean,
    startStep: number,
    private readonly out: (line: string) => void,
  ) {
    this.#startStep = startStep
    if (tty) {
      this.#bar = new cliProgress.SingleBar(
        {
          format: '{bar} {pct} | epoch {epoch} | step {stepText} | {ips} img/s | ETA {etaText} | D {d} G {g} | D(x) {dx} D(G(z)) {dgz}',
          barsize: 20,
          hideCursor: true,
          stream: process.stderr,
          fps: 8,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    }
  }

  #fields(p: ProgressInfo): { value: number; total: number; payload: Record<string, string | number> } {
    let value: number
    let total: number
    let remaining: number
    if (p.targetStep !== undefined) {
      value = p.step
      total = p.targetStep
      const rate = (p.step - this.#startStep) / Math.max(p.sessionSeconds, 1e-9)
      remaining = rate > 0 ? (p.targetStep - p.step) / rate : NaN
    } else {
      const budget = p.budgetSeconds ?? 0
      value = Math.min(p.sessionSeconds, budget)
      total = budget
      remaining = budget - p.sessionSeconds
    }
    return {
      value,
      total,
      payload: {
        pct: `${String(Math.floor((100 * value) / Math.max(total, 1e-9))).padStart(3)}%`,
        epoch: p.epoch,
        stepText: p.targetStep !== undefined ? `${p.step}/${p.targetStep}` : String(p.step),
        ips: Math.round(p.imagesPerSecond),
        etaText: eta(remaining),
        d: f3(p.dLoss),
        g: f3(p.gLoss),
        dx: f2(p.dReal),
        dgz: f2(p.dFake),
      },
    }
  }

  /** Redraws the bar (terminal only; plain mode prints at snapshots). */
  update(p: ProgressInfo): void {
    if (!this.#bar) return
    const { value, total, payload } = this.#fields(p)
    if (!this.#started) {
      this.#bar.start(total, value, payload)
      this.#started = true
    } else {
      this.#bar.setTotal(total)
      this.#bar.update(value, payload)
    }
  }

  /** A snapshot was taken: in plain mode, one line. */
  snapshot(p: ProgressInfo): void {
    if (this.#bar) return
    const { payload } = this.#fields(p)
    this.out(
      `step ${payload.stepText}  epoch ${p.epoch}  ${payload.ips} img/s  ETA ${payload.etaText}  ` +
        `D ${payload.d}  G ${payload.g}  D(x) ${payload.dx}  D(G(z)) ${payload.dgz}`,
    )
  }

  /** Ends the bar so later output starts on a fresh line. */
  stop(): void {
    if (this.#bar && this.#started) this.#bar.stop()
    this.#started = false
  }
}
