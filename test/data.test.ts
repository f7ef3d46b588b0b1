import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  FASHION_MNIST_CLASSES,
  imagesFromIdx,
  loadFashionMnist,
  loadIdx,
  loadImageDataset,
  loadMnist,
  type ImageDataset,
} from '../ts/data.js'
import { encodeIdx, encodeIdxRaw, type IdxArray } from '../ts/idx.js'
import { expectWasmganError, noise } from './fixtures/helpers.js'

const u8Images = (count: number, h: number, w: number, data?: ArrayLike<number>): IdxArray => ({
  dtype: 'u8',
  shape: [count, h, w],
  data: data ? Uint8Array.from(data) : noise(count * h * w),
})
const u8Labels = (labels: number[]): IdxArray => ({ dtype: 'u8', shape: [labels.length], data: Uint8Array.from(labels) })

describe('imagesFromIdx', () => {
  it('scales u8 pixels by x / 127.5 - 1 into [-1, 1]', () => {
    const ds = imagesFromIdx(u8Images(2, 1, 3, [0, 255, 51, 127, 128, 1]))
    expect(ds).toMatchObject({ count: 2, height: 1, width: 3, dim: 3 })
    expect(Array.from(ds.images)).toEqual([0, 255, 51, 127, 128, 1].map((x) => Math.fround(x / 127.5 - 1)))
    expect(ds.images[0]).toBe(-1)
    expect(ds.images[1]).toBe(1)
    expect(ds.labels).toBeUndefined()
    expect(ds.classes).toBeUndefined()
  })

  it('keeps image-major, row-major order', () => {
    const ds = imagesFromIdx(u8Images(3, 2, 5))
    expect(ds.images.length).toBe(3 * 10)
    const src = ds.images.subarray(1 * 10, 2 * 10)
    // Image 1, row 1, column 3 is element 10 + 5 + 3 of the file.
    expect(src[5 + 3]).toBe(ds.images[18])
  })

  it('passes f32 images in [-1, 1] through unchanged', () => {
    const data = Float32Array.from([-1, -0.5, 0, 1])
    const ds = imagesFromIdx({ dtype: 'f32', shape: [1, 2, 2], data })
    expect(ds.images).toBe(data)
  })

  it('rejects f32 images out of range or not finite, naming the value and where', async () => {
    const at = (value: number) => {
      const data = new Float32Array(2 * 3 * 4)
      data[1 * 12 + 2 * 4 + 3] = value
      return { dtype: 'f32' as const, shape: [2, 3, 4], data }
    }
    await expectWasmganError(() => imagesFromIdx(at(1.5)), 'E_INVALID_DATA', '[-1, 1]', 'value 1.5', 'image 1, row 2, column 3')
    await expectWasmganError(() => imagesFromIdx(at(-1.0001)), 'E_INVALID_DATA', 'value -1.000')
    await expectWasmganError(() => imagesFromIdx(at(NaN)), 'E_INVALID_DATA', 'value NaN')
    await expectWasmganError(() => imagesFromIdx(at(Infinity)), 'E_INVALID_DATA', 'value Infinity')
  })

  it('rejects other dtypes and ranks', async () => {
    await expectWasmganError(
      () => imagesFromIdx({ dtype: 'i16', shape: [1, 1, 2], data: new Int16Array(2) }),
      'E_INVALID_DATA',
      'u8',
      'f32',
      'got i16',
    )
    await expectWasmganError(
      () => imagesFromIdx({ dtype: 'u8', shape: [4, 784], data: new Uint8Array(4 * 784) }),
      'E_INVALID_DATA',
      '3-D',
      'got shape [4, 784]',
    )
  })

  it('rejects an IdxArray whose data does not fill its shape', async () => {
    await expectWasmganError(
      () => imagesFromIdx({ dtype: 'u8', shape: [2, 2, 2], data: new Uint8Array(7) }),
      'E_INVALID_DATA',
      'needs 8 elements, got 7',
    )
    await expectWasmganError(() => imagesFromIdx(null as unknown as IdxArray), 'E_INVALID_ARGUMENT', 'got null')
  })

  it('attaches labels and counts classes as 1 + max label', () => {
    const ds = imagesFromIdx(u8Images(4, 2, 2), u8Labels([0, 3, 1, 3]))
    expect(ds.labels).toBeInstanceOf(Uint8Array)
    expect(Array.from(ds.labels!)).toEqual([0, 3, 1, 3])
    expect(ds.classes).toBe(4)
  })

  it('widens signed or wide integer labels to Int32Array', () => {
    const ds = imagesFromIdx(u8Images(2, 1, 1), { dtype: 'i16', shape: [2], data: Int16Array.from([300, 2]) })
    expect(ds.labels).toBeInstanceOf(Int32Array)
    expect(ds.classes).toBe(301)
  })

  it('rejects a label count other than the image count, naming both', async () => {
    await expectWasmganError(() => imagesFromIdx(u8Images(3, 2, 2), u8Labels([0, 1])), 'E_INVALID_DATA', '3 images but 2 labels')
    await expectWasmganError(() => imagesFromIdx(u8Images(1, 2, 2), u8Labels([0, 1])), 'E_INVALID_DATA', '1 image but 2 labels')
  })

  it('rejects labels that are not 1-D non-negative integers', async () => {
    const images = u8Images(2, 1, 1)
    await expectWasmganError(
      () => imagesFromIdx(images, { dtype: 'u8', shape: [2, 1], data: new Uint8Array(2) }),
      'E_INVALID_DATA',
      '1-D',
      'got shape [2, 1]',
    )
    await expectWasmganError(
      () => imagesFromIdx(images, { dtype: 'f32', shape: [2], data: new Float32Array(2) }),
      'E_INVALID_DATA',
      'integer dtype',
      'got f32',
    )
    await expectWasmganError(
      () => imagesFromIdx(images, { dtype: 'i8', shape: [2], data: Int8Array.from([0, -1]) }),
      'E_INVALID_DATA',
      'label 1 is -1',
    )
  })
})

