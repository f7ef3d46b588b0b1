/**
 * The datasets `--dataset` knows by name: where a system package puts them,
 * where they are downloaded from, and the checksum each downloaded file must
 * have. The CLI trains on the training split only, so only those two files
 * are fetched; the test-split sums are listed for completeness.
 */

import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, MNIST_CLASSES, MNIST_DIR } from '../data.js'
import type { DatasetId } from './constants.js'

/** One file of a dataset and its published checksum. */
export interface DatasetFile {
  name: string
  /** MD5 of the file exactly as served (the compressed `.gz`), as its publisher lists it. */
  md5: string
}

/** A dataset known by name. */
export interface KnownDataset {
  /** The `--dataset` value. */
  id: DatasetId
  /** Human-readable name. */
  title: string
  /** Where a Debian package installs the files (checked first). */
  systemDir: string
  /** How to get it from the system's package manager, when there is a package. */
  systemPackage?: string
  /** Base URLs tried in order; a file's URL is base + file name. */
  mirrors: string[]
  /** The training images and labels (fetched when missing). */
  train: { images: DatasetFile; labels: DatasetFile }
  /** The test split, listed for completeness (never fetched by the CLI). */
  test: { images: DatasetFile; labels: DatasetFile }
  classNames: readonly string[]
}

/**
 * Fashion-MNIST. URLs and MD5 sums from the table "Get the Data" in the
 * project's README (github.com/zalandoresearch/fashion-mnist, also shipped by
 * Debian as /usr/share/doc/dataset-fashion-mnist/README.md.gz). Debian's own
 * copies are recompressed, so their .gz bytes (not their contents) differ
 * from these sums; the system copy is trusted as installed and not checked.
 */
const FASHION_MNIST: KnownDataset = {
  id: 'fashion-mnist',
  title: 'Fashion-MNIST',
  systemDir: FASHION_MNIST_DIR,
  systemPackage: 'dataset-fashion-mnist',
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
  train: {
    images: { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
    labels: { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
    labels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
  },
  classNames: FASHION_MNIST_CLASSES,
}

/**
 * MNIST. The original site (yann.lecun.com/exdb/mnist/) publishes no sums
 * and often refuses downloads, so the mirror that torchvision uses comes
 * second; the MD5 sums are the ones torchvision's `MNIST.resources` lists
 * (torchvision/datasets/mnist.py), which both hosts' files match.
 */
const MNIST: KnownDataset = {
  id: 'mnist',
  title: 'MNIST',
  systemDir: MNIST_DIR,
  mirrors: ['http://yann.lecun.com/exdb/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/'],
  train: {
    images: { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
    labels: { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
    labels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
  },
  classNames: MNIST_CLASSES,
}

/** Every dataset known by name, by `--dataset` value. */
export const KNOWN_DATASETS: Readonly<Record<DatasetId, KnownDataset>> = Object.freeze({
  'fashion-mnist': FASHION_MNIST,
  mnist: MNIST,
})
