//! Binary cross-entropy on logits, the loss of the classic GAN.

use crate::config::GanLoss;
use crate::kernels::activation::sigmoid;

/// `Σ_i bce(l_i, t_i)` returned in f64, and `grad_i = (σ(l_i) − t_i) · scale`.
///
/// `bce(l, t) = max(l, 0) − l·t + ln(1 + e^{−|l|})` equals
/// `−t·ln σ(l) − (1−t)·ln(1 − σ(l))` without overflow or `ln 0` for any finite
/// logit. With `scale = 1/n` the gradient is that of the mean loss.
pub fn bce_with_logits(logits: &[f32], targets: &[f32], grad: &mut [f32], scale: f32) -> f64 {
    assert!(targets.len() >= logits.len() && grad.len() >= logits.len());
    let mut sum = 0.0f64;
    for i in 0..logits.len() {
        let (l, t) = (logits[i], targets[i]);
        let loss = l.max(0.0) - l * t + (-l.abs()).exp().ln_1p();
        sum += loss as f64;
        grad[i] = (sigmoid(l) - t) * scale;
    }
    sum
}

/// The discriminator's loss on `logits = [real (b); fake (rest)]`, summed
/// over rows, with `grad = d(sum)/d(logit) · scale`. Real rows aim at
/// `real_target` (1 − label smoothing) under BCE and least squares; hinge
/// ignores it (its margin already keeps D from saturating).
pub fn discriminator_loss(
    kind: GanLoss,
    logits: &[f32],
    b: usize,
    real_target: f32,
    targets: &mut [f32],
    grad: &mut [f32],
    scale: f32,
) -> f64 {
    let n = logits.len();
    match kind {
        GanLoss::Bce => {
            targets[..b].iter_mut().for_each(|t| *t = real_target);
            targets[b..n].iter_mut().for_each(|t| *t = 0.0);
            bce_with_logits(logits, &targets[..n], grad, scale)
        }
        GanLoss::Hinge => {
            let mut sum = 0.0f64;
            for i in 0..n {
                let l = logits[i];
                // real: relu(1 − l); fake: relu(1 + l)
                let (margin, sign) = if i < b {
                    (1.0 - l, -1.0)
                } else {
                    (1.0 + l, 1.0)
                };
                if margin > 0.0 {
                    sum += margin as f64;
                    grad[i] = sign * scale;
                } else {
                    grad[i] = 0.0;
                }
            }
            sum
        }
        GanLoss::LeastSquares => {
            let mut sum = 0.0f64;
            for i in 0..n {
                let t = if i < b { real_target } else { 0.0 };
                let d = logits[i] - t;
                sum += 0.5 * (d as f64) * (d as f64);
                grad[i] = d * scale;
            }
            sum
        }
    }
}

/// The generator's loss on D's logits for fakes, summed over rows, with
/// `grad = d(sum)/d(logit) · scale`: −log σ(l) (BCE, non-saturating), −l
/// (hinge), ½(l − 1)² (least squares).
pub fn generator_loss(
    kind: GanLoss,
    logits: &[f32],
    targets: &mut [f32],
    grad: &mut [f32],
    scale: f32,
) -> f64 {
    let n = logits.len();
    match kind {
        GanLoss::Bce => {
            targets[..n].iter_mut().for_each(|t| *t = 1.0);
            bce_with_logits(logits, &targets[..n], grad, scale)
        }
        GanLoss::Hinge => {
            grad[..n].iter_mut().for_each(|g| *g = -scale);
            -logits.iter().map(|&l| l as f64).sum::<f64>()
        }
        GanLoss::LeastSquares => {
            let mut sum = 0.0f64;
            for i in 0..n {
                let d = logits[i] - 1.0;
                sum += 0.5 * (d as f64) * (d as f64);
                grad[i] = d * scale;
            }
            sum
        }
    }
}

/// What D's outputs are reported as: the mean probability σ(l) under BCE and
/// hinge (a positive output means "real" in both), the mean raw output under
/// least squares (trained toward 1 for real and 0 for fake).
pub fn mean_output(kind: GanLoss, logits: &[f32]) -> f64 {
    match kind {
        GanLoss::LeastSquares => {
            if logits.is_empty() {
                0.0
            } else {
                logits.iter().map(|&l| l as f64).sum::<f64>() / logits.len() as f64
            }
        }
        _ => mean_probability(logits),
    }
}