describe('loadIdx sources', () => {
  let dir: string
  let imagesPath: string
  let labelsPath: string
  let corruptPath: string
  let server: Server
  let base: string
  const pixels = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 11) % 256)
  const labels = [4, 0, 2, 2, 1]

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasmgan-data-'))
    imagesPath = join(dir, 'images-idx3-ubyte.gz')
    labelsPath = join(dir, 'labels-idx1-ubyte')
    corruptPath = join(dir, 'corrupt-idx1-ubyte')
    await writeFile(imagesPath, await encodeIdx({ dtype: 'u8', shape: [5, 4, 3], data: pixels }, { gzip: true }))
    await writeFile(labelsPath, encodeIdxRaw({ dtype: 'u8', shape: [5], data: labels }))
    await writeFile(corruptPath, encodeIdxRaw({ dtype: 'u8', shape: [5], data: labels }).subarray(0, 11))
    // A local server exercises the real fetch path (status handling, body reading).
    server = createServer((req, res) => {
      if (req.url === '/labels') {
        res.end(encodeIdxRaw({ dtype: 'u8', shape: [5], data: labels }))
      } else {
        res.statusCode = 404
        res.end('not here')
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  })

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const expectLabels = (array: IdxArray) => {
    expect(array.dtype).toBe('u8')
    expect(array.shape).toEqual([5])
    expect(Array.from(array.data)).toEqual(labels)
  }

  it('reads a filesystem path, raw or gzipped', async () => {
    expectLabels(await loadIdx(labelsPath))
    const images = await loadIdx(imagesPath)
    expect(images.shape).toEqual([5, 4, 3])
    expect(images.data).toEqual(pixels)
  })

  it('reads a file: URL, as a string or a URL object', async () => {
    const url = pathToFileURL(labelsPath)
    expectLabels(await loadIdx(url))
    expectLabels(await loadIdx(url.href))
  })

  it('reads bytes, an ArrayBuffer, a Blob and a Response', async () => {
    const file = encodeIdxRaw({ dtype: 'u8', shape: [5], data: labels }) as Uint8Array<ArrayBuffer>
    expectLabels(await loadIdx(file))
    expectLabels(await loadIdx(file.slice().buffer))
    expectLabels(await loadIdx(new Blob([file])))
    expectLabels(await loadIdx(new Response(file)))
  })

  it('reads a data: URL and an http: URL', async () => {
    const file = encodeIdxRaw({ dtype: 'u8', shape: [5], data: labels })
    expectLabels(await loadIdx(`data:application/octet-stream;base64,${btoa(String.fromCharCode(...file))}`))
    expectLabels(await loadIdx(`${base}/labels`))
  })

  it('a missing path is E_IO naming the path and the OS reason', async () => {
    const missing = join(dir, 'nope-idx1-ubyte.gz')
    await expectWasmganError(() => loadIdx(missing), 'E_IO', missing, 'ENOENT')
    await expectWasmganError(() => loadIdx(pathToFileURL(missing)), 'E_IO', 'ENOENT')
  })

  it('an HTTP error status is E_IO with the status', async () => {
    await expectWasmganError(() => loadIdx(`${base}/missing`), 'E_IO', `${base}/missing`, 'HTTP 404')
    await expectWasmganError(() => loadIdx(new Response('x', { status: 500 })), 'E_IO', 'HTTP 500')
  })

  it('an unreachable server is E_IO', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as { port: number }).port
    await new Promise((resolve) => closed.close(resolve))
    await expectWasmganError(() => loadIdx(`http://127.0.0.1:${port}/x`), 'E_IO', 'cannot fetch')
  })

  it('a bad file is E_INVALID_DATA naming the file', async () => {
    await expectWasmganError(() => loadIdx(corruptPath), 'E_INVALID_DATA', corruptPath, 'needs 5 bytes, got 3')
  })

  it('a value that is no source is E_INVALID_ARGUMENT', async () => {
    await expectWasmganError(() => loadIdx(42 as unknown as string), 'E_INVALID_ARGUMENT', 'got 42')
  })

  it('loadImageDataset combines images and labels', async () => {
    const ds = await loadImageDataset({ images: imagesPath, labels: pathToFileURL(labelsPath) })
    expect(ds).toMatchObject({ count: 5, height: 4, width: 3, dim: 12, classes: 5 })
    expect(Array.from(ds.labels!)).toEqual(labels)
    expect(ds.images[1]).toBeCloseTo(pixels[1]! / 127.5 - 1, 6)
  })

  it('loadImageDataset rejects mismatched files', async () => {
    const six = await encodeIdx({ dtype: 'u8', shape: [6], data: [0, 1, 2, 3, 4, 5] })
    await expectWasmganError(() => loadImageDataset({ images: imagesPath, labels: six }), 'E_INVALID_DATA', '5 images but 6 labels')
  })

  it('loadMnist and loadFashionMnist read the four standard files from any directory', async () => {
    const mnistDir = join(dir, 'mnist')
    await mkdir(mnistDir)
    for (const [prefix, count] of [
      ['train', 7],
      ['t10k', 3],
    ] as const) {
      const data = noise(count * 28 * 28, count)
      await writeFile(
        join(mnistDir, `${prefix}-images-idx3-ubyte.gz`),
        await encodeIdx({ dtype: 'u8', shape: [count, 28, 28], data }, { gzip: true }),
      )
      const ys = Array.from({ length: count }, (_, i) => i % 10)
      await writeFile(
        join(mnistDir, `${prefix}-labels-idx1-ubyte.gz`),
        await encodeIdx({ dtype: 'u8', shape: [count], data: ys }, { gzip: true }),
      )
    }
    const train = await loadMnist(mnistDir)
    expect(train).toMatchObject({ count: 7, height: 28, width: 28, dim: 784, classes: 10 })
    expect(train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    const test = await loadMnist(pathToFileURL(mnistDir + '/'), 'test')
    expect(test.count).toBe(3)
    const fashion = await loadFashionMnist(mnistDir + '/', 'test')
    expect(fashion.classNames![9]).toBe('Ankle boot')
  })

  it('missing standard files say how to get them', async () => {
    const empty = join(dir, 'empty')
    await expectWasmganError(
      () => loadFashionMnist(empty),
      'E_IO',
      `not found in ${empty}`,
      'ENOENT',
      'apt-get install -y dataset-fashion-mnist',
    )
    await expectWasmganError(() => loadMnist(empty, 'test'), 'E_IO', 'MNIST test set not found', 't10k-')
  })

  it('an unknown split is E_INVALID_ARGUMENT', async () => {
    await expectWasmganError(() => loadFashionMnist(dir, 'valid' as 'train'), 'E_INVALID_ARGUMENT', `'train' or 'test'`, 'got "valid"')
  })
})

