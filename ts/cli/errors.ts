/**
 * How the CLI fails: every problem a user can cause becomes a {@link CliError}
 * with one line of text and an exit code that says which kind of problem it
 * was, so scripts can tell a bad flag from a missing dataset from a run that
 * was interrupted on purpose.
 */

import type { ErrorCode } from '../errors.js'

/** A WasmganError, recognised by shape so this module does not load the library (see constants.ts). */
function isWasmganError(err: unknown): err is Error & { code: ErrorCode } {
  return err instanceof Error && err.name === 'WasmganError' && typeof (err as { code?: unknown }).code === 'string'
}

/** Exit codes of `wasmgan`; the README lists the same table. */
export const EXIT = Object.freeze({
  /** Finished normally. */
  ok: 0,
  /** A bug or an unexpected failure (the message says which). */
  internal: 1,
  /** A bad command line: unknown flag, missing argument, invalid value (0, negative, NaN, a word). */
  usage: 2,
  /** The dataset is missing, unreadable, or not valid IDX (bad gzip, bad magic, count mismatch). */
  data: 3,
  /** The output cannot be written: a folder holding something else, or an unwritable place. */
  output: 4,
  /** The checkpoint is missing, damaged, from another format version, or does not fit the run. */
  checkpoint: 5,
  /** Stopped by Ctrl-C (SIGINT) after saving the checkpoint and report: 128 + 2, as shells report it. */
  sigint: 130,
  /** Stopped by SIGTERM after saving the checkpoint and report: 128 + 15. */
  sigterm: 143,
})

/** A failure with the exit code to leave with. The message is one line; `details` may add lines of advice. */
export class CliError extends Error {
  readonly exitCode: number
  readonly details: string[]

  constructor(exitCode: number, message: string, details: string[] = []) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
    this.details = details
  }
}

/** Fails with a usage error (exit 2). */
export function usage(message: string): never {
  throw new CliError(EXIT.usage, message)
}

/**
 * Turns any thrown value into a CliError. Library errors keep their message
 * and get the exit code of their kind; `context` names the file or step so the
 * one line says where the problem is.
 */
export function toCliError(err: unknown, kind: 'data' | 'checkpoint' | 'output' | 'internal' = 'internal', context?: string): CliError {
  if (err instanceof CliError) return err
  const prefix = context ? `${context}: ` : ''
  if (isWasmganError(err)) {
    const code =
      err.code === 'E_CORRUPT_CHECKPOINT' || err.code === 'E_UNSUPPORTED_VERSION'
        ? EXIT.checkpoint
        : err.code === 'E_INVALID_DATA'
          ? EXIT.data
          : err.code === 'E_INVALID_ARGUMENT' && kind === 'internal'
            ? EXIT.usage
            : EXIT[kind]
    return new CliError(code, prefix + oneLine(err.message), restLines(err.message))
  }
  const sys = err as NodeJS.ErrnoException
  if (sys && typeof sys === 'object' && typeof sys.code === 'string' && typeof sys.message === 'string') {
    return new CliError(EXIT[kind], prefix + oneLine(sys.message))
  }
  return new CliError(EXIT.internal, prefix + (err instanceof Error ? (err.stack ?? err.message) : String(err)))
}

function oneLine(text: string): string {
  return text.split('\n')[0]!
}

function restLines(text: string): string[] {
  return text.split('\n').slice(1)
}
