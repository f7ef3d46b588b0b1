//! The classic GAN: a generator and a discriminator (both MLPs), one
//! optimizer each, trained with binary cross-entropy, the generator with the
//! non-saturating loss −log D(G(z)). One call to `train` runs whole steps.
//! With `classes > 0` the same step trains a class-conditional GAN; what
//! changes is in `conditional.rs`.

use crate::conditional::{self, Conditioning};
use crate::config::{GanConfig, LatentDist};
use crate::dataset::{Dataset, Sampler};
use crate::error::{resize_f32, zeroed_f32, Error, Result};
use crate::kernels::Act;
use crate::loss::{discriminator_loss, generator_loss, mean_output};
use crate::mlp::{Mlp, Workspace};
use crate::optim::Optimizer;
use crate::rng::{stream, Rng};
use core::ops::Range;

mod parallel;
pub use parallel::{DpState, MicroBatches, SUMS};

/// Values reported after each step (`Metric` in `ts/abi.ts`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Metrics {
    pub d_loss: f64,
    pub g_loss: f64,
    /// Mean D(x) on the last real batch.
    pub d_real: f64,
    /// Mean D(G(z)) on the last fake batch, before the D update.
    pub d_fake: f64,
}

/// Largest batch accepted by `train` and chunk size of `sample`.
pub const MAX_BATCH: usize = 1 << 16;
const SAMPLE_CHUNK: usize = 256;

/// A GAN with its training state.
#[derive(Clone, Debug)]
pub struct Gan {
    pub config: GanConfig,
    pub g: Mlp,
    pub d: Mlp,
    pub g_opt: Optimizer,
    pub d_opt: Optimizer,
    /// Noise for training; advanced only by training steps.
    pub train_rng: Rng,
    /// Noise for `sample` without explicit z or seed; training never touches it,
    /// so sampling between steps does not change the training trajectory.
    pub sample_rng: Rng,
    pub sampler: Sampler,
    /// Exponential moving average of the generator's parameters (empty when
    /// `ema_decay` is 0); `sample` uses it when present.
    pub g_ema: Vec<f32>,
    /// Completed training steps.
    pub step: u64,
    pub images_seen: u64,
    pub metrics: Metrics,
    /// Free-form UTF-8 (JSON) stored in checkpoints.
    pub meta: Vec<u8>,
    /// Names of the classes of a conditional GAN (empty, or `classes` names).
    pub class_names: Vec<String>,
    buf: Buffers,
}

/// Step buffers, sized for the largest batch seen so far.
#[derive(Clone, Debug, Default)]
struct Buffers {
    rows: usize,
    g_ws: Workspace,
    d_ws: Workspace,
    /// Latent batch `[rows × latent]`.
    z: Vec<f32>,
    /// Conditional only: the batch's labels `[rows]` (the real rows' and,
    /// reused, the fake rows'), G's input `[rows × (latent + K)]`.
    labels: Vec<u32>,
    gin: Vec<f32>,
    /// Concat only: D's input `[2·rows × (data_dim + K)]` and dL/d(input).
    din: Vec<f32>,
    din_grad: Vec<f32>,
    /// Real/fake logits `[2·rows]` taken from D's output, and dL/d(output)
    /// `[2·rows × (1 + K)]` (one column when unconditional).
    logits: Vec<f32>,
    d_out_grad: Vec<f32>,
    /// D's input: real rows then fake rows, `[2·rows × data_dim]`.
    xd: Vec<f32>,
    /// Targets `[2·rows]`: 1 − smoothing for real, 0 for fake.
    d_targets: Vec<f32>,
    /// Targets `[rows]`: 1 (the non-saturating generator loss).
    g_targets: Vec<f32>,
    /// dL/dlogits `[2·rows]`.
    dlogits: Vec<f32>,
    /// dL/d(fake) `[rows × data_dim]`, from D back into G.
    d_fake: Vec<f32>,
    /// Workspace used by `sample`, separate from training's.
    s_ws: Workspace,
    s_z: Vec<f32>,
    s_gin: Vec<f32>,
}

