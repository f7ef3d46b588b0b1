/**
 * The typed list of everything the wasm module exports: the one place where
 * the C ABI of `crates/wasm` is written down on the TypeScript side.
 *
 * Conventions (mirrored in `crates/wasm/src/lib.rs`):
 * - Only i32/u32/f32/f64 cross. Bulk data crosses as (ptr, len) into memory
 *   the module owns; `len` is in elements unless the name says bytes.
 * - Functions that create an object return a positive handle, or a negative
 *   status code on failure. Other fallible functions return a status code
 *   (0 = ok). After a failure `wg_error_ptr/len` hold a UTF-8 message.
 * - Variable-sized results (checkpoint bytes, samples, configs) are left in a
 *   module-owned result buffer (`wg_result_ptr/len`, in bytes) that stays valid
 *   until the next call; TypeScript copies it out at once.
 * - `scripts/check-wasm.mjs` asserts the module's export list equals
 *   {@link EXPORT_NAMES}, so this file and the Rust side cannot drift.
 */

/** A byte offset into the module's linear memory. */
export type Ptr = number
/** A positive id of an object owned by the module (a model or a dataset). */
export type Handle = number
/** 0 on success, otherwise one of {@link Status}. */
export type StatusCode = number

/** Status codes returned by fallible exports (negated when a handle was expected). */
export const Status = {
  Ok: 0,
  InvalidArgument: 1,
  InvalidHandle: 2,
  CorruptCheckpoint: 3,
  UnsupportedVersion: 4,
  OutOfMemory: 5,
  Internal: 6,
} as const

/**
 * The ABI version the TypeScript side was written against; `wg_abi_version()` must equal it.
 * 2: `gan_sample` takes labels; translator (`tr_*`), classifier (`clf_*`) and task exports.
 */
export const ABI_VERSION = 2

/** Operand layouts of `kernel_matmul`. */
export const MatmulOp = {
  /** C[m×n] = A[m×k] · B[k×n] */
  NN: 0,
  /** C[m×n] = A[m×k] · B[n×k]ᵀ */
  NT: 1,
  /** C[m×n] = A[k×m]ᵀ · B[k×n] */
  TN: 2,
} as const

/** Activation ids shared by the kernels and the config record. */
export const ActivationId = {
  linear: 0,
  relu: 1,
  leakyRelu: 2,
  tanh: 3,
  sigmoid: 4,
} as const

/** Length (in f64) and layout of the per-GAN metrics block at `gan_metrics_ptr`. */
export const METRICS_LEN = 8
/** Index of each value in the metrics block. */
export const Metric = {
  step: 0,
  epoch: 1,
  /** Position inside the current epoch, in images. */
  cursor: 2,
  dLoss: 3,
  gLoss: 4,
  /** Mean D(x) (probability) on the last real batch. */
  dReal: 5,
  /** Mean D(G(z)) (probability) on the last fake batch, before the D update. */
  dFake: 6,
  /** Images consumed from the dataset so far. */
  imagesSeen: 7,
} as const

/**
 * Keys of the config record: a flat f64 array of (key, value) pairs passed to
 * `gan_new` and stored in checkpoints. List-valued fields repeat their key in
 * order. The Rust side rejects unknown keys, so new fields need a new key.
 */
export const ConfigKey = {
  latent: 1,
  dataDim: 2,
  gHidden: 3,
  dHidden: 4,
  leakySlope: 5,
  /** 0 = normal, 1 = uniform in [-1, 1]. */
  latentDist: 6,
  dSteps: 7,
  labelSmoothing: 8,
  seed: 9,
  /** 0 = Adam, 1 = SGD. */
  gOptimizer: 10,
  gLr: 11,
  gBeta1: 12,
  gBeta2: 13,
  gEps: 14,
  dOptimizer: 15,
  dLr: 16,
  dBeta1: 17,
  dBeta2: 18,
  dEps: 19,
  /** Activation id of the generator's output layer (tanh by default). */
  gOutput: 20,
  /** 0 = BCE (default; written only when not default), 1 = hinge, 2 = least squares. */
  loss: 21,
  /** Generator weight-average decay in [0, 1); 0 = off (default; written only when on). */
  emaDecay: 22,
  /** Number of classes of a conditional GAN (absent = 0 = unconditional). */
  classes: 23,
  /** {@link ConditioningId}. */
  conditioning: 24,
  /** Weight of the AC-GAN class loss. */
  auxWeight: 25,
} as const

/** How a conditional GAN's discriminator uses labels (`Conditioning` in crates/core/src/conditional.rs). */
export const ConditioningId = {
  concat: 0,
  acgan: 1,
  projection: 2,
} as const

