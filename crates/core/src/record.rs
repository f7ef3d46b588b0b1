//! Pieces shared by the config records of every model kind (GAN, translator,
//! classifier): a record is a flat list of f64 `(key, value)` pairs, and the
//! kinds share the meaning of the keys they have in common (hidden widths,
//! leaky slope, seed, optimizers), so one set of checks and messages serves
//! all of them.

use crate::error::{Error, Result};
use crate::optim::{OptimConfig, OptimKind};

/// Largest accepted layer width or data size: keeps size arithmetic far from
/// overflow on a 32-bit target.
pub const MAX_WIDTH: usize = 1 << 20;
/// Largest accepted number of layers per network.
pub const MAX_LAYERS: usize = 64;

/// A size in 1..=MAX_WIDTH.
pub fn check_size(name: &str, v: usize) -> Result<()> {
    if v == 0 || v > MAX_WIDTH {
        Err(Error::invalid(format!(
            "{} must be an integer in 1..={}, got {}",
            name, MAX_WIDTH, v
        )))
    } else {
        Ok(())
    }
}

/// A list of hidden-layer widths of the network called `name`.
pub fn check_hidden(name: &str, list: &[usize]) -> Result<()> {
    if list.len() > MAX_LAYERS {
        return Err(Error::invalid(format!(
            "{} may have at most {} hidden layers, got {}",
            name,
            MAX_LAYERS,
            list.len()
        )));
    }
    for &w in list.iter() {
        check_size(&format!("{} hidden width", name), w)?;
    }
    Ok(())
}

/// A LeakyReLU slope in [0, 1).
pub fn check_leaky_slope(v: f32) -> Result<()> {
    if v.is_finite() && (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "leakySlope must be in [0, 1), got {}",
            v
        )))
    }
}

/// A seed below 2^53 (exact in an f64 and a JavaScript number).
pub fn check_seed(seed: u64) -> Result<()> {
    if seed >= 1 << 53 {
        Err(Error::invalid(format!(
            "seed must be an integer in 0..2^53, got {}",
            seed
        )))
    } else {
        Ok(())
    }
}

/// An optimizer's hyper-parameters; `name` is "generator", "discriminator"...
pub fn check_optimizer(name: &str, o: &OptimConfig) -> Result<()> {
    if !(o.lr.is_finite() && o.lr > 0.0) {
        return Err(Error::invalid(format!(
            "{} learning rate must be a finite number > 0, got {}",
            name, o.lr
        )));
    }
    if o.kind == OptimKind::Adam {
        for (what, b) in [("beta1", o.beta1), ("beta2", o.beta2)] {
            if !(b.is_finite() && (0.0..1.0).contains(&b)) {
                return Err(Error::invalid(format!(
                    "{} {} must be in [0, 1), got {}",
                    name, what, b
                )));
            }
        }
        if !(o.eps.is_finite() && o.eps > 0.0) {
            return Err(Error::invalid(format!(
                "{} eps must be a finite number > 0, got {}",
                name, o.eps
            )));
        }
    }
    Ok(())
}

/// A record value that must be an integer in 0..2^53.
pub fn uint(name: &str, v: f64) -> Result<u64> {
    if v.is_finite() && v.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(&v) {
        Ok(v as u64)
    } else {
        Err(Error::invalid(format!(
            "{} must be a non-negative integer, got {}",
            name, v
        )))
    }
}

/// A record value that must be a size in 1..=MAX_WIDTH.
pub fn width(name: &str, v: f64) -> Result<usize> {
    let n = uint(name, v)?;
    if n == 0 || n > MAX_WIDTH as u64 {
        Err(Error::invalid(format!(
            "{} must be an integer in 1..={}, got {}",
            name, MAX_WIDTH, v
        )))
    } else {
        Ok(n as usize)
    }
}

/// The record's pairs as `(key, value)`, refusing an odd length or a key
/// that is not a u32.
pub fn pairs(r: &[f64]) -> Result<Vec<(u32, f64)>> {
    if r.len() % 2 != 0 {
        return Err(Error::invalid(format!(
            "the config record must hold (key, value) pairs, got {} numbers",
            r.len()
        )));
    }
    r.chunks(2)
        .map(|p| {
            if p[0].fract() != 0.0 || !(0.0..=u32::MAX as f64).contains(&p[0]) {
                Err(Error::invalid(format!("config key {} is not a key", p[0])))
            } else {
                Ok((p[0] as u32, p[1]))
            }
        })
        .collect()
}

/// Appends an optimizer at keys `base..base + 5` (type, lr, beta1, beta2, eps).
pub fn put_optimizer(r: &mut Vec<f64>, base: u32, o: &OptimConfig) {
    let kind = match o.kind {
        OptimKind::Adam => 0.0,
        OptimKind::Sgd => 1.0,
    };
    for (k, v) in [
        (base, kind),
        (base + 1, o.lr as f64),
        (base + 2, o.beta1 as f64),
        (base + 3, o.beta2 as f64),
        (base + 4, o.eps as f64),
    ] {
        r.push(k as f64);
        r.push(v);
    }
}

/// Reads one optimizer field: `k - base` is 0 (type), 1 (lr), 2 (beta1),
/// 3 (beta2) or 4 (eps). `name` is used in messages.
pub fn read_optimizer_field(o: &mut OptimConfig, name: &str, field: u32, v: f64) -> Result<()> {
    match field {
        0 => {
            o.kind = match uint("optimizer", v)? {
                0 => OptimKind::Adam,
                1 => OptimKind::Sgd,
                other => {
                    return Err(Error::invalid(format!(
                        "{} optimizer must be 0 (Adam) or 1 (SGD), got {}",
                        name, other
                    )))
                }
            }
        }
        1 => o.lr = v as f32,
        2 => o.beta1 = v as f32,
        3 => o.beta2 = v as f32,
        _ => o.eps = v as f32,
    }
    Ok(())
}

/// The message for a key this build does not know.
pub fn unknown_key(k: u32) -> Error {
    Error::invalid(format!(
        "unknown config key {} (written by a newer wasmgan?)",
        k
    ))
}
