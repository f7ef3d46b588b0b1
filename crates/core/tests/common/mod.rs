//! Helpers shared by the integration tests: random data, plain forward
//! passes, and the finite-difference comparison.

#![allow(dead_code)]

use wasmgan_core::mlp::{Mlp, Workspace};
use wasmgan_core::rng::Rng;

/// `n` standard normal values from `seed`.
pub fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..n).map(|_| r.normal_f32()).collect()
}

/// A network's output for `rows` rows of `x`, by a fresh forward pass.
pub fn forward(net: &Mlp, x: &[f32], rows: usize) -> Vec<f32> {
    let mut ws = Workspace::default();
    net.reserve(&mut ws, rows).unwrap();
    net.forward(&mut ws, x, rows);
    ws.outs.last().unwrap()[..rows * net.output()].to_vec()
}

/// `[a_i, onehot(y_i)]` rows.
pub fn with_one_hot(a: &[f32], width: usize, labels: &[u32], k: usize) -> Vec<f32> {
    let mut out = Vec::new();
    for (i, &y) in labels.iter().enumerate() {
        out.extend_from_slice(&a[i * width..(i + 1) * width]);
        out.extend((0..k).map(|j| if j == y as usize { 1.0 } else { 0.0 }));
    }
    out
}

/// −t·ln σ(l) − (1−t)·ln(1−σ(l)) in f64.
pub fn bce(l: f32, t: f32) -> f64 {
    let (l, t) = (l as f64, t as f64);
    l.max(0.0) - l * t + (-l.abs()).exp().ln_1p()
}

/// −ln softmax(row)[y] in f64.
pub fn ce(row: &[f32], y: u32) -> f64 {
    let m = row.iter().fold(f32::MIN, |a, &b| a.max(b)) as f64;
    let z: f64 = row.iter().map(|&v| (v as f64 - m).exp()).sum();
    z.ln() - (row[y as usize] as f64 - m)
}

/// Checks `analytic[i]` against central differences of `loss` in parameter
/// i of `params`, at steps h, h/4, h/16: a kink (ReLU, |x|) inside ±h spoils
/// the larger steps, while a wrong gradient stays wrong at every step.
pub fn check_gradient(
    what: &str,
    params: &[f32],
    analytic: &[f32],
    loss: &mut dyn FnMut(&[f32]) -> f64,
) {
    assert_eq!(params.len(), analytic.len());
    let mut p = params.to_vec();
    for i in 0..p.len() {
        let an = analytic[i] as f64;
        let mut last = 0.0;
        let mut ok = false;
        for h in [1e-2f32, 2.5e-3, 6.25e-4] {
            let o = p[i];
            p[i] = o + h;
            let up = loss(&p);
            p[i] = o - h;
            let down = loss(&p);
            p[i] = o;
            let fd = (up - down) / (2.0 * h as f64);
            last = fd;
            if (fd - an).abs() <= 2e-3 + 1e-2 * fd.abs().max(an.abs()) {
                ok = true;
                break;
            }
        }
        assert!(
            ok,
            "{} param {}: finite difference {} vs analytic {}",
            what, i, last, an
        );
    }
}

/// The gradient a plain-SGD step with lr = 1 applied: `before − after`.
pub fn sgd_gradient(before: &[f32], after: &[f32]) -> Vec<f32> {
    before.iter().zip(after).map(|(b, a)| b - a).collect()
}

/// Asserts two checkpoints are identical, naming the first differing offset.
pub fn same_bytes(a: &[u8], b: &[u8], what: &str) {
    if a != b {
        let at = a
            .iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        panic!(
            "{}: checkpoints differ: lengths {} and {}, first difference at byte {}",
            what,
            a.len(),
            b.len(),
            at
        );
    }
}
