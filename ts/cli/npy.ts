/**
 * NumPy's .npy format (version 1.0), so generated images load with
 * `numpy.load`: the magic, a Python-literal header padded to a multiple of 64
 * bytes, then the float32 values little-endian, row-major.
 */

/** Encodes `data` (`product(shape)` values) as a float32 .npy file. */
export function encodeNpyF32(data: Float32Array, shape: number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ')
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`
  // magic (6) + version (2) + header length (2) + header + '\n' must be a multiple of 64.
  const unpadded = 10 + header.length + 1
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const out = new Uint8Array(10 + header.length + data.length * 4)
  out.set([0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), 1, 0])
  const view = new DataView(out.buffer)
  view.setUint16(8, header.length, true)
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i)
  const base = 10 + header.length
  for (let i = 0; i < data.length; i++) view.setFloat32(base + 4 * i, data[i]!, true)
  return out
}
