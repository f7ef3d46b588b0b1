//! The GAN's configuration and its wire form, the config record: a flat list
//! of f64 `(key, value)` pairs (keys in `ConfigKey` of `ts/abi.ts`). The same
//! record is passed to `gan_new` and stored in checkpoints. List-valued fields
//! repeat their key, in order. Unknown keys are refused, so a newer writer's
//! fields are never silently dropped.

use crate::conditional::Conditioning;
use crate::error::{Error, Result};
use crate::kernels::Act;
use crate::optim::{OptimConfig, OptimKind};
use crate::record;

/// How latent vectors are drawn; stored in the model so sampling matches training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LatentDist {
    /// Standard normal (default).
    Normal,
    /// Uniform in [-1, 1).
    Uniform,
}

/// The adversarial loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GanLoss {
    /// Binary cross-entropy; the generator minimises −log D(G(z)) (default).
    Bce,
    /// Hinge: D minimises relu(1 − D(x)) + relu(1 + D(G(z))), G minimises −D(G(z)).
    Hinge,
    /// Least squares (LSGAN): D minimises ½(D(x) − 1)² + ½D(G(z))², G minimises ½(D(G(z)) − 1)².
    LeastSquares,
}

impl GanLoss {
    pub fn id(self) -> u32 {
        match self {
            GanLoss::Bce => 0,
            GanLoss::Hinge => 1,
            GanLoss::LeastSquares => 2,
        }
    }
}

/// Everything that defines a GAN and its training.
#[derive(Clone, Debug, PartialEq)]
pub struct GanConfig {
    /// Latent size (default 100).
    pub latent: usize,
    /// Size of one data row, e.g. 784 for 28×28 images (default 784).
    pub data_dim: usize,
    /// Generator hidden widths (default [128, 128]).
    pub g_hidden: Vec<usize>,
    /// Discriminator hidden widths (default [128, 128]).
    pub d_hidden: Vec<usize>,
    /// LeakyReLU slope of hidden layers, in [0, 1) (default 0.2; 0 is ReLU).
    pub leaky_slope: f32,
    /// Latent distribution (default normal).
    pub latent_dist: LatentDist,
    /// Discriminator updates per generator update (default 1).
    pub d_steps: u32,
    /// One-sided label smoothing: real targets are `1 − s`, s in [0, 0.5) (default 0).
    pub label_smoothing: f32,
    /// Seed of every random stream (default 0); an integer below 2^53.
    pub seed: u64,
    /// Generator optimizer (default Adam 2e-4, β = (0.5, 0.999)).
    pub g_opt: OptimConfig,
    /// Discriminator optimizer (default Adam 2e-4, β = (0.5, 0.999)).
    pub d_opt: OptimConfig,
    /// Activation of the generator's output (default tanh, for data in [-1, 1]).
    pub g_output: Act,
    /// The adversarial loss (default BCE).
    pub loss: GanLoss,
    /// Decay of the exponential moving average of the generator's weights,
    /// in [0, 1); 0 turns it off (default). When on, sampling uses the average.
    pub ema_decay: f32,
    /// Number of classes of a conditional GAN; 0 (default) is unconditional.
    pub classes: usize,
    /// How a conditional GAN uses its labels (default `Conditioning::DEFAULT`).
    pub conditioning: Conditioning,
    /// Weight of the auxiliary classification loss (AC-GAN only; default 1).
    pub aux_weight: f32,
}

impl Default for GanConfig {
    fn default() -> Self {
        GanConfig {
            latent: 100,
            data_dim: 784,
            g_hidden: vec![128, 128],
            d_hidden: vec![128, 128],
            leaky_slope: 0.2,
            latent_dist: LatentDist::Normal,
            d_steps: 1,
            label_smoothing: 0.0,
            seed: 0,
            g_opt: OptimConfig::default(),
            d_opt: OptimConfig::default(),
            g_output: Act::Tanh,
            loss: GanLoss::Bce,
            ema_decay: 0.0,
            classes: 0,
            conditioning: Conditioning::DEFAULT,
            aux_weight: 1.0,
        }
    }
}

