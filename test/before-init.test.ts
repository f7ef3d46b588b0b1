/**
 * Misuse before `init()`: in its own file (each test file runs in its own
 * process), so nothing has initialised the module yet.
 */

import { describe, expect, it } from 'vitest'
import { Gan, WasmganError } from '../ts/index.js'

describe('before init()', () => {
  it('creating or loading a model throws E_NOT_INITIALIZED with the fix in the message', () => {
    for (const f of [() => new Gan(), () => Gan.load(new Uint8Array(30))]) {
      expect(f).toThrow(WasmganError)
      try {
        f()
      } catch (e) {
        expect((e as WasmganError).code).toBe('E_NOT_INITIALIZED')
        expect((e as WasmganError).message).toContain('await init()')
      }
    }
  })

  it('still validates the config first, so the first error names the real problem', () => {
    try {
      new Gan({ latent: 0 })
      throw new Error('accepted latent 0')
    } catch (e) {
      expect((e as WasmganError).code).toBe('E_INVALID_ARGUMENT')
    }
  })
})
