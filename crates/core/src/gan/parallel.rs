//! Data-parallel training: the step of `gan.rs`, with each update's batch
//! split into micro-batches whose gradients are summed in a fixed tree order
//! (`crate::reduce`), so that several instances (workers) can each compute
//! some micro-batches and still produce exactly the weights one instance
//! would.
//!
//! A step is four phases, each a function here:
//! 1. `partial_discriminator(lo, hi)`: every instance draws the whole batch
//!    (real rows, latent vectors) so that samplers and RNGs stay in step, runs
//!    G on the latent rows of micro-batches `lo..hi`, then D forward and
//!    backward on their real and fake rows, and sums the D gradients of those
//!    micro-batches into aligned blocks of the tree (`DpState::out`).
//! 2. `apply_discriminator`: from the blocks of all instances (`DpState::all`),
//!    the tree's root is the batch gradient; every instance takes the same
//!    optimizer step, so all keep identical weights.
//! 3. `partial_generator(lo, hi)`: the G gradients through the updated D for
//!    the same micro-batches (their fakes from phase 1).
//! 4. `apply_generator`, as 2.
//!
//! With `d_steps` > 1, phases 1–2 repeat before 3–4, as in `Gan::train`.
//!
//! A conditional GAN's phases do what `train_discriminator` and
//! `train_generator` do to the whole batch, to each micro-batch: the one-hot
//! labels of its rows appended to G's input and (concat) to D's, the
//! projection or the class head (AC-GAN: real rows in phase 1, fakes in
//! phase 3) on its rows, each term's loss scaled by 1/batch.
//!
//! Each micro-batch's gradient sums its rows in the order the whole batch has
//! them (its real rows, then its fake rows), and its loss and D(x) sums are
//! f64 sums in the same order, reduced by the same tree. With one micro-batch per batch
//! every sum is the one `Gan::train` computes, so `train_micro(batch, batch)`
//! equals `train(batch)` bit for bit; with more, results depend on the
//! micro-batch size but not on how many instances share the micro-batches.

use super::Gan;
use crate::conditional;
use crate::config::GanLoss;
use crate::dataset::Dataset;
use crate::error::{resize_f32, Error, Result};
use crate::loss::{discriminator_loss, generator_loss, probability_sum};
use crate::mlp::RowSplit;
use crate::reduce::{self, Partials};
use core::ops::Range;

/// f64 sums carried with each micro-batch's gradients: the loss and the sums
/// of D's reported output on real and on fake rows (`output_sum`); the
/// generator phase uses only the first.
pub const SUMS: usize = 3;

/// The numerator of `loss::mean_output`: Σ σ(l) under BCE and hinge, Σ l
/// under least squares, in f64 and in order.
fn output_sum(kind: GanLoss, logits: &[f32]) -> f64 {
    match kind {
        GanLoss::LeastSquares => logits.iter().map(|&l| l as f64).sum::<f64>(),
        _ => probability_sum(logits),
    }
}

/// A batch split into `count` micro-batches of `size` rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MicroBatches {
    pub batch: usize,
    pub size: usize,
    pub count: usize,
}

impl MicroBatches {
    pub fn new(batch: usize, size: usize) -> Result<MicroBatches> {
        if size == 0 || batch == 0 || batch % size != 0 {
            return Err(Error::invalid(format!(
                "the micro-batch size must divide the batch size: batch {}, micro-batch {}",
                batch, size
            )));
        }
        Ok(MicroBatches {
            batch,
            size,
            count: batch / size,
        })
    }
}

/// Scratch of the data-parallel path, kept between steps: once sized by the
/// first step, later steps do not allocate.
#[derive(Clone, Debug, Default)]
pub struct DpState {
    /// Gradient vector of each micro-batch of this instance's range.
    leaves: Vec<f32>,
    leaf_sums: Vec<f64>,
    /// D's input `[real; fake]` for this instance's rows, when they are not the whole batch.
    x: Vec<f32>,
    /// The root's sums after an apply.
    sums: [f64; SUMS],
    /// Micro-batches whose fakes the last discriminator phase made.
    range: Option<(usize, usize)>,
    /// Batch size and micro-batch range of a batch drawn ahead by `prefetch_batch`.
    prefetched: Option<(usize, usize, usize)>,
    /// This instance's blocks after a `partial_*` phase.
    pub out: Partials,
    /// Every instance's blocks, read by `apply_*`.
    pub all: Partials,
}

