/**
 * Image datasets for training: IDX files (MNIST, Fashion-MNIST, or any file of
 * the same layout) turned into Float32 images in [-1, 1], the range a tanh
 * generator produces, so real and fake samples are on the same scale.
 *
 * Loading works the same in Node, Bun, Deno and browsers: bytes, Blobs and
 * Responses are read directly, URLs are fetched, and plain paths are read from
 * the filesystem where there is one. Node built-ins are imported lazily, only
 * on that path, so this module also loads in a browser.
 */

import { WasmganError, describe } from './errors.js'
import { parseIdx, type IdxArray } from './idx.js'
import { nodeBuiltin } from './node-builtins.js'

/** A set of same-sized greyscale images, optionally labelled. */
export interface ImageDataset {
  /** Number of images. */
  count: number
  /** Rows per image. */
  height: number
  /** Columns per image. */
  width: number
  /** Values per image: `height × width`. */
  dim: number
  /** `count × dim` values in [-1, 1], row-major: image `i` is `images.subarray(i * dim, (i + 1) * dim)`. */
  images: Float32Array
  /** One class id ≥ 0 per image, when labels were given. */
  labels?: Uint8Array | Int32Array
  /** Number of classes: `1 + max(labels)`, or the length of `classNames` when known. */
  classes?: number
  /** Human-readable name of each class id, for well-known datasets. */
  classNames?: string[]
}

/** Anything {@link loadIdx} can read an IDX file from. */
export type Source = string | URL | Uint8Array | ArrayBuffer | Response | Blob

/** The class names of Fashion-MNIST, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
])

/** The class names of MNIST, indexed by label. */
export const MNIST_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'

/** The conventional directory for MNIST next to {@link FASHION_MNIST_DIR}. */
export const MNIST_DIR = '/usr/share/datasets/mnist'

// x / 127.5 - 1 for every byte, computed once: a table lookup is cheaper than
// the arithmetic on 47 M pixels and gives bit-identical results everywhere.
const U8_TO_UNIT = Float32Array.from({ length: 256 }, (_, x) => x / 127.5 - 1)

/**
 * Builds a dataset from decoded IDX arrays. `u8` images (0..255) are scaled
 * by `x / 127.5 - 1` into [-1, 1]; `f32` images must already be in [-1, 1]
 * and are used as they are (the dataset shares their buffer).
 *
 * @param images 3-D array, `count × height × width`.
 * @param labels optional 1-D array of `count` integer class ids ≥ 0.
 * @throws WasmganError `E_INVALID_DATA` for a wrong rank or dtype, f32 values outside [-1, 1]
 *   or not finite, negative or non-integer labels, or a label count other than the image count.
 */
export function imagesFromIdx(images: IdxArray, labels?: IdxArray): ImageDataset {
  checkIdxArray(images, 'images')
  if (images.shape.length !== 3) {
    throw invalid(`images must be 3-D (count × height × width), got shape ${shapeText(images.shape)}`)
  }
  const [count, height, width] = images.shape as [number, number, number]
  const dim = height * width

  let pixels: Float32Array
  if (images.dtype === 'u8') {
    const src = images.data as Uint8Array
    pixels = new Float32Array(src.length)
    for (let i = 0; i < src.length; i++) pixels[i] = U8_TO_UNIT[src[i]!]!
  } else if (images.dtype === 'f32') {
    pixels = images.data as Float32Array
    for (let i = 0; i < pixels.length; i++) {
      const x = pixels[i]!
      // Written so NaN fails too: every comparison with NaN is false.
      if (!(x >= -1 && x <= 1)) {
        const image = Math.floor(i / dim)
        const row = Math.floor((i % dim) / width)
        const col = i % width
        throw invalid(
          `f32 images must already be in [-1, 1]: value ${describe(x)} at element ${i} (image ${image}, row ${row}, column ${col})`,
        )
      }
    }
  } else {
    throw invalid(`images must be u8 (0..255, scaled to [-1, 1]) or f32 (already in [-1, 1]), got ${images.dtype}`)
  }

  const dataset: ImageDataset = { count, height, width, dim, images: pixels }
  if (labels !== undefined) {
    const { ids, max } = labelsFromIdx(labels, count)
    dataset.labels = ids
    dataset.classes = max + 1
  }
  return dataset
}

