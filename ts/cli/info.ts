/**
 * `wasmgan info`: what a checkpoint holds, readable by a person (or as JSON
 * with `--json`): the model, its training progress, the data it was trained
 * on, and the versions that wrote it.
 */

import { loadModelCheckpoint } from './checkpoint-file.js'
import { describeOtherModel } from './info-kinds.js'
import { EXIT } from './errors.js'
import { describeStop, isRunConfig } from './run-config.js'
import { CHECKPOINT_FORMAT, checkpointFormatOf, OLDEST_CHECKPOINT_FORMAT, PACKAGE_VERSION } from './version.js'

/** Runs `wasmgan info`; resolves to the exit code. */
export async function runInfo(path: string, json: boolean, print: (line: string) => void): Promise<number> {
  const loaded = loadModelCheckpoint(path)
  if (loaded.kind !== 'gan') return describeOtherModel(loaded, json, print)
  const { model: gan, meta, bytes } = loaded
  const m = gan.metrics
  const c = gan.config
  const format = checkpointFormatOf(bytes)
  gan.dispose()
  if (json) {
    print(JSON.stringify({ path, bytes: bytes.length, format, step: m.step, epoch: m.epoch, config: c, meta: meta ?? null }, null, 2))
    return EXIT.ok
  }
  const rows: [string, string][] = [
    [
      'checkpoint',
      `${path} (${bytes.length.toLocaleString('en-US')} bytes, format version ${format}; this wasmgan ${PACKAGE_VERSION} reads ${OLDEST_CHECKPOINT_FORMAT} to ${CHECKPOINT_FORMAT})`,
    ],
    // Losses are not stored in a checkpoint (a run's are in its metrics.jsonl): only the counts.
    ['step', `${m.step} (epoch ${m.epoch})`],
    [
      'generator',
      `${c.latent}${c.classes > 0 ? ` + ${c.classes} (one-hot class)` : ''} → ${c.generator.join(' → ')} → ${c.dataDim} (${c.generatorOutput}), LeakyReLU ${c.leakySlope}, z ${c.latentDistribution}`,
    ],
    ['discriminator', discriminatorText(c)],
    ['optimizers', `G ${optText(c.generatorOptimizer)}; D ${optText(c.discriminatorOptimizer)}`],
    [
      'training',
      `${c.loss} loss, seed ${c.seed}, ${c.dSteps} D step(s) per G step, label smoothing ${c.labelSmoothing}, EMA ${c.emaDecay > 0 ? `decay ${c.emaDecay}` : 'off'}`,
    ],
  ]
  if (c.classes > 0) {
    rows.push([
      'conditional',
      `${c.classes} classes${c.classNames.length ? ` (${c.classNames.join(', ')})` : ''}, conditioning ${c.conditioning}${c.conditioning === 'acgan' ? `, auxiliary loss weight ${c.auxWeight}` : ''}`,
    ])
  }
  if (isRunConfig(meta)) {
    const d = meta.dataset
    const ref = d.ref.name === 'custom' ? `${d.ref.images} in ${d.ref.dir}` : d.ref.name
    rows.push([
      'dataset',
      `${ref}: ${d.count} images of ${d.width}×${d.height}${d.classNames ? `, classes ${d.classNames.join(', ')}` : ''}`,
    ])
    rows.push(['data digest', `sha256 ${d.digest}`])
    rows.push([
      'run',
      `batch ${meta.run.batch}, stop after ${describeStop(meta.run.stop)}, snapshot every ${meta.run.every} steps${meta.run.limit !== undefined ? `, first ${meta.run.limit} images` : ''}`,
    ])
    rows.push(['created with', `wasmgan ${meta.createdWith.wasmgan}, checkpoint format ${meta.createdWith.checkpointFormat}`])
  } else if (meta !== undefined) {
    rows.push(['meta', JSON.stringify(meta)])
  } else {
    rows.push(['meta', 'none (saved without run metadata)'])
  }
  const w = Math.max(...rows.map(([k]) => k.length))
  for (const [k, v] of rows) print(`${k.padEnd(w)}  ${v}`)
  return EXIT.ok
}

/** D's shape: what it reads and what it outputs, by conditioning. */
function discriminatorText(c: { dataDim: number; discriminator: number[]; classes: number; conditioning: string }): string {
  const hidden = c.discriminator.join(' → ')
  if (c.classes === 0) return `${c.dataDim} → ${hidden} → 1`
  if (c.conditioning === 'concat') return `${c.dataDim} + ${c.classes} (one-hot class) → ${hidden} → 1`
  if (c.conditioning === 'acgan') return `${c.dataDim} → ${hidden} → 1 (real/fake) + ${c.classes} (class logits, the auxiliary classifier)`
  return `${c.dataDim} → ${hidden} → 1 + ${c.classes}; logit for class y = o₀ + o₍₁₊y₎ (projection: a class embedding on the last features)`
}

export function optText(o: { type: string; lr: number; beta1: number; beta2: number; eps: number }): string {
  return o.type === 'adam' ? `adam lr ${o.lr} β1 ${o.beta1} β2 ${o.beta2} ε ${o.eps}` : `sgd lr ${o.lr}`
}
