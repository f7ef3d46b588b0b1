/**
 * `wasmgan info` for checkpoints that hold no GAN: translators (from
 * `train --task`) and classifiers.
 */

import type { LoadedModel } from './checkpoint-file.js'
import { EXIT } from './errors.js'
import { optText } from './info.js'
import { isTranslateRunConfig } from './translate-run.js'
import { checkpointFormatOf, PACKAGE_VERSION } from './version.js'

/** Prints a translator or classifier checkpoint; disposes the model. */
export function describeOtherModel(loaded: Exclude<LoadedModel, { kind: 'gan' }>, json: boolean, print: (line: string) => void): number {
  const { path, bytes, meta } = loaded
  const format = checkpointFormatOf(bytes)
  const rows: [string, string][] = [
    ['checkpoint', `${path} (${bytes.length.toLocaleString('en-US')} bytes, format version ${format}; wasmgan ${PACKAGE_VERSION})`],
  ]
  if (loaded.kind === 'translator') {
    const t = loaded.model
    const c = t.config
    const m = t.metrics
    t.dispose()
    if (json) {
      print(
        JSON.stringify(
          { path, kind: 'translator', bytes: bytes.length, format, step: m.step, epoch: m.epoch, config: c, meta: meta ?? null },
          null,
          2,
        ),
      )
      return EXIT.ok
    }
    const dim = c.width * c.height
    rows.push([
      'kind',
      `translator (pix2pix-style image-to-image), task ${c.task}${c.task === 'inpaint' ? ` (mask ${c.mask}×${c.mask})` : ''}`,
    ])
    rows.push(['step', `${m.step} (epoch ${m.epoch})`])
    rows.push([
      'generator',
      `${dim}${c.noise ? ` + ${c.noise} noise` : ''} → ${c.generator.join(' → ')} → ${dim} (${c.height}×${c.width}${c.residual ? ', residual on the source' : ''})`,
    ])
    rows.push(['discriminator', `${2 * dim} (source, image) → ${c.discriminator.join(' → ')} → 1`])
    rows.push([
      'loss',
      c.adversarialWeight === 0 ? `L1 alone (λ ${c.l1Weight})` : `adversarial × ${c.adversarialWeight} + ${c.l1Weight} × L1`,
    ])
    rows.push(['optimizers', `G ${optText(c.generatorOptimizer)}; D ${optText(c.discriminatorOptimizer)}`])
    rows.push(['seed', String(c.seed)])
    if (isTranslateRunConfig(meta)) {
      const d = meta.data
      rows.push(['data', `${d.description}: ${d.count} training pairs, ${d.heldOut} held out; sha256 ${d.digest.slice(0, 16)}…`])
      rows.push(['run', `batch ${meta.run.batch}, snapshot every ${meta.run.every} steps`])
      rows.push(['created with', `wasmgan ${meta.createdWith.wasmgan}, checkpoint format ${meta.createdWith.checkpointFormat}`])
    } else rows.push(['meta', meta === undefined ? 'none' : JSON.stringify(meta)])
  } else {
    const k = loaded.model
    const c = k.config
    const step = k.step
    k.dispose()
    if (json) {
      print(JSON.stringify({ path, kind: 'classifier', bytes: bytes.length, format, step, config: c, meta: meta ?? null }, null, 2))
      return EXIT.ok
    }
    rows.push(['kind', `classifier (MLP), ${c.classes} classes${c.classNames.length ? ` (${c.classNames.join(', ')})` : ''}`])
    rows.push(['step', String(step)])
    rows.push(['network', `${c.dataDim} → ${c.hidden.join(' → ')} → ${c.classes}, LeakyReLU ${c.leakySlope}`])
    rows.push(['meta', meta === undefined ? 'none' : JSON.stringify(meta)])
  }
  const w = Math.max(...rows.map(([key]) => key.length))
  for (const [key, v] of rows) print(`${key.padEnd(w)}  ${v}`)
  return EXIT.ok
}