function labelsFromIdx(labels: IdxArray, count: number): { ids: Uint8Array | Int32Array; max: number } {
  checkIdxArray(labels, 'labels')
  if (labels.shape.length !== 1) {
    throw invalid(`labels must be 1-D (one per image), got shape ${shapeText(labels.shape)}`)
  }
  if (labels.shape[0] !== count) {
    throw invalid(`label count does not match image count: ${plural(count, 'image')} but ${plural(labels.shape[0]!, 'label')}`)
  }
  if (labels.dtype === 'f32' || labels.dtype === 'f64') {
    throw invalid(`labels must be an integer dtype (u8, i8, i16, i32), got ${labels.dtype}`)
  }
  // u8 stays as it is (the common case, no copy); wider or signed ids become
  // Int32Array so every dataset has one of two label types.
  const ids = labels.dtype === 'u8' ? (labels.data as Uint8Array) : Int32Array.from(labels.data)
  let max = 0
  for (let i = 0; i < ids.length; i++) {
    const y = ids[i]!
    if (y < 0) throw invalid(`labels must be ≥ 0: label ${i} is ${y}`)
    if (y > max) max = y
  }
  return { ids, max }
}

/**
 * Reads and parses one IDX file (raw or gzipped) from bytes, a Blob, a
 * Response, a URL, or a path.
 *
 * Strings starting with `http:`, `https:`, `file:`, `blob:` or `data:` and
 * URL objects are URLs; `file:` URLs are read from the filesystem in
 * Node/Bun/Deno, other URLs are fetched. Any other string is a filesystem path
 * in Node/Bun/Deno, and a URL relative to the page in a browser.
 *
 * @throws WasmganError `E_IO` when the file cannot be read (naming the path and the
 *   OS reason) or an HTTP request is not OK (with its status); `E_INVALID_DATA` when the
 *   content is not a valid IDX file (the message names the source).
 */
export async function loadIdx(source: Source): Promise<IdxArray> {
  const { bytes, name } = await readSource(source)
  try {
    return await parseIdx(bytes)
  } catch (err) {
    if (err instanceof WasmganError && name !== undefined) {
      throw new WasmganError(err.code, `${name}: ${err.message}`, { cause: err })
    }
    throw err
  }
}

/**
 * Loads an image dataset from an images IDX file and an optional labels IDX
 * file, read concurrently. See {@link loadIdx} for the sources accepted and
 * {@link imagesFromIdx} for the conversion.
 */
export async function loadImageDataset({ images, labels }: { images: Source; labels?: Source }): Promise<ImageDataset> {
  const [imageArray, labelArray] = await Promise.all([loadIdx(images), labels === undefined ? Promise.resolve(undefined) : loadIdx(labels)])
  return imagesFromIdx(imageArray, labelArray)
}

/** Which half of a standard dataset to load: 60 000 training or 10 000 test images. */
export type Split = 'train' | 'test'

/**
 * Loads Fashion-MNIST (28×28 greyscale clothing, 10 classes) from the four
 * standard `*-ubyte.gz` files in `dir`, a path or a URL.
 *
 * @param dir directory holding `train-images-idx3-ubyte.gz` and friends; default {@link FASHION_MNIST_DIR}.
 * @param split `'train'` (60 000 images, default) or `'test'` (10 000).
 * @throws WasmganError `E_IO` when the files are missing, with how to install them.
 */
