/**
 * Small pieces shared by the model classes (translator, classifier): freeing
 * a module-side model when its owner is garbage-collected, the `meta` JSON
 * stored in checkpoints, and telling which kind of model a checkpoint holds.
 */

import { CheckpointKind as CheckpointKindId, type Handle, type WasmganExports } from './abi.js'
import { WasmganError } from './errors.js'
import { runtime } from './load.js'
import type { Runtime } from './runtime.js'
import { invalid } from './validate.js'

interface Tracked {
  rt: Runtime
  handle: Handle
  free: (x: WasmganExports, h: Handle) => number
}

// A backstop only: dispose() is the way to free a model.
const registry = new FinalizationRegistry<Tracked>(({ rt, handle, free }) => {
  if (!rt.trapped) rt.call((x) => free(x, handle))
})

/** Frees `handle` with `free` when `owner` is collected, unless {@link untrack}ed first. */
export function track(owner: object, rt: Runtime, handle: Handle, free: Tracked['free']): void {
  registry.register(owner, { rt, handle, free }, owner)
}

/** Cancels {@link track} (on dispose). */
export function untrack(owner: object): void {
  registry.unregister(owner)
}

/** `meta` for a checkpoint: a plain object as UTF-8 JSON, or undefined. */
export function encodeMeta(meta: Record<string, unknown> | undefined): Uint8Array | undefined {
  if (meta === undefined) return undefined
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) invalid('meta', 'a plain object', meta)
  return new TextEncoder().encode(JSON.stringify(meta))
}

/** The inverse of {@link encodeMeta}; empty bytes are undefined. */
export function decodeMeta(bytes: Uint8Array): Record<string, unknown> | undefined {
  if (bytes.length === 0) return undefined
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>
  } catch {
    throw new WasmganError('E_CORRUPT_CHECKPOINT', 'the checkpoint metadata is not valid JSON')
  }
}

/** The kinds of model a checkpoint can hold. */
export type CheckpointKind = 'gan' | 'translator' | 'classifier'

/**
 * Which kind of model checkpoint bytes hold, so a tool can pick
 * `Gan.load`, `Translator.load` or `Classifier.load`. Version-1 files hold a GAN.
 * @throws WasmganError `E_CORRUPT_CHECKPOINT` / `E_UNSUPPORTED_VERSION` when the bytes are not a readable checkpoint.
 */
export function checkpointKind(bytes: Uint8Array, options: { runtime?: Runtime } = {}): CheckpointKind {
  if (!(bytes instanceof Uint8Array)) invalid('checkpoint', 'a Uint8Array', bytes)
  const rt = options.runtime ?? runtime()
  const r = rt.withCopy(bytes, (ptr, len) => rt.call((x) => x.ckpt_kind(ptr, len)))
  const kinds: Record<number, CheckpointKind> = {
    [CheckpointKindId.gan]: 'gan',
    [CheckpointKindId.translator]: 'translator',
    [CheckpointKindId.classifier]: 'classifier',
  }
  if (r > 0 && kinds[r]) return kinds[r]
  rt.check(-r, 'reading the checkpoint')
  throw new WasmganError('E_INTERNAL', `the module returned an unknown checkpoint kind ${r}`)
}
