//! Image-to-image translation, pix2pix-style (Isola et al. 2017) with MLPs:
//! a generator maps a source image (and optional noise) to a target image;
//! a discriminator judges (source, image) pairs. The generator minimises
//! `adv_weight · BCE(D(s, G(s)), 1) + l1_weight · mean |G(s) − t|`
//! (λ = 100 by default, as in pix2pix); the discriminator minimises
//! `BCE(D(s, t), 1) + BCE(D(s, G(s)), 0)`. With `adv_weight = 0` the
//! discriminator is never trained or run, which gives the "L1 alone"
//! baseline with the same generator.
//!
//! With `residual` the generator predicts a correction to its source: its
//! last layer is linear and the output is `tanh(r + atanh(clamp(s)))`, so a
//! zero correction reproduces the source (within the clamp, 0.99). This plays
//! the part of pix2pix's U-Net skip connections, which an MLP lacks: details
//! that need no change (the unmasked part of an inpainting source, the
//! coarse shape of an upscaling one) need not pass through the hidden layers.
//! The last layer starts at zero, so training starts from the identity.
//! It is the default for inpainting and upscaling, where sources are close to
//! their targets; for edges a plain generator learned faster (held-out L1
//! 0.090 vs 0.138 after 1,200 steps), and user pairs default to plain too.
//!
//! Training pairs come from a built-in task (`tasks.rs`) applied to the rows
//! of an image dataset, drawing a fresh source for every batch (so an
//! inpainting square moves from epoch to epoch), or from user pairs stored
//! as dataset rows `[source, target]` of `2 × dim` values.

use crate::dataset::{Dataset, Sampler};
use crate::error::{resize_f32, Error, Result};
use crate::kernels::Act;
use crate::loss::{bce_with_logits, l1, mean_probability};
use crate::mlp::{Mlp, Workspace};
use crate::optim::{OptimConfig, Optimizer};
use crate::record::{self, MAX_WIDTH};
use crate::rng::{stream, Rng};
use crate::tasks::Task;

/// Everything that defines a translator and its training.
#[derive(Clone, Debug, PartialEq)]
pub struct TranslatorConfig {
    /// Image width and height (default 28 × 28); images have `width × height` values.
    pub width: usize,
    pub height: usize,
    /// Where the pairs come from (default `Edges`).
    pub task: Task,
    /// Side of the inpainting square in pixels (default 14: a quarter of a 28 × 28 image).
    pub mask: usize,
    /// Normal noise values appended to the generator's input (default 0: deterministic).
    pub noise: usize,
    /// Generator hidden widths (default [512, 512]).
    pub g_hidden: Vec<usize>,
    /// Discriminator hidden widths (default [256, 256]).
    pub d_hidden: Vec<usize>,
    /// LeakyReLU slope of hidden layers (default 0.2; 0 is ReLU).
    pub leaky_slope: f32,
    /// λ, the weight of the L1 term (default 100).
    pub l1_weight: f32,
    /// Predict a correction to the source instead of the image (default:
    /// `Task::residual_by_default`).
    pub residual: bool,
    /// Weight of the adversarial term (default 1; 0 trains with L1 alone).
    pub adv_weight: f32,
    /// Seed of every random stream (default 0).
    pub seed: u64,
    /// Optimizers (default Adam 2e-4, β = (0.5, 0.999), as pix2pix).
    pub g_opt: OptimConfig,
    pub d_opt: OptimConfig,
}

impl Default for TranslatorConfig {
    fn default() -> Self {
        TranslatorConfig {
            width: 28,
            height: 28,
            task: Task::Edges,
            mask: 14,
            noise: 0,
            g_hidden: vec![512, 512],
            d_hidden: vec![256, 256],
            leaky_slope: 0.2,
            l1_weight: 100.0,
            residual: false,
            adv_weight: 1.0,
            seed: 0,
            g_opt: OptimConfig::default(),
            d_opt: OptimConfig::default(),
        }
    }
}

