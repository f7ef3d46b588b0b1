//! Binary cross-entropy on logits, the loss of the classic GAN.

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

/// Mean of σ(l) over the logits: the discriminator's average probability.
pub fn mean_probability(logits: &[f32]) -> f64 {
    if logits.is_empty() {
        return 0.0;
    }
    logits.iter().map(|&l| sigmoid(l) as f64).sum::<f64>() / logits.len() as f64
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
