/**
 * Reading a checkpoint file for `sample`, `interpolate`, `info` and
 * `--resume`, with one-line errors that say which file and what is wrong
 * with it (missing, not a checkpoint, damaged, another format version).
 */

import { readFileSync, statSync } from 'node:fs'
import { Classifier } from '../classifier.js'
import { Gan } from '../gan.js'
import { checkpointKind, type CheckpointKind } from '../model.js'
import { Translator } from '../translator.js'
import { CliError, EXIT, toCliError } from './errors.js'
import { checkpointFormatOf } from './version.js'

/** A loaded checkpoint. */
export interface LoadedCheckpoint {
  path: string
  bytes: Uint8Array
  gan: Gan
  meta: Record<string, unknown> | undefined
}

/** The bytes of a checkpoint file, or a CliError (exit 5). */
export function readCheckpointBytes(path: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) {
      throw new CliError(
        EXIT.checkpoint,
        `${path} is a folder; give the checkpoint file (e.g. ${path.replace(/\/+$/, '')}/checkpoint.wgan)`,
      )
    }
    const buf = readFileSync(path)
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
  } catch (err) {
    if (err instanceof CliError) throw err
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : (err as Error).message
    throw new CliError(EXIT.checkpoint, `cannot read the checkpoint ${path}: ${why}`)
  }
}

/** A checkpoint of any kind, loaded. */
export type LoadedModel =
  | { kind: 'gan'; path: string; bytes: Uint8Array; model: Gan; meta: Record<string, unknown> | undefined }
  | { kind: 'translator'; path: string; bytes: Uint8Array; model: Translator; meta: Record<string, unknown> | undefined }
  | { kind: 'classifier'; path: string; bytes: Uint8Array; model: Classifier; meta: Record<string, unknown> | undefined }

/** What the commands call each kind, for errors that say which command to use. */
const KIND_USE: Record<CheckpointKind, string> = {
  gan: 'a GAN checkpoint (use it with `wasmgan sample`, `interpolate`, `eval`)',
  translator: 'a translator checkpoint (from `wasmgan train --task`; use it with `wasmgan translate`)',
  classifier: 'a classifier checkpoint (it generates nothing; the library uses it to score models)',
}

/** The bytes of a checkpoint and the kind of model they hold, or a CliError (exit 5). */
function readKind(path: string): { bytes: Uint8Array; kind: CheckpointKind } {
  const bytes = readCheckpointBytes(path)
  if (checkpointFormatOf(bytes) === undefined) {
    throw new CliError(EXIT.checkpoint, `${path} is not a wasmgan checkpoint (it does not start with the WASMGAN magic bytes)`)
  }
  try {
    return { bytes, kind: checkpointKind(bytes) }
  } catch (err) {
    throw toCliError(err, 'checkpoint', path)
  }
}

/** Which kind of model a checkpoint file holds; `init()` must have run. */
export function checkpointKindOf(path: string): CheckpointKind {
  return readKind(path).kind
}

/** Refuses (exit 5) a checkpoint that is not a translator, saying what it is. */
export function notATranslator(path: string, kind: CheckpointKind): CliError {
  return new CliError(EXIT.checkpoint, `${path} is ${KIND_USE[kind]}, not a translator checkpoint, which this command needs`)
}

/**
 * Loads `bytes` with `load` and reads the model's meta, turning the
 * library's errors into one-line CLI errors about `path` (the library checks
 * the CRC before the version, so a damaged file is reported as damaged).
 */
function open<M extends { meta: Record<string, unknown> | undefined; dispose(): void }>(
  path: string,
  bytes: Uint8Array,
  load: (bytes: Uint8Array) => M,
): { model: M; meta: Record<string, unknown> | undefined } {
  let model: M
  try {
    model = load(bytes)
  } catch (err) {
    throw toCliError(err, 'checkpoint', path)
  }
  try {
    return { model, meta: model.meta }
  } catch (err) {
    model.dispose()
    throw toCliError(err, 'checkpoint', path)
  }
}

/** Reads and loads a checkpoint of any kind (GAN, translator, classifier); `init()` must have run. */
export function loadModelCheckpoint(path: string): LoadedModel {
  const { bytes, kind } = readKind(path)
  const load = kind === 'gan' ? Gan.load : kind === 'translator' ? Translator.load : Classifier.load
  const { model, meta } = open<Gan | Translator | Classifier>(path, bytes, load)
  return { kind, path, bytes, model, meta } as LoadedModel
}

/**
 * Reads and loads a GAN checkpoint; `init()` must have run. Another kind of
 * checkpoint is refused (exit 5) with what it is and which command takes it.
 * `command` names the command in that message.
 */
export function loadCheckpoint(path: string, command = 'this command'): LoadedCheckpoint {
  const { bytes, kind } = readKind(path)
  if (kind !== 'gan') throw new CliError(EXIT.checkpoint, `${path} is ${KIND_USE[kind]}, not a GAN checkpoint, which ${command} needs`)
  const { model: gan, meta } = open(path, bytes, Gan.load)
  return { path, bytes, gan, meta }
}
