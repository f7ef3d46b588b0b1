/**
 * Names and defaults the argument parser needs. They live apart from the
 * commands so that parsing (and failing on a bad flag, or printing --help)
 * loads only commander: the commands, the library and the image encoders are
 * imported when a command runs.
 */

/** The `--dataset` values. */
export const DATASET_IDS = ['fashion-mnist', 'mnist'] as const
/** A dataset known by name. */
export type DatasetId = (typeof DATASET_IDS)[number]

/** Output formats of `sample`. */
export const SAMPLE_FORMATS = ['png', 'idx', 'npy'] as const
export type SampleFormat = (typeof SAMPLE_FORMATS)[number]

/** The `--loss` values (GanConfig.loss). */
export const LOSSES = ['bce', 'hinge', 'least-squares'] as const

/** The time budget of `train` when no stop flag is given: about a minute. */
export const DEFAULT_SECONDS = 60

/** The `--conditioning` values (GanConfig.conditioning). */
export const CONDITIONINGS = ['acgan', 'projection', 'concat'] as const

/** The `--task` values of `train` (TranslatorConfig.task). */
export const TASKS = ['edges', 'inpaint', 'upscale', 'pairs'] as const
export type TaskName = (typeof TASKS)[number]
