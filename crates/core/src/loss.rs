//! Losses on logits: binary cross-entropy (the classic GAN's), softmax
//! cross-entropy (the classifier's and the AC-GAN head's) and L1 (the
//! translator's reconstruction term).

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

/// Softmax cross-entropy of `labels.len()` rows whose `k` logits sit at
/// columns `offset..offset + k` of `logits [rows × stride]`.
///
/// Returns `(Σ_rows −ln softmax(row)[y], rows whose arg-max is y)` and writes
/// `grad[i·stride + offset + j] = (softmax_j − [j = y]) · scale`, leaving the
/// other columns of `grad` untouched (so several heads can share one
/// gradient buffer). The exponentials are taken after subtracting the row's
/// maximum, so no finite logit overflows. Ties in the arg-max go to the lowest
/// class id.
pub fn softmax_cross_entropy(
    logits: &[f32],
    stride: usize,
    offset: usize,
    k: usize,
    labels: &[u32],
    grad: &mut [f32],
    scale: f32,
) -> (f64, usize) {
    let rows = labels.len();
    assert!(k >= 1 && offset + k <= stride);
    assert!(logits.len() >= rows * stride && grad.len() >= rows * stride);
    let mut sum = 0.0f64;
    let mut correct = 0;
    for (i, &y) in labels.iter().enumerate() {
        let y = y as usize;
        assert!(y < k, "label {} out of range 0..{}", y, k);
        let row = &logits[i * stride + offset..i * stride + offset + k];
        let (mut best, mut max) = (0, row[0]);
        for (j, &l) in row.iter().enumerate().skip(1) {
            if l > max {
                best = j;
                max = l;
            }
        }
        if best == y {
            correct += 1;
        }
        let g = &mut grad[i * stride + offset..i * stride + offset + k];
        let mut total = 0.0f32;
        for (gj, &l) in g.iter_mut().zip(row) {
            *gj = (l - max).exp();
            total += *gj;
        }
        // −ln p_y = ln Σ e^(l − max) − (l_y − max)
        sum += (total.ln() - (row[y] - max)) as f64;
        let inv = 1.0 / total;
        for (j, gj) in g.iter_mut().enumerate() {
            let p = *gj * inv;
            *gj = (if j == y { p - 1.0 } else { p }) * scale;
        }
    }
    (sum, correct)
}

/// `Σ |y_i − t_i|` returned in f64, and `grad_i = sign(y_i − t_i) · scale`
/// (0 where they are equal, the subgradient PyTorch's `l1_loss` uses).
pub fn l1(y: &[f32], t: &[f32], grad: &mut [f32], scale: f32) -> f64 {
    assert!(t.len() >= y.len() && grad.len() >= y.len());
    let mut sum = 0.0f64;
    for i in 0..y.len() {
        let d = y[i] - t[i];
        sum += d.abs() as f64;
        grad[i] = if d > 0.0 {
            scale
        } else if d < 0.0 {
            -scale
        } else {
            0.0
        };
    }
    sum
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

    /// −ln softmax(l)[y] in f64, straight from the definition.
    fn naive_ce(l: &[f64], y: usize) -> f64 {
        let z: f64 = l.iter().map(|v| v.exp()).sum();
        -(l[y].exp() / z).ln()
    }

    #[test]
    #[allow(clippy::needless_range_loop)] // rows indexed like the formula
    fn softmax_cross_entropy_matches_the_definition_and_finite_differences() {
        // 3 rows, 4 classes at columns 1..5 of a 6-wide output (a head beside others).
        let (stride, off, k) = (6usize, 1usize, 4usize);
        let logits: Vec<f32> = (0..18).map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.4).collect();
        let labels = [2u32, 0, 3];
        let mut grad = vec![9.0f32; 18];
        let (loss, correct) =
            softmax_cross_entropy(&logits, stride, off, k, &labels, &mut grad, 0.5);
        let row = |i: usize, d: Option<(usize, f64)>| -> Vec<f64> {
            (0..k)
                .map(|j| {
                    let v = logits[i * stride + off + j] as f64;
                    match d {
                        Some((jj, h)) if jj == j => v + h,
                        _ => v,
                    }
                })
                .collect()
        };
        let want: f64 = (0..3)
            .map(|i| naive_ce(&row(i, None), labels[i] as usize))
            .sum();
        assert!((loss - want).abs() < 1e-5, "{} vs {}", loss, want);
        // Arg-max per row, counted by hand.
        let mut n = 0;
        for i in 0..3 {
            let r = row(i, None);
            let best = (0..k).fold(0, |b, j| if r[j] > r[b] { j } else { b });
            n += (best == labels[i] as usize) as usize;
        }
        assert_eq!(correct, n);
        for i in 0..3 {
            // Columns outside the head are untouched.
            assert_eq!(grad[i * stride], 9.0);
            assert_eq!(grad[i * stride + 5], 9.0);
            for j in 0..k {
                let h = 1e-4;
                let y = labels[i] as usize;
                let fd = 0.5
                    * (naive_ce(&row(i, Some((j, h))), y) - naive_ce(&row(i, Some((j, -h))), y))
                    / (2.0 * h);
                let an = grad[i * stride + off + j] as f64;
                assert!(
                    (fd - an).abs() < 1e-5,
                    "row {} class {}: fd {} vs {}",
                    i,
                    j,
                    fd,
                    an
                );
            }
        }
    }

    #[test]
    fn softmax_cross_entropy_stays_finite_for_huge_logits() {
        let mut g = [0.0f32; 3];
        let (loss, correct) = softmax_cross_entropy(&[1e4, -1e4, 0.0], 3, 0, 3, &[1], &mut g, 1.0);
        assert!((loss - 2e4).abs() < 1.0, "{}", loss);
        assert_eq!(correct, 0);
        assert_eq!(g, [1.0, -1.0, 0.0]);
    }

    #[test]
    fn l1_value_and_subgradient() {
        let y = [0.5f32, -1.0, 0.25, 0.0];
        let t = [0.0f32, 1.0, 0.25, -0.5];
        let mut g = [0.0f32; 4];
        let s = l1(&y, &t, &mut g, 0.1);
        assert!((s - 3.0).abs() < 1e-9);
        assert_eq!(g, [0.1, -0.1, 0.0, 0.1]);
        // Away from the kink the subgradient is the derivative.
        for i in [0usize, 1, 3] {
            let h = 1e-3f32;
            let f = |d: f32| {
                let mut yy = y;
                yy[i] += d;
                l1(&yy, &t, &mut [0.0; 4], 1.0) * 0.1
            };
            let fd = (f(h) - f(-h)) / (2.0 * h as f64);
            assert!((fd - g[i] as f64).abs() < 1e-4, "{} {}", fd, g[i]);
        }
    }
}