impl DpState {
    /// Makes this instance's blocks of its last `partial_*` phase the first
    /// blocks of `all` (the other instances' are then read after them),
    /// without copying them. They can be taken once: a second take finds no
    /// blocks, and the apply then fails its coverage check.
    pub fn take_own_blocks(&mut self, params: usize) -> Result<()> {
        if self.out.params != params || self.out.sums_len != SUMS {
            return Err(Error::invalid(format!(
                "this instance's partial sums have {} gradients, the phase being applied has {}",
                self.out.params, params
            )));
        }
        core::mem::swap(&mut self.out, &mut self.all);
        self.out.reset(params, SUMS);
        Ok(())
    }
}

impl Gan {
    fn check_micro(&self, data: &Dataset, mb: MicroBatches) -> Result<()> {
        if data.dim != self.config.data_dim {
            return Err(Error::invalid(format!(
                "the dataset's rows have {} values but the model expects {} (dataDim)",
                data.dim, self.config.data_dim
            )));
        }
        if mb.batch > super::MAX_BATCH || mb.batch > data.count {
            return Err(Error::invalid(format!(
                "batch size must be at most {} and at most the dataset's {} rows, got {}",
                super::MAX_BATCH,
                data.count,
                mb.batch
            )));
        }
        if self.config.classes > 0 {
            data.check_labels(self.config.classes, "a conditional GAN")?;
        }
        Ok(())
    }

    fn check_range(mb: MicroBatches, lo: usize, hi: usize) -> Result<()> {
        if lo >= hi || hi > mb.count {
            return Err(Error::invalid(format!(
                "micro-batch range {}..{} is not a non-empty part of 0..{}",
                lo, hi, mb.count
            )));
        }
        Ok(())
    }

    /// Grows the leaf buffers for `n` micro-batches of `params` gradients.
    fn reserve_leaves(st: &mut DpState, n: usize, params: usize) -> Result<()> {
        resize_f32(&mut st.leaves, n * params, "micro-batch gradients")?;
        if st.leaf_sums.len() < n * SUMS {
            st.leaf_sums.resize(n * SUMS, 0.0);
        }
        Ok(())
    }