/// Keys of the config record.
pub mod key {
    pub const LATENT: u32 = 1;
    pub const DATA_DIM: u32 = 2;
    pub const G_HIDDEN: u32 = 3;
    pub const D_HIDDEN: u32 = 4;
    pub const LEAKY_SLOPE: u32 = 5;
    pub const LATENT_DIST: u32 = 6;
    pub const D_STEPS: u32 = 7;
    pub const LABEL_SMOOTHING: u32 = 8;
    pub const SEED: u32 = 9;
    pub const G_OPTIMIZER: u32 = 10;
    pub const G_LR: u32 = 11;
    pub const G_BETA1: u32 = 12;
    pub const G_BETA2: u32 = 13;
    pub const G_EPS: u32 = 14;
    pub const D_OPTIMIZER: u32 = 15;
    pub const D_LR: u32 = 16;
    pub const D_BETA1: u32 = 17;
    pub const D_BETA2: u32 = 18;
    pub const D_EPS: u32 = 19;
    pub const G_OUTPUT: u32 = 20;
    pub const LOSS: u32 = 21;
    pub const EMA_DECAY: u32 = 22;
    /// Conditional GANs only (absent from unconditional records).
    pub const CLASSES: u32 = 23;
    pub const CONDITIONING: u32 = 24;
    pub const AUX_WEIGHT: u32 = 25;
}

pub use crate::record::{MAX_LAYERS, MAX_WIDTH};

impl GanConfig {
    /// Hidden-layer activation.
    pub fn hidden_act(&self) -> Act {
        if self.leaky_slope == 0.0 {
            Act::Relu
        } else {
            Act::Leaky(self.leaky_slope)
        }
    }

    /// Generator layer sizes `[latent (+ classes), g_hidden.., data_dim]`: a
    /// conditional generator reads its label as a one-hot vector after z.
    pub fn g_sizes(&self) -> Vec<usize> {
        let mut s = vec![self.latent + self.classes];
        s.extend_from_slice(&self.g_hidden);
        s.push(self.data_dim);
        s
    }

    /// Discriminator layer sizes `[data_dim (+ classes), d_hidden.., 1 (+ classes)]`
    /// (see `Conditioning` for which designs widen which end).
    pub fn d_sizes(&self) -> Vec<usize> {
        let (extra_in, extra_out) = if self.classes == 0 {
            (0, 0)
        } else {
            match self.conditioning {
                Conditioning::Concat => (self.classes, 0),
                Conditioning::AcGan | Conditioning::Projection => (0, self.classes),
            }
        };
        let mut s = vec![self.data_dim + extra_in];
        s.extend_from_slice(&self.d_hidden);
        s.push(1 + extra_out);
        s
    }

    /// Checks every field's domain; the message names the field, the
    /// expected range and the value given.
    pub fn validate(&self) -> Result<()> {
        record::check_size("latent", self.latent)?;
        record::check_size("dataDim", self.data_dim)?;
        record::check_hidden("generator", &self.g_hidden)?;
        record::check_hidden("discriminator", &self.d_hidden)?;
        record::check_leaky_slope(self.leaky_slope)?;
        if self.d_steps == 0 || self.d_steps > 100 {
            return Err(Error::invalid(format!(
                "dSteps must be an integer in 1..=100, got {}",
                self.d_steps
            )));
        }
        if !(self.label_smoothing.is_finite() && (0.0..0.5).contains(&self.label_smoothing)) {
            return Err(Error::invalid(format!(
                "labelSmoothing must be in [0, 0.5), got {}",
                self.label_smoothing
            )));
        }
        if !(self.ema_decay.is_finite() && (0.0..1.0).contains(&self.ema_decay)) {
            return Err(Error::invalid(format!(
                "emaDecay must be in [0, 1), got {}",
                self.ema_decay
            )));
        }
        if self.classes > 1 << 16 {
            return Err(Error::invalid(format!(
                "classes must be an integer in 0..={} (0 = unconditional), got {}",
                1 << 16,
                self.classes
            )));
        }
        if !(self.aux_weight.is_finite() && self.aux_weight >= 0.0) {
            return Err(Error::invalid(format!(
                "auxWeight must be a finite number ≥ 0, got {}",
                self.aux_weight
            )));
        }
        record::check_seed(self.seed)?;
        record::check_optimizer("generator", &self.g_opt)?;
        record::check_optimizer("discriminator", &self.d_opt)?;
        Ok(())
    }

