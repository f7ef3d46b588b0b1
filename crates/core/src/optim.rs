//! Optimizers: Adam and plain SGD, with their state kept beside the network.

use crate::error::{zeroed_f32, Result};
use crate::kernels::{self, AdamStep};

/// Which update rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimKind {
    Adam,
    Sgd,
}

/// An optimizer's hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimConfig {
    pub kind: OptimKind,
    /// Learning rate (default 2e-4, the DCGAN value).
    pub lr: f32,
    /// Adam's first-moment decay (default 0.5, the GAN convention).
    pub beta1: f32,
    /// Adam's second-moment decay (default 0.999).
    pub beta2: f32,
    /// Adam's denominator floor (default 1e-8).
    pub eps: f32,
}

impl Default for OptimConfig {
    fn default() -> Self {
        OptimConfig {
            kind: OptimKind::Adam,
            lr: 2e-4,
            beta1: 0.5,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// An optimizer with its state for one parameter vector.
#[derive(Clone, Debug)]
pub struct Optimizer {
    pub config: OptimConfig,
    /// Updates applied so far.
    pub t: u64,
    /// Adam's first and second moments (empty for SGD).
    pub m: Vec<f32>,
    pub v: Vec<f32>,
}

impl Optimizer {
    pub fn new(config: OptimConfig, len: usize) -> Result<Optimizer> {
        let (m, v) = match config.kind {
            OptimKind::Adam => (
                zeroed_f32(len, "Adam moments")?,
                zeroed_f32(len, "Adam moments")?,
            ),
            OptimKind::Sgd => (Vec::new(), Vec::new()),
        };
        Ok(Optimizer { config, t: 0, m, v })
    }

    /// Applies one update of `params` along `grads`.
    pub fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        self.t += 1;
        let c = self.config;
        match c.kind {
            OptimKind::Adam => kernels::adam(
                params,
                grads,
                &mut self.m,
                &mut self.v,
                AdamStep {
                    lr: c.lr,
                    beta1: c.beta1,
                    beta2: c.beta2,
                    eps: c.eps,
                    t: self.t,
                },
            ),
            OptimKind::Sgd => kernels::sgd(params, grads, c.lr),
        }
    }
}