    /// Phase 1: draws this step's batch and sums the discriminator gradients
    /// of micro-batches `lo..hi` into `st.out`.
    pub fn partial_discriminator(
        &mut self,
        st: &mut DpState,
        data: &Dataset,
        mb: MicroBatches,
        lo: usize,
        hi: usize,
    ) -> Result<()> {
        self.check_micro(data, mb)?;
        Self::check_range(mb, lo, hi)?;
        let (b, mu) = (mb.batch, mb.size);
        let (dim, latent) = (self.config.data_dim, self.config.latent);
        let (r0, r1) = (lo * mu, hi * mu);
        let w = r1 - r0;
        self.reserve(b)?;
        Self::reserve_leaves(st, hi - lo, self.d.params.len())?;
        // The whole batch, drawn by every instance so their states stay equal
        // (unless `prefetch_batch` drew it already).
        match st.prefetched.take() {
            Some(p) if p == (b, lo, hi) => {}
            Some((pb, plo, phi)) => {
                return Err(Error::invalid(format!(
                    "micro-batches {}..{} of a batch of {} rows were prefetched, but this phase has {}..{} of {}",
                    plo, phi, pb, lo, hi, b
                )))
            }
            None => self.draw_batch(data, b, r0..r1)?,
        }
        let cond = self.cond();
        let (k, d_in, width) = (self.config.classes, self.d.input(), self.d.output());
        let buf = &mut self.buf;
        // Labels of this instance's rows (conditional only; the other rows' are not drawn).
        let own = |rows: Range<usize>| row_labels(&buf.labels, k, rows);
        // G's input for rows r0..r1: z, or [z, onehot(y)] (kept for the generator phase).
        let gw = latent + k;
        let gin: &[f32] = if k > 0 {
            conditional::append_one_hot(
                &buf.z[r0 * latent..r1 * latent],
                latent,
                own(r0..r1),
                k,
                &mut buf.gin[r0 * gw..r1 * gw],
            );
            &buf.gin[r0 * gw..r1 * gw]
        } else {
            &buf.z[r0 * latent..r1 * latent]
        };
        // This instance's fakes: G(z) for rows r0..r1, [w, dim].
        self.g.forward(&mut buf.g_ws, gin, w);
        buf.xd[(b + r0) * dim..(b + r1) * dim]
            .copy_from_slice(&buf.g_ws.outs[self.g.layers.len() - 1][..w * dim]);
        // D's input: each micro-batch's real rows then its fake rows, [2w,
        // d_in], each row with its one-hot label appended under concat
        // conditioning. With one micro-batch that is the batch [real; fake]
        // as `train` has it; with more, each micro-batch's rows are
        // contiguous, so its loss and its gradient sum run over one slice.
        let x: &[f32] = if w == b && mu == b && d_in == dim {
            &buf.xd[..2 * b * dim]
        } else {
            resize_f32(&mut st.x, 2 * w * d_in, "discriminator batch")?;
            for j in 0..hi - lo {
                let rows = r0 + j * mu..r0 + (j + 1) * mu;
                let at = 2 * j * mu * d_in;
                let (real_to, fake_to) = st.x[at..at + 2 * mu * d_in].split_at_mut(mu * d_in);
                let real = &buf.xd[rows.start * dim..rows.end * dim];
                let fake = &buf.xd[(b + rows.start) * dim..(b + rows.end) * dim];
                if d_in != dim {
                    conditional::append_one_hot(real, dim, own(rows.clone()), k, real_to);
                    conditional::append_one_hot(fake, dim, own(rows), k, fake_to);
                } else {
                    real_to.copy_from_slice(real);
                    fake_to.copy_from_slice(fake);
                }
            }
            &st.x[..2 * w * d_in]
        };
        // out: [2w, width]; logits: [2w]
        self.d.forward(&mut buf.d_ws, x, 2 * w);
        let out = &buf.d_ws.outs[self.d.layers.len() - 1][..2 * w * width];
        let logits = &mut buf.logits[..2 * w];
        let dlogits = &mut buf.dlogits[..2 * w];
        let grad = &mut buf.d_out_grad[..2 * w * width];
        let kind = self.config.loss;
        for j in 0..hi - lo {
            let rows = 2 * j * mu..2 * (j + 1) * mu;
            let ys = own(r0 + j * mu..r0 + (j + 1) * mu);
            let halves = [rows.start..rows.start + mu, rows.start + mu..rows.end];
            for h in halves.iter().cloned() {
                conditional::adversarial_logits(
                    cond,
                    &out[h.start * width..h.end * width],
                    width,
                    ys,
                    &mut logits[h],
                );
            }
            // The same functions `train` applies to the whole batch.
            let mut loss = discriminator_loss(
                kind,
                &logits[rows.clone()],
                mu,
                1.0 - self.config.label_smoothing,
                &mut buf.d_targets[rows.clone()],
                &mut dlogits[rows.clone()],
                // Each half of the batch is a mean over b rows.
                1.0 / b as f32,
            );
            for h in halves.iter().cloned() {
                conditional::scatter_logit_grads(
                    cond,
                    &dlogits[h.clone()],
                    width,
                    ys,
                    &mut grad[h.start * width..h.end * width],
                );
            }
            // AC-GAN's class head on the real rows only, as in `train`.
            let real = halves[0].start * width..halves[0].end * width;
            loss += conditional::class_head_loss(
                cond,
                &out[real.clone()],
                width,
                k,
                ys,
                &mut grad[real],
                self.config.aux_weight,
                b,
            );
            let (real, fake) = logits[rows].split_at(mu);
            st.leaf_sums[j * SUMS..(j + 1) * SUMS].copy_from_slice(&[
                loss,
                output_sum(kind, real),
                output_sum(kind, fake),
            ]);
        }
        let split = RowSplit {
            groups: hi - lo,
            size: 2 * mu,
        };
        let p = self.d.params.len();
        self.d.backward_split(
            &mut buf.d_ws,
            x,
            2 * w,
            &buf.d_out_grad[..2 * w * width],
            Some((split, &mut st.leaves[..(hi - lo) * p])),
            None,
        );
        st.out.reset(p, SUMS);
        reduce::reduce_range(
            lo,
            hi,
            &mut st.leaves[..(hi - lo) * p],
            &mut st.leaf_sums[..(hi - lo) * SUMS],
            &mut st.out,
        );
        st.range = Some((lo, hi));
        Ok(())
    }

