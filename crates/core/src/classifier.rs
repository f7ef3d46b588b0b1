//! An MLP classifier trained with the same kernels as the GANs (softmax
//! cross-entropy, Adam). It scores conditional GANs (the fraction of samples
//! classified as the class they were asked for) and its last hidden layer is
//! a feature space for distances between image sets.

use crate::dataset::{Dataset, Sampler};
use crate::error::{resize_f32, Error, Result};
use crate::kernels::Act;
use crate::loss::softmax_cross_entropy;
use crate::mlp::{Mlp, Workspace};
use crate::optim::{OptimConfig, Optimizer};
use crate::record::{self, MAX_WIDTH};
use crate::rng::{stream, Rng};

/// Everything that defines a classifier and its training.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassifierConfig {
    /// Values per input row (default 784).
    pub data_dim: usize,
    /// Number of classes (default 10).
    pub classes: usize,
    /// Hidden widths (default [256, 128]); the last one is the feature size.
    pub hidden: Vec<usize>,
    /// LeakyReLU slope of hidden layers (default 0: ReLU).
    pub leaky_slope: f32,
    /// Seed of the weights and the data order (default 0).
    pub seed: u64,
    /// Optimizer (default Adam 1e-3, β = (0.9, 0.999)).
    pub opt: OptimConfig,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        ClassifierConfig {
            data_dim: 784,
            classes: 10,
            hidden: vec![256, 128],
            leaky_slope: 0.0,
            seed: 0,
            opt: OptimConfig {
                lr: 1e-3,
                beta1: 0.9,
                ..OptimConfig::default()
            },
        }
    }
}

/// Keys of the classifier's config record (the GAN's numbers where shared).
pub mod key {
    pub const DATA_DIM: u32 = 2;
    pub const HIDDEN: u32 = 3;
    pub const LEAKY_SLOPE: u32 = 5;
    pub const SEED: u32 = 9;
    /// 10..=14: the optimizer (type, lr, beta1, beta2, eps).
    pub const OPTIMIZER: u32 = 10;
    pub const CLASSES: u32 = 23;
}

impl ClassifierConfig {
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.data_dim];
        s.extend_from_slice(&self.hidden);
        s.push(self.classes);
        s
    }

    pub fn validate(&self) -> Result<()> {
        record::check_size("dataDim", self.data_dim)?;
        if self.classes < 2 || self.classes > 1 << 16 {
            return Err(Error::invalid(format!(
                "classes must be an integer in 2..={}, got {}",
                1 << 16,
                self.classes
            )));
        }
        if self.hidden.is_empty() {
            return Err(Error::invalid(
                "a classifier needs at least one hidden layer (its features)",
            ));
        }
        record::check_hidden("classifier", &self.hidden)?;
        record::check_leaky_slope(self.leaky_slope)?;
        record::check_seed(self.seed)?;
        record::check_optimizer("classifier", &self.opt)
    }

    pub fn to_record(&self) -> Vec<f64> {
        let mut r = vec![key::DATA_DIM as f64, self.data_dim as f64];
        for &w in &self.hidden {
            r.extend_from_slice(&[key::HIDDEN as f64, w as f64]);
        }
        r.extend_from_slice(&[
            key::LEAKY_SLOPE as f64,
            self.leaky_slope as f64,
            key::SEED as f64,
            self.seed as f64,
            key::CLASSES as f64,
            self.classes as f64,
        ]);
        record::put_optimizer(&mut r, key::OPTIMIZER, &self.opt);
        r
    }

    pub fn from_record(r: &[f64]) -> Result<ClassifierConfig> {
        let mut c = ClassifierConfig::default();
        let mut hidden = None::<Vec<usize>>;
        for (k, v) in record::pairs(r)? {
            match k {
                key::DATA_DIM => c.data_dim = record::width("dataDim", v)?,
                key::HIDDEN => hidden
                    .get_or_insert_with(Vec::new)
                    .push(record::width("classifier hidden width", v)?),
                key::LEAKY_SLOPE => c.leaky_slope = v as f32,
                key::SEED => c.seed = record::uint("seed", v)?,
                key::CLASSES => {
                    c.classes = record::uint("classes", v)?.min(MAX_WIDTH as u64) as usize
                }
                k if (key::OPTIMIZER..key::OPTIMIZER + 5).contains(&k) => {
                    record::read_optimizer_field(&mut c.opt, "classifier", k - key::OPTIMIZER, v)?
                }
                other => return Err(record::unknown_key(other)),
            }
        }
        if let Some(h) = hidden {
            c.hidden = h;
        }
        c.validate()?;
        Ok(c)
    }
}