/// Keys of the translator's config record; shared meanings keep the GAN's numbers.
pub mod key {
    pub const WIDTH: u32 = 1;
    pub const HEIGHT: u32 = 2;
    pub const G_HIDDEN: u32 = 3;
    pub const D_HIDDEN: u32 = 4;
    pub const LEAKY_SLOPE: u32 = 5;
    pub const TASK: u32 = 6;
    pub const NOISE: u32 = 7;
    pub const L1_WEIGHT: u32 = 8;
    pub const SEED: u32 = 9;
    /// 10..=14 generator optimizer, 15..=19 discriminator optimizer (as in the GAN record).
    pub const G_OPTIMIZER: u32 = 10;
    pub const D_OPTIMIZER: u32 = 15;
    pub const ADV_WEIGHT: u32 = 20;
    pub const MASK: u32 = 21;
    pub const RESIDUAL: u32 = 22;
}

/// Largest |source| whose atanh the residual generator adds: keeps the
/// identity prior finite for the ±1 pixels images are full of.
const RESIDUAL_CLAMP: f32 = 0.99;

/// The residual generator's prior for one source value: `atanh(clamp(s))`.
fn prior(s: f32) -> f32 {
    let c = s.clamp(-RESIDUAL_CLAMP, RESIDUAL_CLAMP);
    0.5 * ((1.0 + c) / (1.0 - c)).ln()
}

/// The generator's image from its network output `r [rows × dim]` and its
/// input `gin [rows × stride]` (sources first in each row): `tanh(r + prior(s))`
/// when residual, else `r` itself (whose last layer is then tanh).
fn compose(residual: bool, r: &[f32], gin: &[f32], stride: usize, dim: usize, y: &mut [f32]) {
    if !residual {
        y.copy_from_slice(r);
        return;
    }
    for (i, row) in y.chunks_exact_mut(dim).enumerate() {
        let s = &gin[i * stride..i * stride + dim];
        let ri = &r[i * dim..(i + 1) * dim];
        for j in 0..dim {
            row[j] = (ri[j] + prior(s[j])).tanh();
        }
    }
}

impl TranslatorConfig {
    /// Values per image.
    pub fn dim(&self) -> usize {
        self.width * self.height
    }

    /// Generator sizes `[dim + noise, g_hidden.., dim]`.
    pub fn g_sizes(&self) -> Vec<usize> {
        let mut s = vec![self.dim() + self.noise];
        s.extend_from_slice(&self.g_hidden);
        s.push(self.dim());
        s
    }

    /// Discriminator sizes `[2·dim, d_hidden.., 1]`: it reads `[source, image]`.
    pub fn d_sizes(&self) -> Vec<usize> {
        let mut s = vec![2 * self.dim()];
        s.extend_from_slice(&self.d_hidden);
        s.push(1);
        s
    }

    /// Values per dataset row: `dim` for a built-in task, `2·dim` for pairs.
    pub fn row_dim(&self) -> usize {
        if self.task == Task::Pairs {
            2 * self.dim()
        } else {
            self.dim()
        }
    }

    pub fn hidden_act(&self) -> Act {
        if self.leaky_slope == 0.0 {
            Act::Relu
        } else {
            Act::Leaky(self.leaky_slope)
        }
    }