/// Mean of σ(l) over the logits: the discriminator's average probability.
pub fn mean_probability(logits: &[f32]) -> f64 {
    if logits.is_empty() {
        return 0.0;
    }
    probability_sum(logits) / logits.len() as f64
}

/// Σ σ(l) over the logits in f64, in order (the sum `mean_probability` divides).
pub fn probability_sum(logits: &[f32]) -> f64 {
    logits.iter().map(|&l| sigmoid(l) as f64).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(l: f64, t: f64) -> f64 {
        let s = 1.0 / (1.0 + (-l).exp());
        -t * s.ln() - (1.0 - t) * (1.0 - s).ln()
    }

    #[test]
    fn matches_the_naive_formula_where_that_is_finite() {
        for &l in &[-20.0f32, -3.0, -0.5, 0.0, 0.5, 3.0, 20.0] {
            for &t in &[0.0f32, 0.1, 0.9, 1.0] {
                let mut g = [0.0];
                let v = bce_with_logits(&[l], &[t], &mut g, 1.0);
                assert!(
                    (v - naive(l as f64, t as f64)).abs() < 1e-5,
                    "l={} t={}",
                    l,
                    t
                );
            }
        }
    }

    #[test]
    fn stays_finite_for_huge_logits() {
        let mut g = [0.0; 2];
        let v = bce_with_logits(&[1e4, -1e4], &[0.0, 1.0], &mut g, 1.0);
        assert!((v - 2e4).abs() < 1.0);
        assert_eq!(g, [1.0, -1.0]);
    }

    #[test]
    fn gan_losses_match_finite_differences() {
        let logits = [-2.0f32, -0.3, 0.4, 1.7, 0.9, -1.2];
        for kind in [GanLoss::Bce, GanLoss::Hinge, GanLoss::LeastSquares] {
            let (mut t, mut g) = ([0.0f32; 6], [0.0f32; 6]);
            let d = |l: &[f32], t: &mut [f32], g: &mut [f32]| {
                discriminator_loss(kind, l, 3, 0.9, t, g, 0.5)
            };
            d(&logits, &mut t, &mut g);
            let analytic = g;
            let gen = |l: &[f32], t: &mut [f32], g: &mut [f32]| generator_loss(kind, l, t, g, 0.5);
            let mut gg = [0.0f32; 6];
            gen(&logits, &mut t, &mut gg);
            for i in 0..6 {
                let h = 1e-3f32;
                let (mut up, mut down) = (logits, logits);
                up[i] += h;
                down[i] -= h;
                let mut s = [0.0f32; 6];
                let fd =
                    (d(&up, &mut t, &mut s) - d(&down, &mut t, &mut s)) * 0.5 / (2.0 * h as f64);
                assert!(
                    (fd - analytic[i] as f64).abs() < 2e-3,
                    "{:?} D[{}]: fd {} vs {}",
                    kind,
                    i,
                    fd,
                    analytic[i]
                );
                let fd = (gen(&up, &mut t, &mut s) - gen(&down, &mut t, &mut s)) * 0.5
                    / (2.0 * h as f64);
                assert!(
                    (fd - gg[i] as f64).abs() < 2e-3,
                    "{:?} G[{}]: fd {} vs {}",
                    kind,
                    i,
                    fd,
                    gg[i]
                );
            }
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let logits = [-2.0f32, -0.3, 0.0, 0.7, 4.0];
        let targets = [1.0f32, 0.0, 0.9, 1.0, 0.0];
        let mut g = [0.0; 5];
        bce_with_logits(&logits, &targets, &mut g, 0.2);
        for i in 0..5 {
            let h = 1e-3f64;
            let f = |d: f64| {
                let l = logits[i] as f64 + d;
                naive(l, targets[i] as f64) * 0.2
            };
            let fd = (f(h) - f(-h)) / (2.0 * h);
            assert!(
                (fd - g[i] as f64).abs() < 1e-4,
                "i={} fd={} g={}",
                i,
                fd,
                g[i]
            );
        }
    }
}