/// What `Classifier::infer` writes per input row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The arg-max class id (one u32, stored in the f32 slot's bits).
    Label,
    /// Softmax probabilities `[classes]`.
    Probabilities,
    /// The last hidden layer's activations `[hidden.last()]`.
    Features,
}

impl Output {
    pub fn from_id(id: u32) -> Option<Output> {
        match id {
            0 => Some(Output::Label),
            1 => Some(Output::Probabilities),
            2 => Some(Output::Features),
            _ => None,
        }
    }
}

/// Values reported after each step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClassifierMetrics {
    /// Mean cross-entropy on the last batch.
    pub loss: f64,
    /// Fraction of the last batch classified correctly (before the update).
    pub accuracy: f64,
}

const INFER_CHUNK: usize = 256;

/// A classifier with its training state.
#[derive(Clone, Debug)]
pub struct Classifier {
    pub config: ClassifierConfig,
    pub net: Mlp,
    pub opt: Optimizer,
    pub sampler: Sampler,
    pub step: u64,
    pub images_seen: u64,
    pub metrics: ClassifierMetrics,
    pub meta: Vec<u8>,
    /// Names of the classes (empty, or one per class).
    pub class_names: Vec<String>,
    buf: Buffers,
}

#[derive(Clone, Debug, Default)]
struct Buffers {
    rows: usize,
    ws: Workspace,
    x: Vec<f32>,
    labels: Vec<u32>,
    grad: Vec<f32>,
    i_ws: Workspace,
}

impl Classifier {
    pub fn new(config: ClassifierConfig) -> Result<Classifier> {
        config.validate()?;
        let mut init = Rng::derive(config.seed, stream::INIT, 0);
        let act = if config.leaky_slope == 0.0 {
            Act::Relu
        } else {
            Act::Leaky(config.leaky_slope)
        };
        let net = Mlp::new(&config.sizes(), act, Act::Linear, &mut init)?;
        let opt = Optimizer::new(config.opt, net.params.len())?;
        Ok(Classifier {
            config,
            net,
            opt,
            sampler: Sampler::default(),
            step: 0,
            images_seen: 0,
            metrics: ClassifierMetrics::default(),
            meta: Vec::new(),
            class_names: Vec::new(),
            buf: Buffers::default(),
        })
    }

    /// Feature size: the width of the last hidden layer.
    pub fn features(&self) -> usize {
        *self.config.hidden.last().expect("validated")
    }

    /// Runs `steps` steps of mean cross-entropy + Adam on labelled `data`.
    pub fn train(&mut self, data: &Dataset, batch: usize, steps: u32) -> Result<()> {
        let c = &self.config;
        if data.dim != c.data_dim {
            return Err(Error::invalid(format!(
                "the dataset's rows have {} values but the classifier expects {} (dataDim)",
                data.dim, c.data_dim
            )));
        }
        if batch == 0 || batch > crate::gan::MAX_BATCH || batch > data.count {
            return Err(Error::invalid(format!(
                "batch size must be an integer in 1..={}, got {}",
                crate::gan::MAX_BATCH.min(data.count),
                batch
            )));
        }
        data.check_labels(c.classes, "the classifier")?;
        if self.buf.rows < batch {
            let (dim, k) = (c.data_dim, c.classes);
            self.net.reserve(&mut self.buf.ws, batch)?;
            resize_f32(&mut self.buf.x, batch * dim, "batch")?;
            self.buf.labels.resize(batch, 0);
            resize_f32(&mut self.buf.grad, batch * k, "logit gradients")?;
            self.buf.rows = batch;
        }
        for _ in 0..steps {
            self.train_step(data, batch)?;
        }
        Ok(())
    }

