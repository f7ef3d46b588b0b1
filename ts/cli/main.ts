/**
 * The `wasmgan` command: argument parsing (commander) and the exit-code
 * contract. Each subcommand lives in its own file; this one only declares
 * the flags, turns their text into checked values, and maps every failure to
 * one line on stderr and its exit code (see errors.ts).
 */

import { Command, CommanderError, Option } from 'commander'
import { CONDITIONINGS, DATASET_IDS, DEFAULT_SECONDS, LOSSES, SAMPLE_FORMATS, TASKS } from './constants.js'
import { CliError, EXIT, toCliError, usage } from './errors.js'
import { flag, parseChoice, parseInteger, parseReal, parseWidths } from './options.js'
import type { TrainFlags } from './train.js'
import type { TranslateTrainFlags } from './translate-flags.js'
import { PACKAGE_VERSION } from './version.js'

/** Loads the wasm module (and with it the library) only when a command runs. */
async function start(): Promise<{ simd: boolean }> {
  const { init } = await import('../load.js')
  return init()
}

/** Whether a checkpoint file holds a translator (so `--resume` continues a translation run). */
async function isTranslatorCheckpoint(path: string): Promise<boolean> {
  const { checkpointKindOf } = await import('./checkpoint-file.js')
  return checkpointKindOf(path) === 'translator'
}

const log = (line: string) => process.stderr.write(line + '\n')
const print = (line: string) => process.stdout.write(line + '\n')

const int = (min: number, max?: number) => (name: string, text: string) => parseInteger(name, text, min, max)
const positive = (name: string, text: string) => parseReal(name, text, 0, Infinity, { minExclusive: true })
const unitOpen = (name: string, text: string) => parseReal(name, text, 0, 1, { maxExclusive: true })

const EXIT_HELP = `
Exit codes:
  0    done                       3    dataset missing, unreadable or invalid
  1    internal error             4    output folder or file cannot be used
  2    bad command line           5    checkpoint missing, damaged or of another version
  130  stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM: checkpoint and report saved; continue with --resume
`