    pub fn validate(&self) -> Result<()> {
        record::check_size("width", self.width)?;
        record::check_size("height", self.height)?;
        if self.width * self.height > MAX_WIDTH / 2 {
            return Err(Error::invalid(format!(
                "images may have at most {} pixels, got {} × {}",
                MAX_WIDTH / 2,
                self.width,
                self.height
            )));
        }
        if self.mask == 0 || self.mask > self.width.min(self.height) {
            return Err(Error::invalid(format!(
                "mask must be an integer in 1..={} (the smaller image side), got {}",
                self.width.min(self.height),
                self.mask
            )));
        }
        if self.noise > MAX_WIDTH / 2 {
            return Err(Error::invalid(format!(
                "noise must be an integer in 0..={}, got {}",
                MAX_WIDTH / 2,
                self.noise
            )));
        }
        record::check_hidden("generator", &self.g_hidden)?;
        record::check_hidden("discriminator", &self.d_hidden)?;
        record::check_leaky_slope(self.leaky_slope)?;
        for (name, v) in [
            ("l1Weight", self.l1_weight),
            ("adversarialWeight", self.adv_weight),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid(format!(
                    "{} must be a finite number ≥ 0, got {}",
                    name, v
                )));
            }
        }
        if self.l1_weight == 0.0 && self.adv_weight == 0.0 {
            return Err(Error::invalid(
                "l1Weight and adversarialWeight cannot both be 0: nothing would be trained",
            ));
        }
        record::check_seed(self.seed)?;
        record::check_optimizer("generator", &self.g_opt)?;
        record::check_optimizer("discriminator", &self.d_opt)?;
        Ok(())
    }

    /// The config record.
    pub fn to_record(&self) -> Vec<f64> {
        let mut r = Vec::new();
        let put = |r: &mut Vec<f64>, k: u32, v: f64| {
            r.push(k as f64);
            r.push(v);
        };
        put(&mut r, key::WIDTH, self.width as f64);
        put(&mut r, key::HEIGHT, self.height as f64);
        for &w in &self.g_hidden {
            put(&mut r, key::G_HIDDEN, w as f64);
        }
        for &w in &self.d_hidden {
            put(&mut r, key::D_HIDDEN, w as f64);
        }
        put(&mut r, key::LEAKY_SLOPE, self.leaky_slope as f64);
        put(&mut r, key::TASK, self.task.id() as f64);
        put(&mut r, key::NOISE, self.noise as f64);
        put(&mut r, key::L1_WEIGHT, self.l1_weight as f64);
        put(&mut r, key::SEED, self.seed as f64);
        record::put_optimizer(&mut r, key::G_OPTIMIZER, &self.g_opt);
        record::put_optimizer(&mut r, key::D_OPTIMIZER, &self.d_opt);
        put(&mut r, key::ADV_WEIGHT, self.adv_weight as f64);
        put(&mut r, key::MASK, self.mask as f64);
        put(&mut r, key::RESIDUAL, self.residual as u32 as f64);
        r
    }

    /// Parses and validates a record; missing keys take their defaults.
    pub fn from_record(r: &[f64]) -> Result<TranslatorConfig> {
        let mut c = TranslatorConfig::default();
        let (mut g_hidden, mut d_hidden) = (None::<Vec<usize>>, None::<Vec<usize>>);
        let mut residual = None;
        for (k, v) in record::pairs(r)? {
            match k {
                key::WIDTH => c.width = record::width("width", v)?,
                key::HEIGHT => c.height = record::width("height", v)?,
                key::G_HIDDEN => g_hidden
                    .get_or_insert_with(Vec::new)
                    .push(record::width("generator hidden width", v)?),
                key::D_HIDDEN => d_hidden
                    .get_or_insert_with(Vec::new)
                    .push(record::width("discriminator hidden width", v)?),
                key::LEAKY_SLOPE => c.leaky_slope = v as f32,
                key::TASK => {
                    c.task = Task::from_id(record::uint("task", v)?).ok_or_else(|| {
                        Error::invalid(format!(
                            "task must be 0 (pairs), 1 (edges), 2 (inpaint) or 3 (upscale), got {}",
                            v
                        ))
                    })?
                }
                key::NOISE => c.noise = record::uint("noise", v)?.min(MAX_WIDTH as u64) as usize,
                key::L1_WEIGHT => c.l1_weight = v as f32,
                key::SEED => c.seed = record::uint("seed", v)?,
                key::ADV_WEIGHT => c.adv_weight = v as f32,
                key::MASK => c.mask = record::uint("mask", v)?.min(MAX_WIDTH as u64) as usize,
                key::RESIDUAL => {
                    residual = match record::uint("residual", v)? {
                        0 => Some(false),
                        1 => Some(true),
                        _ => {
                            return Err(Error::invalid(format!(
                                "residual must be 0 or 1, got {}",
                                v
                            )))
                        }
                    }
                }
                k if (key::G_OPTIMIZER..key::D_OPTIMIZER).contains(&k) => {
                    record::read_optimizer_field(
                        &mut c.g_opt,
                        "generator",
                        k - key::G_OPTIMIZER,
                        v,
                    )?
                }
                k if (key::D_OPTIMIZER..key::D_OPTIMIZER + 5).contains(&k) => {
                    record::read_optimizer_field(
                        &mut c.d_opt,
                        "discriminator",
                        k - key::D_OPTIMIZER,
                        v,
                    )?
                }
                other => return Err(record::unknown_key(other)),
            }
        }
        if let Some(g) = g_hidden {
            c.g_hidden = g;
        }
        if let Some(d) = d_hidden {
            c.d_hidden = d;
        }
        c.residual = residual.unwrap_or_else(|| c.task.residual_by_default());
        c.validate()?;
        Ok(c)
    }
}