/** Built-in translation tasks (`Task` in crates/core/src/tasks.rs). */
export const TaskId = {
  pairs: 0,
  edges: 1,
  inpaint: 2,
  upscale: 3,
} as const

/** Keys of the translator's config record (the GAN's numbers where the meaning is shared). */
export const TranslatorKey = {
  width: 1,
  height: 2,
  gHidden: 3,
  dHidden: 4,
  leakySlope: 5,
  /** {@link TaskId}. */
  task: 6,
  noise: 7,
  l1Weight: 8,
  seed: 9,
  /** 10..14: generator optimizer (type, lr, beta1, beta2, eps), as in {@link ConfigKey}. */
  gOptimizer: 10,
  /** 15..19: discriminator optimizer. */
  dOptimizer: 15,
  advWeight: 20,
  mask: 21,
  /** 1 = the generator predicts a correction to its source. */
  residual: 22,
} as const

/** Keys of the classifier's config record. */
export const ClassifierKey = {
  dataDim: 2,
  hidden: 3,
  leakySlope: 5,
  seed: 9,
  /** 10..14: the optimizer (type, lr, beta1, beta2, eps). */
  optimizer: 10,
  classes: 23,
} as const

/** Length and layout of the translator's metrics block at `tr_metrics_ptr`. */
export const TRANSLATOR_METRICS_LEN = 9
export const TranslatorMetric = {
  step: 0,
  epoch: 1,
  cursor: 2,
  dLoss: 3,
  /** Mean −log D(s, G(s)) before weighting. */
  gAdversarial: 4,
  /** Mean |G(s) − t| on the last batch. */
  l1: 5,
  dReal: 6,
  dFake: 7,
  imagesSeen: 8,
} as const

/** Length and layout of the classifier's metrics block at `clf_metrics_ptr`. */
export const CLASSIFIER_METRICS_LEN = 6
export const ClassifierMetric = {
  step: 0,
  epoch: 1,
  cursor: 2,
  loss: 3,
  /** Fraction of the last batch classified correctly, before the update. */
  accuracy: 4,
  imagesSeen: 5,
} as const

/** What `clf_infer` writes per image. */
export const ClassifierOutput = {
  /** One u32 class id. */
  labels: 0,
  /** `classes` f32 probabilities. */
  probabilities: 1,
  /** The last hidden layer's activations (f32 × its width). */
  features: 2,
} as const

/** What `ckpt_kind` returns for each kind of model. */
export const CheckpointKind = {
  gan: 1,
  translator: 2,
  classifier: 3,
} as const

/** Every export of the module with its signature. */
export interface WasmganExports {
  memory: WebAssembly.Memory

  // ---- module-wide ---------------------------------------------------------
  /** The ABI version compiled into the module. */
  wg_abi_version(): number
  /** 1 if this build uses simd128, 0 for the scalar build. */
  wg_simd(): number
  /** Allocates `bytes` bytes (16-byte aligned); 0 when out of memory. */
  wg_alloc(bytes: number): Ptr
  /** Frees memory from `wg_alloc` (same byte count). */
  wg_free(ptr: Ptr, bytes: number): void
  /** UTF-8 message of the last failure. */
  wg_error_ptr(): Ptr
  wg_error_len(): number
  /** The result buffer of the last call that produced one (bytes). */
  wg_result_ptr(): Ptr
  wg_result_len(): number

  // ---- datasets ------------------------------------------------------------
  /** A dataset of `count` rows of `dim` f32; `labelled` = 1 adds a u32 label per row. */
  data_new(count: number, dim: number, labelled: number): Handle
  /** Where to write the f32 rows (count × dim). */
  data_images_ptr(data: Handle): Ptr
  /** Where to write the u32 labels (count), or 0 when unlabelled. */
  data_labels_ptr(data: Handle): Ptr
  data_free(data: Handle): StatusCode

