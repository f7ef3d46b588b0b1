/**
 * `wasmgan eval --model CKPT`: the quality score of a checkpoint — the
 * Fréchet distance to real held-out images in the feature space of the
 * library's classifier (cached per dataset), mode coverage, and for a
 * conditional model its class accuracy.
 *
 * The dataset is the one recorded in the checkpoint by `wasmgan train`, else
 * `--dataset` / `--data`. Held-out images are the dataset's test split when
 * its files are beside the training files, else the last 2000 training rows
 * (which the classifier then does not see).
 */

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadImageDataset, type ImageDataset } from '../data.js'
import { evaluate, type QualityScore } from '../evaluate.js'
import { loadCheckpoint } from './checkpoint-file.js'
import { scoreClassifier } from './classifier-cache.js'
import { KNOWN_DATASETS } from './datasets.js'
import { CliError, EXIT } from './errors.js'
import { loadTrainingData, type DataRequest } from './resolve-dataset.js'
import { isRunConfig } from './run-config.js'

/** Options of `wasmgan eval`. */
export interface EvalFlags extends DataRequest {
  samples?: number
  json?: boolean
}

/** Rows `[from, to)` of a dataset as a new dataset. */
export function rows(d: ImageDataset, from: number, to: number): ImageDataset {
  return {
    ...d,
    count: to - from,
    images: d.images.subarray(from * d.dim, to * d.dim),
    ...(d.labels ? { labels: d.labels.subarray(from, to) } : {}),
  }
}

/** One line of a score, for the terminal and the training report. */
export function formatScore(s: QualityScore): string {
  const acc = s.classAccuracy === undefined ? '' : `, class accuracy ${(s.classAccuracy * 100).toFixed(1)}%`
  return `FD ${s.fd.toFixed(2)} (lower is better), classes covered ${s.coverage.covered}/${s.coverage.histogram.length}, evenness ${s.coverage.evenness.toFixed(2)}${acc} over ${s.samples} samples`
}

/** Train and held-out splits for scoring. */
export async function scoringData(req: DataRequest, log: (line: string) => void): Promise<{ train: ImageDataset; heldOut: ImageDataset }> {
  const loaded = await loadTrainingData({ ...req, limit: undefined }, log)
  const ds = req.dataDir === undefined ? KNOWN_DATASETS[req.dataset ?? 'fashion-mnist'] : undefined
  if (ds && existsSync(join(loaded.dir, ds.test.images.name)) && existsSync(join(loaded.dir, ds.test.labels.name))) {
    const test = await loadImageDataset({ images: join(loaded.dir, ds.test.images.name), labels: join(loaded.dir, ds.test.labels.name) })
    return { train: loaded.data, heldOut: { ...test, classNames: loaded.data.classNames } }
  }
  const n = loaded.data.count
  const held = Math.min(2000, Math.floor(n / 5))
  return { train: rows(loaded.data, 0, n - held), heldOut: rows(loaded.data, n - held, n) }
}

/** Runs `wasmgan eval`; resolves to the exit code. */
export async function runEval(path: string, flags: EvalFlags, print: (line: string) => void, log: (line: string) => void): Promise<number> {
  const { gan, meta } = loadCheckpoint(path, '`wasmgan eval`')
  try {
    let req: DataRequest = { dataset: flags.dataset, dataDir: flags.dataDir }
    if (flags.dataset === undefined && flags.dataDir === undefined && isRunConfig(meta)) {
      const ref = meta.dataset.ref
      req = ref.name === 'custom' ? { dataDir: ref.dir } : { dataset: ref.name }
    }
    const { train, heldOut } = await scoringData(req, log)
    if (!train.labels) throw new CliError(EXIT.data, 'the quality score needs labelled data: its classifier learns the classes')
    if (train.dim !== gan.config.dataDim) {
      throw new CliError(EXIT.data, `the data has ${train.dim} values per image but the model makes ${gan.config.dataDim}`)
    }
    const { classifier } = await scoreClassifier(train, { log })
    const samples = Math.min(flags.samples ?? 2000, heldOut.count)
    const score = evaluate(gan, { classifier, real: heldOut, samples, seed: 0 })
    const accuracy = classifier.accuracy(heldOut)
    if (flags.json) print(JSON.stringify({ path, step: gan.metrics.step, score, classifierAccuracy: accuracy }, null, 2))
    else {
      print(`${path} at step ${gan.metrics.step}: ${formatScore(score)}`)
      print(`(the score's classifier classifies ${(accuracy * 100).toFixed(1)}% of the held-out images correctly)`)
    }
    classifier.dispose()
    return EXIT.ok
  } finally {
    gan.dispose()
  }
}