/// Values reported after each step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TranslatorMetrics {
    /// Discriminator loss: mean BCE on real pairs + on fake pairs (0 with L1 alone).
    pub d_loss: f64,
    /// Generator's adversarial loss, mean −log D(s, G(s)) (0 with L1 alone).
    pub g_adv: f64,
    /// Mean |G(s) − t| on the last batch (unweighted).
    pub l1: f64,
    /// Mean D(s, t) and D(s, G(s)) on the last batch (before the D update).
    pub d_real: f64,
    pub d_fake: f64,
}

const SAMPLE_CHUNK: usize = 256;

/// A translator with its training state.
#[derive(Clone, Debug)]
pub struct Translator {
    pub config: TranslatorConfig,
    pub g: Mlp,
    pub d: Mlp,
    pub g_opt: Optimizer,
    pub d_opt: Optimizer,
    /// Noise and inpainting squares for training.
    pub train_rng: Rng,
    /// Noise for `translate` without a seed; training never touches it.
    pub sample_rng: Rng,
    pub sampler: Sampler,
    pub step: u64,
    pub images_seen: u64,
    pub metrics: TranslatorMetrics,
    pub meta: Vec<u8>,
    buf: Buffers,
}

#[derive(Clone, Debug, Default)]
struct Buffers {
    rows: usize,
    g_ws: Workspace,
    d_ws: Workspace,
    /// Dataset rows of the batch `[rows × row_dim]`.
    batch: Vec<f32>,
    /// G's input `[rows × (dim + noise)]`: source, then noise.
    gin: Vec<f32>,
    /// D's input `[2·rows × 2·dim]`: `[s, t]` rows, then `[s, G(s)]` rows.
    xd: Vec<f32>,
    /// Targets of the batch `[rows × dim]`.
    targets: Vec<f32>,
    /// G's images `[rows × dim]` (its network output when not residual).
    fake: Vec<f32>,
    d_targets: Vec<f32>,
    g_targets: Vec<f32>,
    dlogits: Vec<f32>,
    /// dL/d[s, G(s)] from D `[rows × 2·dim]`, and dL/dG(s) `[rows × dim]`.
    d_pair: Vec<f32>,
    d_fake: Vec<f32>,
    /// dL/dG(s) of the L1 term `[rows × dim]`.
    d_l1: Vec<f32>,
    s_ws: Workspace,
    s_gin: Vec<f32>,
}

/// dL/dr from dL/dy in place, for `y = tanh(r + prior)`: `d ⊙ (1 − y²)`.
fn residual_backward(residual: bool, y: &[f32], d: &mut [f32]) {
    if residual {
        for (g, &v) in d.iter_mut().zip(y) {
            *g *= 1.0 - v * v;
        }
    }
}