  // ---- the GAN ---------------------------------------------------------------
  /** A new GAN from a config record (f64 pairs at `cfg`, `len` f64s). */
  gan_new(cfg: Ptr, len: number): Handle
  gan_free(gan: Handle): StatusCode
  /** Runs `steps` training steps on batches of `batch` rows drawn from `data`. */
  gan_train(gan: Handle, data: Handle, batch: number, steps: number): StatusCode
  /**
   * `gan_train` in the data-parallel order: each batch in micro-batches of
   * `micro` rows (dividing `batch`) whose gradients are summed in a fixed
   * tree order, giving the weights that any number of workers sharing the
   * micro-batches give.
   */
  gan_train_micro(gan: Handle, data: Handle, batch: number, micro: number, steps: number): StatusCode
  /**
   * Data-parallel phase for micro-batches `lo..hi` of the step: `phase` 0 draws
   * the step's batch and sums D's gradients, 1 sums G's (after the phase-0
   * apply). The partial sums are left in the result buffer (wire form in
   * crates/core/src/reduce.rs). Phase 2, after phase 1, draws the next
   * step's batch ahead of its phase 0 for micro-batches `lo..hi` (no result).
   */
  gan_dp_partial(gan: Handle, data: Handle, batch: number, micro: number, phase: number, lo: number, hi: number): StatusCode
  /** A buffer of at least `bytes` bytes for `gan_dp_apply`'s input, owned by the model; 0 on failure. */
  gan_dp_input(gan: Handle, bytes: number): Ptr
  /**
   * The optimizer step of `phase` from every worker's partial sums: the ones
   * concatenated in the first `bytes` bytes of `gan_dp_input`, plus, when
   * `own` is 1, this instance's own from its last `gan_dp_partial` (not
   * copied back in).
   */
  gan_dp_apply(gan: Handle, batch: number, micro: number, phase: number, bytes: number, own: number): StatusCode
  /** The metrics block (f64 × {@link METRICS_LEN}) after the last step. */
  gan_metrics_ptr(gan: Handle): Ptr
  /**
   * Generates `n` images into the result buffer (f32, n × dataDim). The latent
   * vectors come from `z` (n × latent f32) when `zLen` > 0, else from a fresh
   * RNG seeded with `seed` when `useSeed` = 1, else from the model's sampling
   * RNG (which training never touches). A conditional GAN needs `labels`
   * (n u32 class ids, `labelsLen` = n); an unconditional one needs `labelsLen` = 0.
   */
  gan_sample(gan: Handle, n: number, z: Ptr, zLen: number, labels: Ptr, labelsLen: number, seed: number, useSeed: number): StatusCode
  /** Sets the class names: UTF-8, each name followed by a NUL byte (`len` bytes; 0 clears). */
  gan_set_class_names(gan: Handle, names: Ptr, len: number): StatusCode
  /** The class names (NUL-terminated UTF-8 each) into the result buffer. */
  gan_class_names(gan: Handle): StatusCode
  /** Writes the checkpoint into the result buffer; `meta` is UTF-8 JSON stored verbatim. */
  gan_save(gan: Handle, meta: Ptr, metaLen: number): StatusCode
  /** A GAN from checkpoint bytes. */
  gan_load(bytes: Ptr, len: number): Handle
  /** The config record (f64 pairs) into the result buffer. */
  gan_config(gan: Handle): StatusCode
  /** The `meta` JSON of the checkpoint the GAN was loaded from (or last saved with) into the result buffer. */
  gan_meta(gan: Handle): StatusCode

  /** The kind of model in checkpoint bytes ({@link CheckpointKind}), or a negative status. */
  ckpt_kind(bytes: Ptr, len: number): number

  // ---- the translator ---------------------------------------------------------
  /** A new translator from a config record ({@link TranslatorKey} pairs). */
  tr_new(cfg: Ptr, len: number): Handle
  tr_free(tr: Handle): StatusCode
  /** Runs `steps` steps on `data`: images for a built-in task, `[source, target]` rows for pairs. */
  tr_train(tr: Handle, data: Handle, batch: number, steps: number): StatusCode
  /** The metrics block (f64 × {@link TRANSLATOR_METRICS_LEN}). */
  tr_metrics_ptr(tr: Handle): Ptr
  /** Translates `n` sources (`srcLen` = n × width × height f32) into the result buffer. */
  tr_translate(tr: Handle, n: number, src: Ptr, srcLen: number, seed: number, useSeed: number): StatusCode
  tr_save(tr: Handle, meta: Ptr, metaLen: number): StatusCode
  tr_load(bytes: Ptr, len: number): Handle
  tr_config(tr: Handle): StatusCode
  tr_meta(tr: Handle): StatusCode
  /** Sources of a built-in task ({@link TaskId}, not pairs) for the `len` f32 of images at `images`, into the result buffer. */
  task_sources(task: number, width: number, height: number, mask: number, images: Ptr, len: number, seed: number): StatusCode