export function loadFashionMnist(dir: string | URL = FASHION_MNIST_DIR, split: Split = 'train'): Promise<ImageDataset> {
  return loadStandard(dir, split, 'Fashion-MNIST', FASHION_MNIST_CLASSES, [
    'On Debian/Ubuntu: apt-get install -y dataset-fashion-mnist (installs into /usr/share/datasets/fashion-mnist).',
    'Or download the four *-ubyte.gz files from the Fashion-MNIST project (github.com/zalandoresearch/fashion-mnist) into that directory.',
  ])
}

/**
 * Loads MNIST (28×28 greyscale digits, 10 classes) from the four standard
 * `*-ubyte.gz` files in `dir`, a path or a URL.
 *
 * @param dir directory holding `train-images-idx3-ubyte.gz` and friends; default {@link MNIST_DIR}.
 * @param split `'train'` (60 000 images, default) or `'test'` (10 000).
 * @throws WasmganError `E_IO` when the files are missing, with where to get them.
 */
export function loadMnist(dir: string | URL = MNIST_DIR, split: Split = 'train'): Promise<ImageDataset> {
  return loadStandard(dir, split, 'MNIST', MNIST_CLASSES, [
    'Download the four *-ubyte.gz files of MNIST (train/t10k images and labels) into that directory.',
    'Fashion-MNIST has the same layout: on Debian/Ubuntu, apt-get install -y dataset-fashion-mnist.',
  ])
}

async function loadStandard(
  dir: string | URL,
  split: Split,
  title: string,
  classNames: readonly string[],
  howToGet: string[],
): Promise<ImageDataset> {
  if (split !== 'train' && split !== 'test') {
    throw new WasmganError('E_INVALID_ARGUMENT', `split must be 'train' or 'test', got ${describe(split)}`)
  }
  if (typeof dir !== 'string' && !(dir instanceof URL)) {
    throw new WasmganError('E_INVALID_ARGUMENT', `dir must be a path or URL, got ${describe(dir)}`)
  }
  const prefix = split === 'train' ? 'train' : 't10k'
  let dataset: ImageDataset
  try {
    dataset = await loadImageDataset({
      images: joinPath(dir, `${prefix}-images-idx3-ubyte.gz`),
      labels: joinPath(dir, `${prefix}-labels-idx1-ubyte.gz`),
    })
  } catch (err) {
    if (err instanceof WasmganError && err.code === 'E_IO') {
      const where = dir instanceof URL ? dir.href : dir
      throw new WasmganError('E_IO', `${title} ${split} set not found in ${where}: ${err.message}\n${howToGet.join('\n')}`, {
        cause: err,
      })
    }
    throw err
  }
  if (dataset.classes! > classNames.length) {
    throw invalid(`${title} has ${classNames.length} classes, but the labels go up to ${dataset.classes! - 1}`)
  }
  dataset.classes = classNames.length
  dataset.classNames = [...classNames]
  return dataset
}

/** Appends a file name to a directory path or URL without doubling or dropping the slash. */
function joinPath(dir: string | URL, file: string): string | URL {
  if (dir instanceof URL) return new URL(file, dir.href.endsWith('/') ? dir.href : dir.href + '/')
  return dir === '' ? file : dir.replace(/[/\\]+$/, '') + '/' + file
}

// ---------------------------------------------------------------------------
// Reading bytes from any source

const URL_SCHEME = /^(?:https?|file|blob|data):/i

interface Read {
  bytes: Uint8Array
  /** Where the bytes came from, for error messages; undefined for in-memory bytes. */
  name?: string
}