impl Translator {
    pub fn new(config: TranslatorConfig) -> Result<Translator> {
        config.validate()?;
        let mut init = Rng::derive(config.seed, stream::INIT, 0);
        let hidden = config.hidden_act();
        let out = if config.residual {
            Act::Linear
        } else {
            Act::Tanh
        };
        let mut g = Mlp::new(&config.g_sizes(), hidden, out, &mut init)?;
        if config.residual {
            let last = g.layers[g.layers.len() - 1].clone();
            g.params[last.w..last.b].iter_mut().for_each(|v| *v = 0.0);
        }
        let d = Mlp::new(&config.d_sizes(), hidden, Act::Linear, &mut init)?;
        let g_opt = Optimizer::new(config.g_opt, g.params.len())?;
        let d_opt = Optimizer::new(config.d_opt, d.params.len())?;
        Ok(Translator {
            train_rng: Rng::derive(config.seed, stream::TRAIN, 0),
            sample_rng: Rng::derive(config.seed, stream::SAMPLE, 0),
            config,
            g,
            d,
            g_opt,
            d_opt,
            sampler: Sampler::default(),
            step: 0,
            images_seen: 0,
            metrics: TranslatorMetrics::default(),
            meta: Vec::new(),
            buf: Buffers::default(),
        })
    }

    /// Runs `steps` steps on batches of `batch` rows of `data`: images of
    /// `dim` values for a built-in task, `[source, target]` rows of `2·dim`
    /// for user pairs.
    pub fn train(&mut self, data: &Dataset, batch: usize, steps: u32) -> Result<()> {
        let want = self.config.row_dim();
        if data.dim != want {
            return Err(Error::invalid(if self.config.task == Task::Pairs {
                format!(
                    "pair rows must hold source and target ({} + {} values), got {}",
                    self.config.dim(),
                    self.config.dim(),
                    data.dim
                )
            } else {
                format!(
                    "the dataset's rows have {} values but the translator's images have {} × {} = {}",
                    data.dim, self.config.width, self.config.height, want
                )
            }));
        }
        if batch == 0 || batch > crate::gan::MAX_BATCH || batch > data.count {
            return Err(Error::invalid(format!(
                "batch size must be an integer in 1..={}, got {}",
                crate::gan::MAX_BATCH.min(data.count),
                batch
            )));
        }
        self.reserve(batch)?;
        for _ in 0..steps {
            self.train_step(data, batch)?;
        }
        Ok(())
    }

    fn reserve(&mut self, rows: usize) -> Result<()> {
        let b = &mut self.buf;
        if b.rows >= rows {
            return Ok(());
        }
        let c = &self.config;
        let dim = c.dim();
        self.g.reserve(&mut b.g_ws, rows)?;
        self.d.reserve(&mut b.d_ws, 2 * rows)?;
        resize_f32(&mut b.batch, rows * c.row_dim(), "batch")?;
        resize_f32(&mut b.gin, rows * (dim + c.noise), "generator input")?;
        resize_f32(&mut b.xd, 2 * rows * 2 * dim, "discriminator batch")?;
        resize_f32(&mut b.targets, rows * dim, "targets")?;
        resize_f32(&mut b.fake, rows * dim, "generated images")?;
        resize_f32(&mut b.d_targets, 2 * rows, "targets")?;
        resize_f32(&mut b.g_targets, rows, "targets")?;
        resize_f32(&mut b.dlogits, 2 * rows, "logit gradients")?;
        resize_f32(&mut b.d_pair, rows * 2 * dim, "pair gradients")?;
        resize_f32(&mut b.d_fake, rows * dim, "fake gradients")?;
        resize_f32(&mut b.d_l1, rows * dim, "L1 gradients")?;
        b.rows = rows;
        Ok(())
    }