    /// The config record.
    pub fn to_record(&self) -> Vec<f64> {
        let mut r = Vec::new();
        let mut put = |k: u32, v: f64| {
            r.push(k as f64);
            r.push(v);
        };
        put(key::LATENT, self.latent as f64);
        put(key::DATA_DIM, self.data_dim as f64);
        for &w in &self.g_hidden {
            put(key::G_HIDDEN, w as f64);
        }
        for &w in &self.d_hidden {
            put(key::D_HIDDEN, w as f64);
        }
        put(key::LEAKY_SLOPE, self.leaky_slope as f64);
        put(
            key::LATENT_DIST,
            match self.latent_dist {
                LatentDist::Normal => 0.0,
                LatentDist::Uniform => 1.0,
            },
        );
        put(key::D_STEPS, self.d_steps as f64);
        put(key::LABEL_SMOOTHING, self.label_smoothing as f64);
        put(key::SEED, self.seed as f64);
        for (base, o) in [
            (key::G_OPTIMIZER, &self.g_opt),
            (key::D_OPTIMIZER, &self.d_opt),
        ] {
            put(
                base,
                match o.kind {
                    OptimKind::Adam => 0.0,
                    OptimKind::Sgd => 1.0,
                },
            );
            put(base + 1, o.lr as f64);
            put(base + 2, o.beta1 as f64);
            put(base + 3, o.beta2 as f64);
            put(base + 4, o.eps as f64);
        }
        put(key::G_OUTPUT, self.g_output.id() as f64);
        // Written only when they differ from the defaults, so records (and
        // checkpoints) of models that do not use them are unchanged.
        if self.loss != GanLoss::Bce {
            put(key::LOSS, self.loss.id() as f64);
        }
        if self.ema_decay != 0.0 {
            put(key::EMA_DECAY, self.ema_decay as f64);
        }
        // So are those of unconditional GANs (as version 1 wrote them).
        if self.classes > 0 {
            put(key::CLASSES, self.classes as f64);
            put(key::CONDITIONING, self.conditioning.id() as f64);
            put(key::AUX_WEIGHT, self.aux_weight as f64);
        }
        r
    }