    fn train_step(&mut self, data: &Dataset, b: usize) -> Result<()> {
        let (dim, k) = (self.config.data_dim, self.config.classes);
        let buf = &mut self.buf;
        // x: [b, dim]; labels: [b]
        self.sampler.next_labelled_batch(
            self.config.seed,
            data,
            b,
            &mut buf.x[..b * dim],
            Some(&mut buf.labels[..b]),
        )?;
        self.images_seen += b as u64;
        // logits: [b, K]
        self.net.forward(&mut buf.ws, &buf.x[..b * dim], b);
        let logits = &buf.ws.outs[self.net.layers.len() - 1][..b * k];
        let (loss, correct) = softmax_cross_entropy(
            logits,
            k,
            0,
            k,
            &buf.labels[..b],
            &mut buf.grad[..b * k],
            1.0 / b as f32,
        );
        self.metrics.loss = loss / b as f64;
        self.metrics.accuracy = correct as f64 / b as f64;
        self.net.backward(
            &mut buf.ws,
            &buf.x[..b * dim],
            b,
            &buf.grad[..b * k],
            true,
            None,
        );
        self.opt.step(&mut self.net.params, &self.net.grads);
        self.step += 1;
        Ok(())
    }

    /// Values per row that `infer` writes for `what`.
    pub fn output_width(&self, what: Output) -> usize {
        match what {
            Output::Label => 1,
            Output::Probabilities => self.config.classes,
            Output::Features => self.features(),
        }
    }

    /// Runs `n` rows of `x [n × data_dim]` through the network and writes
    /// `what` for each into `out [n × output_width]`. Labels are written as
    /// u32 bit patterns (`f32::from_bits`), so they survive the f32 buffer.
    pub fn infer(&mut self, n: usize, x: &[f32], what: Output, out: &mut [f32]) -> Result<()> {
        let (dim, k) = (self.config.data_dim, self.config.classes);
        if x.len() != n * dim {
            return Err(Error::invalid(format!(
                "images must hold n × dataDim = {} × {} = {} values, got {}",
                n,
                dim,
                n * dim,
                x.len()
            )));
        }
        let width = self.output_width(what);
        assert!(out.len() >= n * width);
        let chunk = n.clamp(1, INFER_CHUNK);
        self.net.reserve(&mut self.buf.i_ws, chunk)?;
        let last = self.net.layers.len() - 1;
        let mut start = 0;
        while start < n {
            let rows = (n - start).min(chunk);
            let ws = &mut self.buf.i_ws;
            self.net
                .forward(ws, &x[start * dim..(start + rows) * dim], rows);
            let o = &mut out[start * width..(start + rows) * width];
            match what {
                Output::Features => o.copy_from_slice(&ws.outs[last - 1][..rows * width]),
                Output::Label | Output::Probabilities => {
                    for (i, row) in ws.outs[last][..rows * k].chunks_exact(k).enumerate() {
                        let (mut best, mut max) = (0, row[0]);
                        for (j, &l) in row.iter().enumerate().skip(1) {
                            if l > max {
                                best = j;
                                max = l;
                            }
                        }
                        if what == Output::Label {
                            o[i] = f32::from_bits(best as u32);
                        } else {
                            let p = &mut o[i * k..(i + 1) * k];
                            let mut total = 0.0f32;
                            for (pj, &l) in p.iter_mut().zip(row) {
                                *pj = (l - max).exp();
                                total += *pj;
                            }
                            p.iter_mut().for_each(|v| *v /= total);
                        }
                    }
                }
            }
            start += rows;
        }
        Ok(())
    }

    /// Sets the class names (empty to clear; otherwise one per class).
    pub fn set_class_names(&mut self, names: Vec<String>) -> Result<()> {
        if !names.is_empty() && names.len() != self.config.classes {
            return Err(Error::invalid(format!(
                "class names must name each of the classifier's {} classes, got {} names",
                self.config.classes,
                names.len()
            )));
        }
        self.class_names = names;
        Ok(())
    }
}