    /// One step: the batch's pairs, G's output, one D update (unless L1
    /// alone), one G update.
    fn train_step(&mut self, data: &Dataset, b: usize) -> Result<()> {
        let c = &self.config;
        let (dim, nz, row) = (c.dim(), c.noise, c.row_dim());
        let buf = &mut self.buf;
        // rows: [b, row_dim]
        self.sampler
            .next_batch(c.seed, data, b, &mut buf.batch[..b * row])?;
        self.images_seen += b as u64;
        // Real pairs [s, t] into D's first half, targets aside, G's input [s, noise].
        for i in 0..b {
            let r = &buf.batch[i * row..(i + 1) * row];
            let pair = &mut buf.xd[i * 2 * dim..(i + 1) * 2 * dim];
            let (s, t) = pair.split_at_mut(dim);
            if c.task == Task::Pairs {
                s.copy_from_slice(&r[..dim]);
                t.copy_from_slice(&r[dim..]);
            } else {
                t.copy_from_slice(r);
                c.task
                    .source_of(c.width, c.height, c.mask, r, &mut self.train_rng, s);
            }
            buf.targets[i * dim..(i + 1) * dim].copy_from_slice(t);
            let gin = &mut buf.gin[i * (dim + nz)..(i + 1) * (dim + nz)];
            gin[..dim].copy_from_slice(s);
        }
        if nz > 0 {
            // Noise drawn row by row after the sources, so its order does not
            // depend on the batch layout.
            for i in 0..b {
                let gin = &mut buf.gin[i * (dim + nz)..(i + 1) * (dim + nz)];
                self.train_rng.fill_normal(&mut gin[dim..]);
            }
        }
        // fake = G(s, noise): [b, dim]; fake pairs [s, G(s)] into D's second half.
        self.g.forward(&mut buf.g_ws, &buf.gin[..b * (dim + nz)], b);
        let fake = &mut buf.fake[..b * dim];
        compose(
            c.residual,
            &buf.g_ws.outs[self.g.layers.len() - 1][..b * dim],
            &buf.gin,
            dim + nz,
            dim,
            fake,
        );
        let fake = &buf.fake[..b * dim];
        for i in 0..b {
            let (real, rest) = buf.xd.split_at_mut((b + i) * 2 * dim);
            let pair = &mut rest[..2 * dim];
            pair[..dim].copy_from_slice(&real[i * 2 * dim..i * 2 * dim + dim]);
            pair[dim..].copy_from_slice(&fake[i * dim..(i + 1) * dim]);
        }
        // L1 term: λ · mean |G(s) − t| over b·dim values.
        let l1_sum = l1(
            fake,
            &buf.targets[..b * dim],
            &mut buf.d_l1[..b * dim],
            c.l1_weight / (b * dim) as f32,
        );
        self.metrics.l1 = l1_sum / (b * dim) as f64;
        if self.config.adv_weight > 0.0 {
            self.train_discriminator(b);
            self.adversarial_grads(b);
            let buf = &mut self.buf;
            for (g, &l) in buf.d_fake[..b * dim].iter_mut().zip(&buf.d_l1[..b * dim]) {
                *g += l;
            }
        } else {
            let buf = &mut self.buf;
            buf.d_fake[..b * dim].copy_from_slice(&buf.d_l1[..b * dim]);
        }
        let buf = &mut self.buf;
        residual_backward(
            self.config.residual,
            &buf.fake[..b * dim],
            &mut buf.d_fake[..b * dim],
        );
        let gin = &buf.gin[..b * (dim + self.config.noise)];
        self.g
            .backward(&mut buf.g_ws, gin, b, &buf.d_fake[..b * dim], true, None);
        self.g_opt.step(&mut self.g.params, &self.g.grads);
        self.step += 1;
        Ok(())
    }

    /// D update on `[s, t]` and `[s, G(s)]`: mean BCE(·, 1) + mean BCE(·, 0).
    fn train_discriminator(&mut self, b: usize) {
        let dim = self.config.dim();
        let buf = &mut self.buf;
        let xd = &buf.xd[..2 * b * 2 * dim];
        self.d.forward(&mut buf.d_ws, xd, 2 * b);
        let logits = &buf.d_ws.outs[self.d.layers.len() - 1][..2 * b];
        let targets = &mut buf.d_targets[..2 * b];
        targets[..b].iter_mut().for_each(|t| *t = 1.0);
        targets[b..].iter_mut().for_each(|t| *t = 0.0);
        let loss = bce_with_logits(logits, targets, &mut buf.dlogits[..2 * b], 1.0 / b as f32);
        self.metrics.d_loss = loss / b as f64;
        self.metrics.d_real = mean_probability(&logits[..b]);
        self.metrics.d_fake = mean_probability(&logits[b..]);
        self.d
            .backward(&mut buf.d_ws, xd, 2 * b, &buf.dlogits[..2 * b], true, None);
        self.d_opt.step(&mut self.d.params, &self.d.grads);
    }