// The real files, installed by scripts/setup.sh (Debian package dataset-fashion-mnist).
describe('Fashion-MNIST from /usr/share/datasets/fashion-mnist', () => {
  let train: ImageDataset

  beforeAll(async () => {
    train = await loadFashionMnist()
  }, 60_000)

  it('train is 60000 × 28 × 28 with 10 named classes', () => {
    expect(train).toMatchObject({ count: 60000, height: 28, width: 28, dim: 784, classes: 10 })
    expect(train.images.length).toBe(60000 * 784)
    expect(train.labels!.length).toBe(60000)
    expect(train.classNames).toEqual([...FASHION_MNIST_CLASSES])
  })

  it('has 6000 training images per class, the first being an ankle boot', () => {
    const perClass = new Array<number>(10).fill(0)
    for (const y of train.labels!) perClass[y]!++
    expect(perClass).toEqual(new Array(10).fill(6000))
    expect(train.labels![0]).toBe(9)
    expect(train.classNames![train.labels![0]!]).toBe('Ankle boot')
  })

  it('has pixels in [-1, 1], with black background and some white', () => {
    let min = Infinity
    let max = -Infinity
    const images = train.images
    for (let i = 0; i < images.length; i++) {
      const x = images[i]!
      if (x < min) min = x
      if (x > max) max = x
    }
    expect(min).toBe(-1)
    expect(max).toBe(1)
    // Corners of Fashion-MNIST images are background (0 → -1).
    expect(train.images[0]).toBe(-1)
  })

  it('test is 10000 images with 1000 per class', async () => {
    const test = await loadFashionMnist(undefined, 'test')
    expect(test).toMatchObject({ count: 10000, height: 28, width: 28, classes: 10 })
    const perClass = new Array<number>(10).fill(0)
    for (const y of test.labels!) perClass[y]!++
    expect(perClass).toEqual(new Array(10).fill(1000))
  })
})
