/**
 * Ctrl-C and SIGTERM during training: the first one asks the training loop
 * to stop after the current step, save the checkpoint and the report, and exit
 * with 130 (SIGINT) or 143 (SIGTERM). A second one quits at once; every file
 * is written atomically, so that leaves the last complete checkpoint.
 */

import { EXIT } from './errors.js'

/** Set by the first SIGINT or SIGTERM; the training loop polls it between steps. */
export class StopRequest {
  signal: 'SIGINT' | 'SIGTERM' | undefined
  readonly #handlers: [NodeJS.Signals, () => void][] = []

  /** Starts listening; `notice` is told when the first signal arrives. */
  install(notice: (signal: NodeJS.Signals) => void): this {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const handler = () => {
        if (this.signal) process.exit(exitCodeFor(this.signal))
        this.signal = sig
        notice(sig)
      }
      process.on(sig, handler)
      this.#handlers.push([sig, handler])
    }
    return this
  }

  get requested(): boolean {
    return this.signal !== undefined
  }

  /** Stops listening (signals then have their default effect again). */
  dispose(): void {
    for (const [sig, handler] of this.#handlers) process.off(sig, handler)
    this.#handlers.length = 0
  }
}

/** The exit code after stopping on `signal`. */
export function exitCodeFor(signal: 'SIGINT' | 'SIGTERM'): number {
  return signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm
}