  // ---- the classifier ---------------------------------------------------------
  /** A new classifier from a config record ({@link ClassifierKey} pairs). */
  clf_new(cfg: Ptr, len: number): Handle
  clf_free(clf: Handle): StatusCode
  /** Runs `steps` steps on labelled `data`. */
  clf_train(clf: Handle, data: Handle, batch: number, steps: number): StatusCode
  /** The metrics block (f64 × {@link CLASSIFIER_METRICS_LEN}). */
  clf_metrics_ptr(clf: Handle): Ptr
  /** Runs `n` images (`xLen` = n × dataDim f32) and writes `what` ({@link ClassifierOutput}) into the result buffer. */
  clf_infer(clf: Handle, what: number, n: number, x: Ptr, xLen: number): StatusCode
  clf_save(clf: Handle, meta: Ptr, metaLen: number): StatusCode
  clf_load(bytes: Ptr, len: number): Handle
  clf_config(clf: Handle): StatusCode
  clf_meta(clf: Handle): StatusCode
  clf_set_class_names(clf: Handle, names: Ptr, len: number): StatusCode
  clf_class_names(clf: Handle): StatusCode

  // ---- kernels, exported for tests and benchmarks ---------------------------
  /** C = op(A, B) (see {@link MatmulOp}); `accumulate` = 1 adds into C. */
  kernel_matmul(op: number, m: number, k: number, n: number, a: Ptr, b: Ptr, c: Ptr, accumulate: number): StatusCode
  /** Y[m×n] = act(X[m×k] · W[k×n] + bias[n]). */
  kernel_dense_forward(m: number, k: number, n: number, x: Ptr, w: Ptr, bias: Ptr, act: number, alpha: number, y: Ptr): StatusCode
  /** dZ = dY ⊙ act'(·), computed from the activation's output Y. */
  kernel_activation_backward(act: number, alpha: number, len: number, y: Ptr, dy: Ptr, dz: Ptr): StatusCode
  /** Mean BCE-with-logits over `len`; writes d(mean loss)/d(logit) into `grad`. Returns the loss. */
  kernel_bce_logits(len: number, logits: Ptr, targets: Ptr, grad: Ptr): number
  /** One Adam step (t ≥ 1) over `len` parameters. */
  kernel_adam(len: number, p: Ptr, g: Ptr, m: Ptr, v: Ptr, lr: number, beta1: number, beta2: number, eps: number, t: number): StatusCode
  /** One SGD step over `len` parameters. */
  kernel_sgd(len: number, p: Ptr, g: Ptr, lr: number): StatusCode
  /** `kind` 0 = standard normal, 1 = uniform [0, 1): `n` f32 from the documented RNG seeded with `seed`. */
  kernel_rng_fill(seed: number, kind: number, n: number, out: Ptr): StatusCode
  /** `out[i] = √(−2 ln s[i] / s[i])` for `n` f64 values, each a normal number in (0, 1): the normal generator's scale. */
  kernel_polar_scales(n: number, s: Ptr, out: Ptr): StatusCode
  /** The simd128 ceiling loop: 12 independent f32x4 mul+add chains, `iters` rounds. Returns a checksum. */
  kernel_peak(iters: number): number
}

/** The export names, sorted; checked against the built module. */
export const EXPORT_NAMES: readonly string[] = [
  'ckpt_kind',
  'clf_class_names',
  'clf_config',
  'clf_free',
  'clf_infer',
  'clf_load',
  'clf_meta',
  'clf_metrics_ptr',
  'clf_new',
  'clf_save',
  'clf_set_class_names',
  'clf_train',
  'data_free',
  'data_images_ptr',
  'data_labels_ptr',
  'data_new',
  'gan_class_names',
  'gan_config',
  'gan_dp_apply',
  'gan_dp_input',
  'gan_dp_partial',
  'gan_free',
  'gan_load',
  'gan_meta',
  'gan_metrics_ptr',
  'gan_new',
  'gan_sample',
  'gan_save',
  'gan_set_class_names',
  'gan_train',
  'gan_train_micro',
  'kernel_activation_backward',
  'kernel_adam',
  'kernel_bce_logits',
  'kernel_dense_forward',
  'kernel_matmul',
  'kernel_peak',
  'kernel_polar_scales',
  'kernel_rng_fill',
  'kernel_sgd',
  'memory',
  'task_sources',
  'tr_config',
  'tr_free',
  'tr_load',
  'tr_meta',
  'tr_metrics_ptr',
  'tr_new',
  'tr_save',
  'tr_train',
  'tr_translate',
  'wg_abi_version',
  'wg_alloc',
  'wg_error_len',
  'wg_error_ptr',
  'wg_free',
  'wg_result_len',
  'wg_result_ptr',
  'wg_simd',
]