/** Builds the program; `done` receives the exit code of the command that ran. */
export function buildProgram(done: (code: number) => void): Command {
  const program = new Command('wasmgan')
    .description('Train GANs with a WebAssembly SIMD core; sample, walk the latent space, inspect checkpoints.')
    .version(PACKAGE_VERSION, '-V, --version')
    .exitOverride()
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`wasmgan: ${s}`),
    })
    .addHelpText('after', EXIT_HELP)

  program
    .command('train')
    .description('train a GAN and keep a run folder: samples over time, metrics, curves, checkpoint, index.html report')
    .addOption(
      new Option('--dataset <name>', `a dataset by name: ${DATASET_IDS.join(' | ')} (default fashion-mnist)`).argParser(
        flag('--dataset', (n, t) => parseChoice(n, t, DATASET_IDS)),
      ),
    )
    .option('--data <dir>', 'train on the IDX image file (and label file) in this folder instead')
    .option('--limit <n>', 'use only the first n images', flag('--limit', int(1)))
    .option('--epochs <n>', 'stop after n passes over the data', flag('--epochs', int(1, 1e6)))
    .option('--steps <n>', 'stop after n training steps (in all, counting steps before a resume)', flag('--steps', int(1)))
    .option('--seconds <s>', `stop after s seconds of training (default ${DEFAULT_SECONDS})`, flag('--seconds', positive))
    .option('--batch <n>', 'images per batch (default 64)', flag('--batch', int(1, 1 << 16)))
    .option('--seed <n>', 'seed of weights, noise, shuffling and the snapshot grid (default 0)', flag('--seed', int(0)))
    .option('--lr <x>', 'learning rate of both optimizers (default 0.0002)', flag('--lr', positive))
    .option('--g-lr <x>', 'learning rate of the generator (overrides --lr)', flag('--g-lr', positive))
    .option('--d-lr <x>', 'learning rate of the discriminator (overrides --lr)', flag('--d-lr', positive))
    .option('--beta1 <x>', 'Adam β1 of both optimizers (default 0.5)', flag('--beta1', unitOpen))
    .option('--beta2 <x>', 'Adam β2 of both optimizers (default 0.999)', flag('--beta2', unitOpen))
    .option('--latent <n>', 'size of the latent vector z (default 100)', flag('--latent', int(1, 1 << 20)))
    .option('--g-hidden <widths>', 'hidden layer widths of the generator (default 128,128)', flag('--g-hidden', parseWidths))
    .option('--d-hidden <widths>', 'hidden layer widths of the discriminator (default 128,128)', flag('--d-hidden', parseWidths))
    .option('--d-steps <n>', 'discriminator updates per generator update (default 1)', flag('--d-steps', int(1, 100)))
    .option(
      '--label-smoothing <x>',
      'one-sided label smoothing in [0, 0.5) (default 0)',
      flag('--label-smoothing', (n, t) => parseReal(n, t, 0, 0.5, { maxExclusive: true })),
    )
    .addOption(
      new Option('--loss <name>', 'adversarial loss: hinge | bce | least-squares (default hinge)').argParser(
        flag('--loss', (n, t) => parseChoice(n, t, LOSSES)),
      ),
    )
    .option(
      '--ema-decay <x>',
      "decay of a moving average of G's weights that sampling uses, in [0, 1); 0 = off (default 0.99)",
      flag('--ema-decay', unitOpen),
    )
    .option('--every <n>', 'steps between snapshots (default: 50 per run, or every 200 steps with --seconds)', flag('--every', int(1)))
    .option('--out <dir>', "the run folder (default runs/<dataset>-<date>-<time>; with --resume, the checkpoint's folder)")
    .option('--resume <checkpoint>', 'continue the run saved in this checkpoint, bit for bit')
    .option('--conditional', "train a conditional GAN on the dataset's labels (class grids and class accuracy in the report)")
    .addOption(
      new Option(
        '--conditioning <how>',
        `with --conditional: how D reads the label: ${CONDITIONINGS.join(' | ')} (default acgan)`,
      ).argParser(flag('--conditioning', (n, t) => parseChoice(n, t, CONDITIONINGS))),
    )
    .addOption(
      new Option('--task <task>', `train an image-to-image translator instead: ${TASKS.join(' | ')}`).argParser(
        flag('--task', (n, t) => parseChoice(n, t, TASKS)),
      ),
    )
    .option('--source <file>', '--task pairs: the IDX file of source images')
    .option('--target <file>', '--task pairs: the IDX file of target images (same count and size)')
    .option('--no-l1-baseline', '--task: skip training the L1-only baseline after the run')
    .option('--no-score', 'skip the quality score (FD, classes covered) at every snapshot')
    .addHelpText(
      'after',
      '\nExamples:\n  wasmgan train --seconds 60 --out runs/first\n  wasmgan train --dataset mnist --epochs 5\n  wasmgan train --resume runs/first/checkpoint.wgan --seconds 120' +
        '\n  wasmgan train --conditional --seconds 120 --out runs/cgan\n  wasmgan train --task edges --seconds 120 --out runs/edges' +
        '\n  wasmgan train --task pairs --source sketches-idx3-ubyte.gz --target items-idx3-ubyte.gz' +
        EXIT_HELP,
    )
    .action(async (opts: TrainFlags & TranslateTrainFlags) => {
      if (opts.dataset !== undefined && opts.data !== undefined) usage('give --dataset or --data, not both')
      if (opts.conditioning !== undefined && !opts.conditional) usage('--conditioning needs --conditional')
      if (opts.conditional && opts.task !== undefined) usage('give --conditional or --task, not both')
      const { checkTranslateFlags } = await import('./translate-flags.js')
      checkTranslateFlags(opts as TranslateTrainFlags & Record<string, unknown>)
      const { simd } = await start()
      if (opts.task !== undefined || (opts.resume !== undefined && (await isTranslatorCheckpoint(opts.resume)))) {
        const { runTrainTranslator } = await import('./train-translate.js')
        done(await runTrainTranslator(opts, { simd, log, print }))
        return
      }
      const { runTrain } = await import('./train.js')
      done(await runTrain(opts, { simd, log, print }))
    })

  program
    .command('sample')
    .description('generate images from a checkpoint: a PNG grid, an IDX file (u8) or a .npy file (float32)')
    .requiredOption('--model <checkpoint>', 'the checkpoint to sample from')
    .requiredOption('--out <file>', 'where to write (.png, .idx / -ubyte / .gz, .npy)')
    .option('--n <count>', 'how many images (default 64; with --class all, 10 per class)', flag('--n', int(1, 1 << 20)))
    .addOption(
      new Option('--format <format>', 'png | idx | npy (default: from the --out name)').argParser(
        flag('--format', (n, t) => parseChoice(n, t, SAMPLE_FORMATS)),
      ),
    )
    .option('--seed <n>', 'seed of the latent vectors (default 0)', flag('--seed', int(0)), 0)
    .option('--columns <n>', 'columns of a PNG grid (default ⌈√n⌉; with --class all, n / classes)', flag('--columns', int(1)))
    .option('--class <k>', 'conditional models: class id K (or its name), or all: every class in equal shares (class by class)')
    .option('--labels-out <file>', 'with --format idx: also write the requested classes as an IDX1 label file')
    .option('--force', 'replace --out (and --labels-out) if it exists')
    .addHelpText('after', EXIT_HELP)
    .action(async (opts) => {
      await start()
      const { runSample } = await import('./sample.js')
      done(await runSample(opts, print))
    })

  program
    .command('interpolate')
    .description('walk the latent space between seeded points: a PNG grid (one walk per row) or an animated GIF')
    .requiredOption('--model <checkpoint>', 'the checkpoint to use')
    .requiredOption('--out <file>', 'walk.png or walk.gif')
    .option('--n <count>', 'walks: rows of the PNG (default 8), tiles of the GIF (default 16)', flag('--n', int(1, 4096)))
    .option('--frames <n>', 'PNG: images per walk (default 10); GIF: frames between keyframes (default 16)', flag('--frames', int(1, 1000)))
    .option('--points <n>', 'GIF: keyframes each walk loops through (default 4)', flag('--points', int(2, 100)))
    .option('--seed <n>', 'seed of the keyframes (default 0)', flag('--seed', int(0)), 0)
    .option('--scale <n>', 'GIF: pixel enlargement (default 2)', flag('--scale', int(1, 16)))
    .option('--delay <ms>', 'GIF: time per frame in ms (default 80)', flag('--delay', int(10, 10000)), 80)
    .option('--force', 'replace --out if it exists')
    .addHelpText('after', EXIT_HELP)
    .action(async (opts) => {
      await start()
      const { runInterpolate } = await import('./interpolate.js')
      done(await runInterpolate(opts, print))
    })

  program
    .command('translate')
    .description('translate images with a translator checkpoint (from `train --task`): IDX in; PNG grid, IDX or .npy out')
    .requiredOption('--model <checkpoint>', 'the translator checkpoint')
    .requiredOption('--in <file>', 'the IDX file of source images')
    .requiredOption('--out <file>', 'where to write (.png, .idx / -ubyte / .gz, .npy)')
    .addOption(
      new Option('--format <format>', 'png | idx | npy (default: from the --out name)').argParser(
        flag('--format', (n, t) => parseChoice(n, t, SAMPLE_FORMATS)),
      ),
    )
    .option('--derive', "--in holds plain images: derive the sources with the model's task (edges, inpaint, upscale) first")
    .option('--limit <n>', 'translate only the first n images', flag('--limit', int(1)))
    .option('--seed <n>', 'seed of the noise inputs and inpainting squares (default 0)', flag('--seed', int(0)), 0)
    .option('--columns <n>', 'columns of a PNG grid (default ⌈√n⌉)', flag('--columns', int(1)))
    .option('--force', 'replace --out if it exists')
    .addHelpText(
      'after',
      '\nExample:\n  wasmgan translate --model runs/edges/checkpoint.wgan --in edges-idx3-ubyte.gz --out out.png\n' + EXIT_HELP,
    )
    .action(async (opts) => {
      await start()
      const { runTranslate } = await import('./translate.js')
      done(await runTranslate(opts, print))
    })

  program
    .command('eval')
    .description("score a checkpoint's samples: Fréchet distance to held-out images in a classifier's feature space, class coverage")
    .requiredOption('--model <checkpoint>', 'the checkpoint to score')
    .addOption(
      new Option(
        '--dataset <name>',
        `the dataset to compare with: ${DATASET_IDS.join(' | ')} (default: the one it was trained on)`,
      ).argParser(flag('--dataset', (n, t) => parseChoice(n, t, DATASET_IDS))),
    )
    .option('--data <dir>', 'compare with the IDX image and label files in this folder instead')
    .option('--samples <n>', 'images to generate and compare (default 2000)', flag('--samples', int(2, 1 << 20)))
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_HELP)
    .action(async (opts: { model: string; dataset?: 'fashion-mnist' | 'mnist'; data?: string; samples?: number; json?: boolean }) => {
      await start()
      const { runEval } = await import('./eval.js')
      done(await runEval(opts.model, { dataset: opts.dataset, dataDir: opts.data, samples: opts.samples, json: opts.json }, print, log))
    })

  program
    .command('info')
    .description('show what a checkpoint holds: config, step, dataset, versions')
    .argument('<checkpoint>', 'the checkpoint file')
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_HELP)
    .action(async (path: string, opts: { json?: boolean }) => {
      await start()
      const { runInfo } = await import('./info.js')
      done(await runInfo(path, !!opts.json, print))
    })

  return program
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok
  try {
    const program = buildProgram((c) => (code = c))
    if (argv.length <= 2) {
      program.outputHelp({ error: true })
      return EXIT.usage
    }
    await program.parseAsync(argv)
    return code
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed its message (or the help) already.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage
    }
    const e = err instanceof CliError ? err : toCliError(err)
    process.stderr.write(`wasmgan: error: ${e.message}\n${e.details.map((d) => `  ${d}\n`).join('')}`)
    return e.exitCode
  }
}