impl Gan {
    /// A new GAN with weights drawn from the config's seed.
    pub fn new(config: GanConfig) -> Result<Gan> {
        config.validate()?;
        let mut init = Rng::derive(config.seed, stream::INIT, 0);
        let hidden = config.hidden_act();
        let g = Mlp::new(&config.g_sizes(), hidden, config.g_output, &mut init)?;
        let d = Mlp::new(&config.d_sizes(), hidden, Act::Linear, &mut init)?;
        let g_opt = Optimizer::new(config.g_opt, g.params.len())?;
        let d_opt = Optimizer::new(config.d_opt, d.params.len())?;
        let g_ema = if config.ema_decay > 0.0 {
            let mut e = zeroed_f32(g.params.len(), "weight average")?;
            e.copy_from_slice(&g.params);
            e
        } else {
            Vec::new()
        };
        Ok(Gan {
            g_ema,
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
            metrics: Metrics::default(),
            meta: Vec::new(),
            class_names: Vec::new(),
            buf: Buffers::default(),
        })
    }

    /// Runs `steps` training steps on batches of `batch` rows of `data`.
    pub fn train(&mut self, data: &Dataset, batch: usize, steps: u32) -> Result<()> {
        if data.dim != self.config.data_dim {
            return Err(Error::invalid(format!(
                "the dataset's rows have {} values but the model expects {} (dataDim)",
                data.dim, self.config.data_dim
            )));
        }
        if batch == 0 || batch > MAX_BATCH {
            return Err(Error::invalid(format!(
                "batch size must be an integer in 1..={}, got {}",
                MAX_BATCH, batch
            )));
        }
        if batch > data.count {
            return Err(Error::invalid(format!(
                "batch size {} is larger than the dataset ({} rows)",
                batch, data.count
            )));
        }
        if self.config.classes > 0 {
            data.check_labels(self.config.classes, "a conditional GAN")?;
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
        self.g.reserve(&mut b.g_ws, rows)?;
        self.d.reserve(&mut b.d_ws, 2 * rows)?;
        resize_f32(&mut b.z, rows * c.latent, "latent batch")?;
        resize_f32(&mut b.xd, 2 * rows * c.data_dim, "discriminator batch")?;
        let (k, d_in, d_out) = (c.classes, self.d.input(), self.d.output());
        if k > 0 {
            b.labels.resize(rows, 0);
            resize_f32(&mut b.gin, rows * (c.latent + k), "generator input")?;
        }
        if d_in != c.data_dim {
            resize_f32(&mut b.din, 2 * rows * d_in, "discriminator input")?;
            resize_f32(
                &mut b.din_grad,
                rows * d_in,
                "discriminator input gradients",
            )?;
        }
        resize_f32(&mut b.logits, 2 * rows, "logits")?;
        resize_f32(&mut b.d_out_grad, 2 * rows * d_out, "output gradients")?;
        resize_f32(&mut b.d_targets, 2 * rows, "targets")?;
        resize_f32(&mut b.g_targets, rows, "targets")?;
        resize_f32(&mut b.dlogits, 2 * rows, "logit gradients")?;
        resize_f32(&mut b.d_fake, rows * c.data_dim, "fake gradients")?;
        b.rows = rows;
        Ok(())
    }

    /// One step: `d_steps` discriminator updates, then one generator update
    /// on the fakes of the last discriminator update.
    fn train_step(&mut self, data: &Dataset, batch: usize) -> Result<()> {
        for _ in 0..self.config.d_steps {
            self.train_discriminator(data, batch)?;
        }
        self.train_generator(batch);
        self.step += 1;
        Ok(())
    }

    /// Fills `z [rows × latent]` from `rng` with the model's latent
    /// distribution; `part` (default all of `z`) is what must be written,
    /// and the generator moves on as for all of `z` whatever the part: a
    /// data-parallel instance skips the normal variates of others' rows.
    fn draw_latent(dist: LatentDist, rng: &mut Rng, z: &mut [f32], part: Option<Range<usize>>) {
        match (dist, part) {
            (LatentDist::Normal, None) => rng.fill_normal(z),
            (LatentDist::Normal, Some(part)) => rng.fill_normal_part(z, part),
            (LatentDist::Uniform, _) => rng.fill_uniform(z, -1.0, 2.0),
        }
    }

    /// The conditioning in use, or None for an unconditional GAN.
    fn cond(&self) -> Option<Conditioning> {
        if self.config.classes > 0 {
            Some(self.config.conditioning)
        } else {
            None
        }
    }

    /// One D update on a real batch and a detached fake batch:
    /// L_D = mean BCE(D(x), 1 − s) + mean BCE(D(G(z)), 0), plus for AC-GAN
    /// `aux_weight` × mean CE of the class head on the real batch.
    fn train_discriminator(&mut self, data: &Dataset, b: usize) -> Result<()> {
        let cond = self.cond();
        let (dim, k, latent) = (
            self.config.data_dim,
            self.config.classes,
            self.config.latent,
        );
        let (d_in, width) = (self.d.input(), self.d.output());
        let buf = &mut self.buf;
        let (real, fake) = buf.xd[..2 * b * dim].split_at_mut(b * dim);
        // real: [b, dim]; labels: [b]
        let labels = if k > 0 {
            Some(&mut buf.labels[..b])
        } else {
            None
        };
        self.sampler
            .next_labelled_batch(self.config.seed, data, b, real, labels)?;
        self.images_seen += b as u64;
        let labels = &buf.labels[..if k > 0 { b } else { 0 }];
        // z: [b, latent]
        let z = &mut buf.z[..b * latent];
        Self::draw_latent(self.config.latent_dist, &mut self.train_rng, z, None);
        // G's input: z, or [z, onehot(y)]: [b, latent + K]
        let gin: &[f32] = if k > 0 {
            conditional::append_one_hot(z, latent, labels, k, &mut buf.gin);
            &buf.gin[..b * (latent + k)]
        } else {
            z
        };
        // fake = G(z): [b, dim], copied so that D's backward stops at its input
        self.g.forward(&mut buf.g_ws, gin, b);
        fake.copy_from_slice(&buf.g_ws.outs[self.g.layers.len() - 1][..b * dim]);
        // D's input: real rows then fake rows, [2b, dim] or [2b, dim + K] (concat)
        let din: &[f32] = if d_in != dim {
            let (r, f) = buf.din[..2 * b * d_in].split_at_mut(b * d_in);
            conditional::append_one_hot(&buf.xd[..b * dim], dim, labels, k, r);
            conditional::append_one_hot(&buf.xd[b * dim..2 * b * dim], dim, labels, k, f);
            &buf.din[..2 * b * d_in]
        } else {
            &buf.xd[..2 * b * dim]
        };
        // out: [2b, width]; logits: [2b]
        self.d.forward(&mut buf.d_ws, din, 2 * b);
        let out = &buf.d_ws.outs[self.d.layers.len() - 1][..2 * b * width];
        let logits = &mut buf.logits[..2 * b];
        for half in 0..2 {
            let rows = half * b..(half + 1) * b;
            conditional::adversarial_logits(
                cond,
                &out[rows.start * width..rows.end * width],
                width,
                labels,
                &mut logits[rows],
            );
        }
        let kind = self.config.loss;
        // Each half is a mean over b rows, so both halves scale by 1/b.
        let mut loss = discriminator_loss(
            kind,
            logits,
            b,
            1.0 - self.config.label_smoothing,
            &mut buf.d_targets[..2 * b],
            &mut buf.dlogits[..2 * b],
            1.0 / b as f32,
        );
        self.metrics.d_real = mean_output(kind, &logits[..b]);
        self.metrics.d_fake = mean_output(kind, &logits[b..]);
        let grad = &mut buf.d_out_grad[..2 * b * width];
        for half in 0..2 {
            let rows = half * b..(half + 1) * b;
            conditional::scatter_logit_grads(
                cond,
                &buf.dlogits[rows.clone()],
                width,
                labels,
                &mut grad[rows.start * width..rows.end * width],
            );
        }
        // AC-GAN: the class head learns from real images only. Also teaching
        // it the requested class of fakes (as Odena et al. do) rewards D for
        // calling poor fakes by their label, and measured worse here (73% vs
        // 94% class accuracy after 12,000 steps on Fashion-MNIST).
        loss += conditional::class_head_loss(
            cond,
            &out[..b * width],
            width,
            k,
            labels,
            &mut grad[..b * width],
            self.config.aux_weight,
            b,
        );
        self.metrics.d_loss = loss / b as f64;
        self.d.backward(&mut buf.d_ws, din, 2 * b, grad, true, None);
        self.d_opt.step(&mut self.d.params, &self.d.grads);
        Ok(())
    }

    /// One G update through the just-updated D (under BCE, the
    /// non-saturating L_G = mean −log D(G(z))), plus for AC-GAN
    /// `aux_weight` × mean CE of D's class head on the fakes; then the weight
    /// average.
    fn train_generator(&mut self, b: usize) {
        let cond = self.cond();
        let (dim, k, latent) = (
            self.config.data_dim,
            self.config.classes,
            self.config.latent,
        );
        let (d_in, width) = (self.d.input(), self.d.output());
        let buf = &mut self.buf;
        let labels = &buf.labels[..if k > 0 { b } else { 0 }];
        // The fake rows of D's last input (G has not changed since).
        let fake: &[f32] = if d_in != dim {
            &buf.din[b * d_in..2 * b * d_in]
        } else {
            &buf.xd[b * dim..2 * b * dim]
        };
        // out: [b, width]; logits: [b]
        self.d.forward(&mut buf.d_ws, fake, b);
        let out = &buf.d_ws.outs[self.d.layers.len() - 1][..b * width];
        let logits = &mut buf.logits[..b];
        conditional::adversarial_logits(cond, out, width, labels, logits);
        let mut loss = generator_loss(
            self.config.loss,
            logits,
            &mut buf.g_targets[..b],
            &mut buf.dlogits[..b],
            1.0 / b as f32,
        );
        let grad = &mut buf.d_out_grad[..b * width];
        conditional::scatter_logit_grads(cond, &buf.dlogits[..b], width, labels, grad);
        loss += conditional::class_head_loss(
            cond,
            out,
            width,
            k,
            labels,
            grad,
            self.config.aux_weight,
            b,
        );
        self.metrics.g_loss = loss / b as f64;
        // dL/dfake: [b, dim]
        d_image_grad(
            &mut self.d,
            &mut buf.d_ws,
            fake,
            b,
            grad,
            &mut buf.din_grad,
            &mut buf.d_fake[..b * dim],
        );
        let gin: &[f32] = if k > 0 {
            &buf.gin[..b * (latent + k)]
        } else {
            &buf.z[..b * latent]
        };
        self.g
            .backward(&mut buf.g_ws, gin, b, &buf.d_fake[..b * dim], true, None);
        self.g_opt.step(&mut self.g.params, &self.g.grads);
        self.update_ema();
    }

    /// `ema = d·ema + (1 − d)·params` with `d = min(decay, (1 + t)/(10 + t))`:
    /// the warm-up keeps early samples from being dominated by the random
    /// initial weights.
    fn update_ema(&mut self) {
        if self.config.ema_decay == 0.0 {
            return;
        }
        let t = self.g_opt.t as f64;
        let d = (self.config.ema_decay as f64).min((1.0 + t) / (10.0 + t)) as f32;
        let c = 1.0 - d;
        for (e, &p) in self.g_ema.iter_mut().zip(&self.g.params) {
            *e = d * *e + c * p;
        }
    }

    /// Generates `n` rows into `out [n × data_dim]`. The latent vectors are
    /// `z [n × latent]` when given, else drawn from `Rng::derive(seed,
    /// SEEDED_SAMPLE, 0)` when a seed is given, else from the sampling stream.
    /// A conditional GAN needs `labels [n]` (each below `classes`); an
    /// unconditional one refuses them.
    pub fn sample(
        &mut self,
        n: usize,
        z: Option<&[f32]>,
        labels: Option<&[u32]>,
        seed: Option<u64>,
        out: &mut [f32],
    ) -> Result<()> {
        let (latent, dim, k) = (
            self.config.latent,
            self.config.data_dim,
            self.config.classes,
        );
        if let Some(z) = z {
            if z.len() != n * latent {
                return Err(Error::invalid(format!(
                    "z must hold n × latent = {} × {} = {} values, got {}",
                    n,
                    latent,
                    n * latent,
                    z.len()
                )));
            }
        }
        check_sample_labels(k, n, labels)?;
        assert!(out.len() >= n * dim);
        let chunk = n.clamp(1, SAMPLE_CHUNK);
        self.g.reserve(&mut self.buf.s_ws, chunk)?;
        resize_f32(&mut self.buf.s_z, chunk * latent, "latent batch")?;
        if k > 0 {
            resize_f32(&mut self.buf.s_gin, chunk * (latent + k), "generator input")?;
        }
        let mut seeded = seed.map(|s| Rng::derive(s, stream::SEEDED_SAMPLE, 0));
        let mut start = 0;
        while start < n {
            let rows = (n - start).min(chunk);
            let zc = &mut self.buf.s_z[..rows * latent];
            match z {
                Some(z) => zc.copy_from_slice(&z[start * latent..(start + rows) * latent]),
                None => {
                    let rng = seeded.as_mut().unwrap_or(&mut self.sample_rng);
                    Self::draw_latent(self.config.latent_dist, rng, zc, None);
                }
            }
            let gin: &[f32] = match labels {
                Some(l) => {
                    let g = &mut self.buf.s_gin[..rows * (latent + k)];
                    conditional::append_one_hot(zc, latent, &l[start..start + rows], k, g);
                    g
                }
                None => zc,
            };
            // With EMA on, samples come from the averaged weights.
            let params = if self.g_ema.is_empty() {
                &self.g.params
            } else {
                &self.g_ema
            };
            self.g.forward_params(params, &mut self.buf.s_ws, gin, rows);
            let last = &self.buf.s_ws.outs[self.g.layers.len() - 1];
            out[start * dim..(start + rows) * dim].copy_from_slice(&last[..rows * dim]);
            start += rows;
        }
        Ok(())
    }

    /// Sets the class names (empty to clear); a non-empty list must name
    /// every class of a conditional GAN.
    pub fn set_class_names(&mut self, names: Vec<String>) -> Result<()> {
        if !names.is_empty() && names.len() != self.config.classes {
            return Err(Error::invalid(format!(
                "class names must name each of the model's {} classes, got {} names",
                self.config.classes,
                names.len()
            )));
        }
        self.class_names = names;
        Ok(())
    }
}

/// dL/d(image) `[rows × dim]` into `d_fake`, from D's output gradient `grad`
/// on its input rows `x` (D's parameter gradients are not computed). Under
/// concat conditioning D's input rows also hold the one-hot labels: their
/// gradient goes through `din_grad` and its label columns are dropped.
fn d_image_grad(
    d: &mut Mlp,
    ws: &mut Workspace,
    x: &[f32],
    rows: usize,
    grad: &[f32],
    din_grad: &mut [f32],
    d_fake: &mut [f32],
) {
    let (d_in, dim) = (d.input(), d_fake.len() / rows.max(1));
    if d_in != dim {
        let dx = &mut din_grad[..rows * d_in];
        d.backward(ws, x, rows, grad, false, Some(dx));
        conditional::take_columns(dx, d_in, dim, rows, d_fake);
    } else {
        d.backward(ws, x, rows, grad, false, Some(d_fake));
    }
}

/// Label checks of `sample`: present exactly when the GAN is conditional,
/// one per sample, each a class id.
fn check_sample_labels(k: usize, n: usize, labels: Option<&[u32]>) -> Result<()> {
    match labels {
        None if k > 0 => Err(Error::invalid(format!(
            "this GAN is conditional (classes = {}): sampling needs one label per sample",
            k
        ))),
        Some(_) if k == 0 => Err(Error::invalid(
            "this GAN is unconditional (classes = 0): it takes no labels",
        )),
        Some(l) if l.len() != n => Err(Error::invalid(format!(
            "labels must hold one class per sample: n = {}, got {} labels",
            n,
            l.len()
        ))),
        Some(l) => match l.iter().position(|&y| y as usize >= k) {
            Some(i) => Err(Error::invalid(format!(
                "labels[{}] = {} is out of range: this GAN has classes 0..{}",
                i,
                l[i],
                k - 1
            ))),
            None => Ok(()),
        },
        None => Ok(()),
    }
}