async function readSource(source: Source): Promise<Read> {
  if (source instanceof Uint8Array) return { bytes: source }
  // toString, not instanceof, so buffers from another realm (an iframe, a vm context) count too.
  if (Object.prototype.toString.call(source) === '[object ArrayBuffer]') {
    return { bytes: new Uint8Array(source as ArrayBuffer) }
  }
  if (ArrayBuffer.isView(source)) {
    // Other views (a DataView, a Uint8Array from another realm) reinterpreted as their bytes.
    const view = source as ArrayBufferView
    return { bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength) }
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return { bytes: new Uint8Array(await source.arrayBuffer()) }
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return { bytes: await readResponse(source, source.url || 'response'), name: source.url || undefined }
  }
  if (source instanceof URL) return readUrl(source)
  if (typeof source === 'string') {
    if (URL_SCHEME.test(source)) return readUrl(parseUrl(source))
    if (hasFilesystem()) return { bytes: await readFile(source), name: source }
    // Browsers: a relative path is relative to the page, like an <img src>.
    const base = (globalThis as { document?: { baseURI?: string } }).document?.baseURI
    return readUrl(base ? new URL(source, base) : parseUrl(source))
  }
  throw new WasmganError(
    'E_INVALID_ARGUMENT',
    `expected an IDX source (path, URL, Uint8Array, ArrayBuffer, Response or Blob), got ${describe(source)}`,
  )
}

function parseUrl(text: string): URL {
  try {
    return new URL(text)
  } catch (err) {
    throw new WasmganError('E_INVALID_ARGUMENT', `not a valid URL: ${describe(text)}`, { cause: err })
  }
}

async function readUrl(url: URL): Promise<Read> {
  const name = url.protocol === 'data:' ? 'data: URL' : url.href
  if (url.protocol === 'file:' && hasFilesystem()) {
    // Node's fetch has no file: support; reading the path works in Node, Bun and Deno alike.
    const { fileURLToPath } = await nodeBuiltin('url')
    return { bytes: await readFile(fileURLToPath(url)), name }
  }
  let response: Response
  try {
    response = await fetch(url)
  } catch (err) {
    throw new WasmganError('E_IO', `cannot fetch ${name}: ${reasonOf(err)}`, { cause: err })
  }
  return { bytes: await readResponse(response, name), name }
}

async function readResponse(response: Response, name: string): Promise<Uint8Array> {
  if (!response.ok) {
    throw new WasmganError('E_IO', `cannot fetch ${name}: HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`)
  }
  try {
    return new Uint8Array(await response.arrayBuffer())
  } catch (err) {
    throw new WasmganError('E_IO', `cannot read the body of ${name}: ${reasonOf(err)}`, { cause: err })
  }
}

/** Node, Bun and Deno all expose `process.versions.node` (Deno through its Node compatibility). */
function hasFilesystem(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown }
  return typeof g.process?.versions?.node === 'string' || g.Deno !== undefined
}

async function readFile(path: string): Promise<Uint8Array> {
  const fs = await nodeBuiltin('fs/promises')
  try {
    const buffer = await fs.readFile(path)
    // A Buffer may be a view into a shared pool; hand on a plain Uint8Array over exactly its bytes.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  } catch (err) {
    throw new WasmganError('E_IO', `cannot read ${JSON.stringify(path)}: ${reasonOf(err)}`, { cause: err })
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    // fetch failures hide the useful part (ECONNREFUSED, ENOTFOUND) in `cause`.
    const cause = (err as { cause?: unknown }).cause
    return cause instanceof Error && cause.message !== err.message ? `${err.message} (${cause.message})` : err.message
  }
  return String(err)
}

function checkIdxArray(array: unknown, what: string): asserts array is IdxArray {
  const a = array as Partial<IdxArray> | null
  if (typeof a !== 'object' || a === null || !Array.isArray(a.shape) || !ArrayBuffer.isView(a.data)) {
    throw new WasmganError('E_INVALID_ARGUMENT', `${what}: expected an IdxArray { dtype, shape, data }, got ${describe(array)}`)
  }
  const expected = a.shape.reduce((x: number, y: number) => x * y, 1)
  const actual = (a.data as { length: number }).length
  if (actual !== expected) {
    throw invalid(`${what}: shape ${shapeText(a.shape)} needs ${expected} elements, got ${actual}`)
  }
}

function invalid(message: string): WasmganError {
  return new WasmganError('E_INVALID_DATA', message)
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`