    /// Draws a step's real rows and latent vectors (the sampler's and the
    /// training RNG's only use in a step). Every instance draws the whole
    /// batch, so that samplers and RNGs stay in step, but only `rows` (its
    /// own) are written: copying the other rows and computing their normal
    /// variates was work every worker repeated, on the critical path.
    fn draw_batch(&mut self, data: &Dataset, b: usize, rows: Range<usize>) -> Result<()> {
        let (dim, latent, k) = (
            self.config.data_dim,
            self.config.latent,
            self.config.classes,
        );
        let labels = if k > 0 {
            Some(&mut self.buf.labels[..b])
        } else {
            None
        };
        self.sampler.next_batch_part(
            self.config.seed,
            data,
            b,
            rows.clone(),
            &mut self.buf.xd[..b * dim],
            labels,
        )?;
        self.images_seen += b as u64;
        Self::draw_latent(
            self.config.latent_dist,
            &mut self.train_rng,
            &mut self.buf.z[..b * latent],
            Some(rows.start * latent..rows.end * latent),
        );
        Ok(())
    }

    /// Draws the next step's batch ahead of time, after this step's generator
    /// phase: it depends on no weight, so a worker can draw it while the
    /// generator's gradients are being exchanged, instead of after. The next
    /// `partial_discriminator` then uses it. The sampler and the RNG advance
    /// exactly as they would have, in the same order, so the weights are
    /// unchanged; only call it when that next step will run.
    pub fn prefetch_batch(
        &mut self,
        st: &mut DpState,
        data: &Dataset,
        mb: MicroBatches,
        lo: usize,
        hi: usize,
    ) -> Result<()> {
        self.check_micro(data, mb)?;
        Self::check_range(mb, lo, hi)?;
        if st.prefetched.is_some() || st.range.is_none() {
            return Err(Error::invalid(
                "a batch can be prefetched once, after a generator phase",
            ));
        }
        self.reserve(mb.batch)?;
        self.draw_batch(data, mb.batch, lo * mb.size..hi * mb.size)?;
        st.prefetched = Some((mb.batch, lo, hi));
        Ok(())
    }

    /// Phase 2: the discriminator update from every instance's blocks in `st.all`.
    pub fn apply_discriminator(&mut self, st: &mut DpState, mb: MicroBatches) -> Result<()> {
        let root = reduce::combine_in_place(mb.count, &mut st.all)?;
        st.sums.copy_from_slice(st.all.sums_of(root));
        let b = mb.batch as f64;
        self.metrics.d_loss = st.sums[0] / b;
        self.metrics.d_real = st.sums[1] / b;
        self.metrics.d_fake = st.sums[2] / b;
        self.d_opt.step(&mut self.d.params, st.all.grads_of(root));
        Ok(())
    }

