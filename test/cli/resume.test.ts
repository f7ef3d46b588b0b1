/**
 * Interruptions: SIGINT (Ctrl-C) or SIGTERM during `wasmgan train` finishes
 * the step, saves checkpoint, state and report, and exits 130 / 143; then
 * `--resume` ends with the same checkpoint bytes, and the same metrics
 * (except wall time), as a run that was never interrupted.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJsonLines, runCli, startCli, waitForLine, writeFashionSubset } from './helpers.js'

let tmp: string
let data: string

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmgan-cli-resume-'))
  data = join(tmp, 'data')
  await writeFashionSubset(data, 512)
})

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

// Long enough that a signal sent after the first snapshot lands mid-run.
const STEPS = 600
const args = (out: string) => [
  'train',
  '--data',
  data,
  '--steps',
  String(STEPS),
  '--every',
  '100',
  '--batch',
  '16',
  '--seed',
  '5',
  '--out',
  out,
]
const withoutTime = (lines: Record<string, number>[]) => lines.map(({ seconds, imagesPerSecond, scoreSeconds, ...rest }) => rest)

describe('an interrupted run', () => {
  it('SIGINT saves and exits 130; --resume ends byte-identical to an uninterrupted run', async () => {
    const whole = join(tmp, 'whole')
    const cut = join(tmp, 'cut')
    const uninterrupted = runCli(args(whole))

    const { child, done } = startCli(args(cut))
    await waitForLine(child, /^step 100\/600 /)
    // The line is printed as a snapshot ends; a moment later the run is between snapshots,
    // so the interval sums must be carried over too (training-loop.test.ts checks that deterministically).
    await new Promise((r) => setTimeout(r, 250))
    child.kill('SIGINT')
    const stopped = await done
    expect(stopped.code).toBe(130)
    expect(stopped.stderr).toContain('SIGINT: stopping after this step')
    expect(stopped.stdout).toContain(`resume: wasmgan train --resume ${join(cut, 'checkpoint.wgan')}`)
    const state = JSON.parse(readFileSync(join(cut, 'state.json'), 'utf8'))
    expect(state).toMatchObject({ status: 'interrupted', signal: 'SIGINT' })
    expect(state.step).toBeGreaterThanOrEqual(100)
    expect(state.step).toBeLessThan(STEPS)
    expect(state.acc.from + state.acc.n).toBe(state.step)
    expect(readFileSync(join(cut, 'index.html'), 'utf8')).toContain(`Interrupted by SIGINT at step ${state.step.toLocaleString('en-US')}`)
    const info = await runCli(['info', join(cut, 'checkpoint.wgan')])
    expect(info.stdout).toMatch(new RegExp(`step +${state.step} `))

    const resumed = await runCli(['train', '--resume', join(cut, 'checkpoint.wgan')])
    expect(resumed.stderr).toContain(`resuming at step ${state.step}`)
    expect(resumed.code).toBe(0)
    const ref = await uninterrupted
    expect(ref.code).toBe(0)

    const a = readFileSync(join(cut, 'checkpoint.wgan'))
    const b = readFileSync(join(whole, 'checkpoint.wgan'))
    expect(a.length).toBe(b.length)
    expect(a.equals(b)).toBe(true)
    expect(withoutTime(readJsonLines(join(cut, 'metrics.jsonl')))).toEqual(withoutTime(readJsonLines(join(whole, 'metrics.jsonl'))))
    for (const step of [100, 200, 300, 400, 500, 600]) {
      const name = `samples/step-${String(step).padStart(7, '0')}.png`
      expect(readFileSync(join(cut, name)).equals(readFileSync(join(whole, name))), name).toBe(true)
    }
    expect(readFileSync(join(cut, 'index.html'), 'utf8')).toContain('Finished: 600 steps.')
  })

  it('SIGTERM saves and exits 143, and the saved run can be resumed', async () => {
    const out = join(tmp, 'term')
    const { child, done } = startCli(args(out))
    await waitForLine(child, /^step 100\/600 /)
    child.kill('SIGTERM')
    const stopped = await done
    expect(stopped.code).toBe(143)
    const state = JSON.parse(readFileSync(join(out, 'state.json'), 'utf8'))
    expect(state).toMatchObject({ status: 'interrupted', signal: 'SIGTERM' })
    // A resumed run may also move its target: --steps counts from the start of the run.
    const more = await runCli(['train', '--resume', join(out, 'checkpoint.wgan'), '--steps', String(state.step + 20), '--every', '10'])
    expect(more.code).toBe(0)
    expect(more.stdout).toContain(`trained 20 steps (step ${state.step + 20},`)
    // A flag that would change the training itself is refused: the checkpoint fixes the config.
    const changed = await runCli(['train', '--resume', join(out, 'checkpoint.wgan'), '--lr', '0.001'])
    expect(changed.code).toBe(2)
    expect(changed.stderr).toMatch(
      /^wasmgan: error: flags differ from the checkpoint's config \(model\.generatorOptimizer\.lr, model\.discriminatorOptimizer\.lr\)/,
    )
  })
})