    /// dL/dG(s) of `adv_weight · mean BCE(D(s, G(s)), 1)` through the
    /// just-updated D, into `d_fake`.
    fn adversarial_grads(&mut self, b: usize) {
        let dim = self.config.dim();
        let buf = &mut self.buf;
        let fake_pairs = &buf.xd[b * 2 * dim..2 * b * 2 * dim];
        self.d.forward(&mut buf.d_ws, fake_pairs, b);
        let logits = &buf.d_ws.outs[self.d.layers.len() - 1][..b];
        let targets = &mut buf.g_targets[..b];
        targets.iter_mut().for_each(|t| *t = 1.0);
        let w = self.config.adv_weight;
        let loss = bce_with_logits(logits, targets, &mut buf.dlogits[..b], w / b as f32);
        self.metrics.g_adv = loss / b as f64;
        let d_pair = &mut buf.d_pair[..b * 2 * dim];
        self.d.backward(
            &mut buf.d_ws,
            fake_pairs,
            b,
            &buf.dlogits[..b],
            false,
            Some(d_pair),
        );
        // Only the image half of D's input comes from G.
        for i in 0..b {
            buf.d_fake[i * dim..(i + 1) * dim]
                .copy_from_slice(&d_pair[i * 2 * dim + dim..(i + 1) * 2 * dim]);
        }
    }

    /// Translates `n` sources `[n × dim]` into `out [n × dim]`. Noise, when
    /// the model has any, comes from `Rng::derive(seed, SEEDED_SAMPLE, 0)`
    /// when a seed is given, else from the sampling stream.
    pub fn translate(
        &mut self,
        n: usize,
        sources: &[f32],
        seed: Option<u64>,
        out: &mut [f32],
    ) -> Result<()> {
        let (dim, nz) = (self.config.dim(), self.config.noise);
        if sources.len() != n * dim {
            return Err(Error::invalid(format!(
                "sources must hold n × width × height = {} × {} × {} = {} values, got {}",
                n,
                self.config.width,
                self.config.height,
                n * dim,
                sources.len()
            )));
        }
        assert!(out.len() >= n * dim);
        let chunk = n.clamp(1, SAMPLE_CHUNK);
        self.g.reserve(&mut self.buf.s_ws, chunk)?;
        resize_f32(&mut self.buf.s_gin, chunk * (dim + nz), "generator input")?;
        let mut seeded = seed.map(|s| Rng::derive(s, stream::SEEDED_SAMPLE, 0));
        let mut start = 0;
        while start < n {
            let rows = (n - start).min(chunk);
            for i in 0..rows {
                let gin = &mut self.buf.s_gin[i * (dim + nz)..(i + 1) * (dim + nz)];
                gin[..dim].copy_from_slice(&sources[(start + i) * dim..(start + i + 1) * dim]);
                if nz > 0 {
                    let rng = seeded.as_mut().unwrap_or(&mut self.sample_rng);
                    rng.fill_normal(&mut gin[dim..]);
                }
            }
            self.g.forward(
                &mut self.buf.s_ws,
                &self.buf.s_gin[..rows * (dim + nz)],
                rows,
            );
            let last = &self.buf.s_ws.outs[self.g.layers.len() - 1];
            compose(
                self.config.residual,
                &last[..rows * dim],
                &self.buf.s_gin,
                dim + nz,
                dim,
                &mut out[start * dim..(start + rows) * dim],
            );
            start += rows;
        }
        Ok(())
    }
}