    /// Phase 3: sums the generator gradients through the updated D of
    /// micro-batches `lo..hi` (the range of the last phase 1) into `st.out`.
    pub fn partial_generator(
        &mut self,
        st: &mut DpState,
        mb: MicroBatches,
        lo: usize,
        hi: usize,
    ) -> Result<()> {
        Self::check_range(mb, lo, hi)?;
        if st.range != Some((lo, hi)) || self.buf.rows < mb.batch {
            return Err(Error::invalid(format!(
                "the generator phase for micro-batches {}..{} must follow a discriminator phase for the same micro-batches",
                lo, hi
            )));
        }
        let (b, mu) = (mb.batch, mb.size);
        let (dim, latent) = (self.config.data_dim, self.config.latent);
        let (r0, r1) = (lo * mu, hi * mu);
        let w = r1 - r0;
        Self::reserve_leaves(st, hi - lo, self.g.params.len())?;
        let cond = self.cond();
        let (k, d_in, width) = (self.config.classes, self.d.input(), self.d.output());
        let buf = &mut self.buf;
        let own = |rows: Range<usize>| row_labels(&buf.labels, k, rows);
        // This instance's fakes as D's input (G has not changed since): [w, d_in].
        let fake: &[f32] = if d_in != dim {
            conditional::append_one_hot(
                &buf.xd[(b + r0) * dim..(b + r1) * dim],
                dim,
                own(r0..r1),
                k,
                &mut buf.din[..w * d_in],
            );
            &buf.din[..w * d_in]
        } else {
            &buf.xd[(b + r0) * dim..(b + r1) * dim]
        };
        // out: [w, width]; logits: [w]
        self.d.forward(&mut buf.d_ws, fake, w);
        let out = &buf.d_ws.outs[self.d.layers.len() - 1][..w * width];
        let logits = &mut buf.logits[..w];
        let dlogits = &mut buf.dlogits[..w];
        let grad = &mut buf.d_out_grad[..w * width];
        for j in 0..hi - lo {
            let r = j * mu..(j + 1) * mu;
            let ys = own(r0 + r.start..r0 + r.end);
            let cols = r.start * width..r.end * width;
            conditional::adversarial_logits(
                cond,
                &out[cols.clone()],
                width,
                ys,
                &mut logits[r.clone()],
            );
            let mut loss = generator_loss(
                self.config.loss,
                &logits[r.clone()],
                &mut buf.g_targets[r.clone()],
                &mut dlogits[r.clone()],
                1.0 / b as f32,
            );
            conditional::scatter_logit_grads(cond, &dlogits[r], width, ys, &mut grad[cols.clone()]);
            loss += conditional::class_head_loss(
                cond,
                &out[cols.clone()],
                width,
                k,
                ys,
                &mut grad[cols],
                self.config.aux_weight,
                b,
            );
            st.leaf_sums[j * SUMS..(j + 1) * SUMS].copy_from_slice(&[loss, 0.0, 0.0]);
        }
        // dL/dfake: [w, dim]
        super::d_image_grad(
            &mut self.d,
            &mut buf.d_ws,
            fake,
            w,
            &buf.d_out_grad[..w * width],
            &mut buf.din_grad,
            &mut buf.d_fake[..w * dim],
        );
        let split = RowSplit {
            groups: hi - lo,
            size: mu,
        };
        let p = self.g.params.len();
        let gin = if k > 0 {
            &buf.gin[r0 * (latent + k)..r1 * (latent + k)]
        } else {
            &buf.z[r0 * latent..r1 * latent]
        };
        self.g.backward_split(
            &mut buf.g_ws,
            gin,
            w,
            &buf.d_fake[..w * dim],
            Some((split, &mut st.leaves[..(hi - lo) * p])),
            None,
        );
        st.out.reset(p, SUMS);
        reduce::reduce_range(
            lo,
            hi,
            &mut st.leaves[..(hi - lo) * p],
            &mut st.leaf_sums[..(hi - lo) * SUMS],
            &mut st.out,
        );
        Ok(())
    }

    /// Phase 4: the generator update from every instance's blocks in `st.all`;
    /// completes the step.
    pub fn apply_generator(&mut self, st: &mut DpState, mb: MicroBatches) -> Result<()> {
        let root = reduce::combine_in_place(mb.count, &mut st.all)?;
        st.sums.copy_from_slice(st.all.sums_of(root));
        self.metrics.g_loss = st.sums[0] / mb.batch as f64;
        self.g_opt.step(&mut self.g.params, st.all.grads_of(root));
        self.update_ema();
        self.step += 1;
        Ok(())
    }

    /// `train` in the data-parallel order on one instance: batches of `batch`
    /// rows in micro-batches of `micro` rows. Gives the weights that any
    /// number of instances sharing the micro-batches give.
    pub fn train_micro(
        &mut self,
        st: &mut DpState,
        data: &Dataset,
        batch: usize,
        micro: usize,
        steps: u32,
    ) -> Result<()> {
        let mb = MicroBatches::new(batch, micro)?;
        self.check_micro(data, mb)?;
        for _ in 0..steps {
            for _ in 0..self.config.d_steps {
                self.partial_discriminator(st, data, mb, 0, mb.count)?;
                core::mem::swap(&mut st.out, &mut st.all);
                self.apply_discriminator(st, mb)?;
            }
            self.partial_generator(st, mb, 0, mb.count)?;
            core::mem::swap(&mut st.out, &mut st.all);
            self.apply_generator(st, mb)?;
        }
        Ok(())
    }
}

/// The labels of batch rows `rows` (a conditional GAN's, `k` > 0), or none.
fn row_labels(labels: &[u32], k: usize, rows: Range<usize>) -> &[u32] {
    if k > 0 {
        &labels[rows]
    } else {
        &[]
    }
}