    /// Parses and validates a config record. Missing keys take their defaults;
    /// the hidden-layer lists, when present, replace the default lists.
    pub fn from_record(r: &[f64]) -> Result<GanConfig> {
        if r.len() % 2 != 0 {
            return Err(Error::invalid(format!(
                "the config record must hold (key, value) pairs, got {} numbers",
                r.len()
            )));
        }
        let mut c = GanConfig::default();
        let (mut g_hidden, mut d_hidden) = (None::<Vec<usize>>, None::<Vec<usize>>);
        for pair in r.chunks(2) {
            let (k, v) = (pair[0], pair[1]);
            if k.fract() != 0.0 || !(0.0..=u32::MAX as f64).contains(&k) {
                return Err(Error::invalid(format!("config key {} is not a key", k)));
            }
            let k = k as u32;
            let uint = |name: &str| -> Result<u64> {
                if v.is_finite() && v.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(&v)
                {
                    Ok(v as u64)
                } else {
                    Err(Error::invalid(format!(
                        "{} must be a non-negative integer, got {}",
                        name, v
                    )))
                }
            };
            let width = |name: &str| -> Result<usize> {
                let n = uint(name)?;
                if n == 0 || n > MAX_WIDTH as u64 {
                    Err(Error::invalid(format!(
                        "{} must be an integer in 1..={}, got {}",
                        name, MAX_WIDTH, v
                    )))
                } else {
                    Ok(n as usize)
                }
            };
            let opt = |k: u32| -> &'static str {
                if k < key::D_OPTIMIZER {
                    "generator"
                } else {
                    "discriminator"
                }
            };
            match k {
                key::LATENT => c.latent = width("latent")?,
                key::DATA_DIM => c.data_dim = width("dataDim")?,
                key::G_HIDDEN => g_hidden
                    .get_or_insert_with(Vec::new)
                    .push(width("generator hidden width")?),
                key::D_HIDDEN => d_hidden
                    .get_or_insert_with(Vec::new)
                    .push(width("discriminator hidden width")?),
                key::LEAKY_SLOPE => c.leaky_slope = v as f32,
                key::LATENT_DIST => {
                    c.latent_dist = match uint("latentDistribution")? {
                        0 => LatentDist::Normal,
                        1 => LatentDist::Uniform,
                        other => {
                            return Err(Error::invalid(format!(
                                "latentDistribution must be 0 (normal) or 1 (uniform), got {}",
                                other
                            )))
                        }
                    }
                }
                key::D_STEPS => c.d_steps = uint("dSteps")?.min(u32::MAX as u64) as u32,
                key::LABEL_SMOOTHING => c.label_smoothing = v as f32,
                key::SEED => c.seed = uint("seed")?,
                key::G_OPTIMIZER | key::D_OPTIMIZER => {
                    let kind = match uint("optimizer")? {
                        0 => OptimKind::Adam,
                        1 => OptimKind::Sgd,
                        other => {
                            return Err(Error::invalid(format!(
                                "{} optimizer must be 0 (Adam) or 1 (SGD), got {}",
                                opt(k),
                                other
                            )))
                        }
                    };
                    if k == key::G_OPTIMIZER {
                        c.g_opt.kind = kind
                    } else {
                        c.d_opt.kind = kind
                    }
                }
                key::G_LR..=key::G_EPS | key::D_LR..=key::D_EPS => {
                    let o = if k < key::D_OPTIMIZER {
                        &mut c.g_opt
                    } else {
                        &mut c.d_opt
                    };
                    let field = match (k - key::G_OPTIMIZER) % 5 {
                        1 => &mut o.lr,
                        2 => &mut o.beta1,
                        3 => &mut o.beta2,
                        _ => &mut o.eps,
                    };
                    *field = v as f32;
                }
                key::G_OUTPUT => {
                    let id = uint("generator output activation")?;
                    c.g_output = Act::from_id(id.min(u32::MAX as u64) as u32, 0.0)
                        .filter(|a| !matches!(a, Act::Leaky(_)))
                        .ok_or_else(|| {
                            Error::invalid(format!(
                                "generator output activation must be 0 (linear), 1 (relu), 3 (tanh) or 4 (sigmoid), got {}",
                                v
                            ))
                        })?;
                }
                key::LOSS => {
                    c.loss = match uint("loss")? {
                        0 => GanLoss::Bce,
                        1 => GanLoss::Hinge,
                        2 => GanLoss::LeastSquares,
                        other => {
                            return Err(Error::invalid(format!(
                                "loss must be 0 (bce), 1 (hinge) or 2 (least squares), got {}",
                                other
                            )))
                        }
                    }
                }
                key::EMA_DECAY => c.ema_decay = v as f32,
                key::CLASSES => {
                    let n = uint("classes")?;
                    c.classes = n.min(1 << 17) as usize;
                }
                key::CONDITIONING => {
                    let id = uint("conditioning")?;
                    c.conditioning = Conditioning::from_id(id).ok_or_else(|| {
                        Error::invalid(format!(
                            "conditioning must be 0 (concat), 1 (acgan) or 2 (projection), got {}",
                            v
                        ))
                    })?;
                }
                key::AUX_WEIGHT => c.aux_weight = v as f32,
                other => {
                    return Err(Error::invalid(format!(
                        "unknown config key {} (written by a newer wasmgan?)",
                        other
                    )))
                }
            }
        }
        if let Some(g) = g_hidden {
            c.g_hidden = g;
        }
        if let Some(d) = d_hidden {
            c.d_hidden = d;
        }
        c.validate()?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trip() {
        let mut c = GanConfig {
            g_hidden: vec![3, 5],
            d_hidden: vec![7],
            seed: 123456789,
            ..GanConfig::default()
        };
        c.d_opt.kind = OptimKind::Sgd;
        c.d_opt.lr = 0.01;
        c.latent_dist = LatentDist::Uniform;
        c.loss = GanLoss::Hinge;
        c.ema_decay = 0.999;
        let back = GanConfig::from_record(&c.to_record()).unwrap();
        assert_eq!(back, c);
        // Conditional fields round-trip too, and only appear when classes > 0.
        let plain = c.to_record().len();
        c.classes = 10;
        c.conditioning = Conditioning::Projection;
        c.aux_weight = 0.5;
        assert_eq!(c.to_record().len(), plain + 6);
        assert_eq!(GanConfig::from_record(&c.to_record()).unwrap(), c);
        assert_eq!(c.g_sizes()[0], c.latent + 10);
        assert_eq!(*c.d_sizes().last().unwrap(), 11);
        c.conditioning = Conditioning::Concat;
        assert_eq!(c.d_sizes()[0], c.data_dim + 10);
        assert_eq!(*c.d_sizes().last().unwrap(), 1);
    }

    #[test]
    fn refuses_bad_values_with_the_field_name() {
        let bad: &[(&[f64], &str)] = &[
            (&[1.0, 0.0], "latent"),
            (&[1.0, 2.5], "latent"),
            (&[1.0, f64::NAN], "latent"),
            (&[3.0, -4.0], "generator hidden width"),
            (&[5.0, 1.0], "leakySlope"),
            (&[7.0, 0.0], "dSteps"),
            (&[11.0, 0.0], "generator learning rate"),
            (&[16.0, f64::INFINITY], "discriminator learning rate"),
            (&[12.0, 1.0], "generator beta1"),
            (&[99.0, 1.0], "unknown config key 99"),
            (&[23.0, 1e6], "classes"),
            (&[24.0, 3.0], "conditioning"),
            (&[25.0, -1.0], "auxWeight"),
            (&[1.0], "pairs"),
            (&[21.0, 3.0], "loss must be"),
            (&[22.0, 1.0], "emaDecay"),
        ];
        for (rec, frag) in bad {
            let e = GanConfig::from_record(rec).unwrap_err();
            assert!(e.message.contains(frag), "{:?} -> {}", rec, e.message);
        }
    }
}
