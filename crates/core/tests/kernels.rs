//! Kernels against naive triple loops, on shapes that hit the 4×8 tiles, the
//! 4-wide and element tails in both dimensions, and k = 1.

// Index loops read like the formulas they check.
#![allow(clippy::needless_range_loop)]

use wasmgan_core::kernels::{self, Act, AdamStep};
use wasmgan_core::rng::Rng;

const SIZES: &[usize] = &[1, 3, 4, 5, 15, 16, 17, 65];

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..n).map(|_| r.normal_f32()).collect()
}

fn close(a: &[f32], b: &[f32], tol: f32, what: &str) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * (1.0 + y.abs()),
            "{} [{}]: {} vs {}",
            what,
            i,
            x,
            y
        );
    }
}

fn naive(
    m: usize,
    k: usize,
    n: usize,
    a: impl Fn(usize, usize) -> f32,
    b: impl Fn(usize, usize) -> f32,
) -> Vec<f32> {
    let mut c = vec![0.0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f64;
            for p in 0..k {
                s += a(i, p) as f64 * b(p, j) as f64;
            }
            c[i * n + j] = s as f32;
        }
    }
    c
}

#[test]
fn matmul_nn_nt_tn_match_naive_on_every_tail() {
    let mut seed = 1;
    for &m in SIZES {
        for &k in &[1usize, 4, 17, 128] {
            for &n in SIZES {
                seed += 1;
                let a = random(m * k, seed);
                let b = random(k * n, seed + 1000);
                let want = naive(m, k, n, |i, p| a[i * k + p], |p, j| b[p * n + j]);
                let mut c = vec![f32::NAN; m * n];
                kernels::matmul_nn(m, k, n, &a, &b, &mut c, false);
                close(&c, &want, 1e-4, &format!("NN {}x{}x{}", m, k, n));

                // NT: B given as [n×k]
                let bt: Vec<f32> = (0..n * k).map(|idx| b[(idx % k) * n + idx / k]).collect();
                let mut scratch = vec![0.0; n * k];
                let mut c2 = vec![f32::NAN; m * n];
                kernels::matmul_nt(m, k, n, &a, &bt, &mut c2, false, &mut scratch);
                close(&c2, &want, 1e-4, &format!("NT {}x{}x{}", m, k, n));

                // TN: A given as [k×m]
                let at: Vec<f32> = (0..k * m).map(|idx| a[(idx % m) * k + idx / m]).collect();
                let mut c3 = vec![f32::NAN; m * n];
                kernels::matmul_tn(m, k, n, &at, &b, &mut c3, false);
                close(&c3, &want, 1e-4, &format!("TN {}x{}x{}", m, k, n));

                // accumulate adds onto C
                let mut c4 = want.clone();
                kernels::matmul_nn(m, k, n, &a, &b, &mut c4, true);
                let twice: Vec<f32> = want.iter().map(|x| 2.0 * x).collect();
                close(&c4, &twice, 1e-4, &format!("NN acc {}x{}x{}", m, k, n));
            }
        }
    }
}

#[test]
fn dense_forward_fuses_bias_and_every_activation() {
    let acts = [
        Act::Linear,
        Act::Relu,
        Act::Leaky(0.2),
        Act::Tanh,
        Act::Sigmoid,
    ];
    for act in acts {
        for &(m, k, n) in &[
            (5usize, 3usize, 17usize),
            (64, 100, 128),
            (3, 128, 1),
            (17, 5, 784),
        ] {
            let x = random(m * k, 7);
            let w = random(k * n, 8);
            let bias = random(n, 9);
            let mut y = vec![0.0; m * n];
            kernels::dense_forward(m, k, n, &x, &w, &bias, act, &mut y);
            let lin = naive(m, k, n, |i, p| x[i * k + p], |p, j| w[p * n + j]);
            let want: Vec<f32> = lin
                .iter()
                .enumerate()
                .map(|(idx, v)| {
                    let z = v + bias[idx % n];
                    match act {
                        Act::Linear => z,
                        Act::Relu => z.max(0.0),
                        Act::Leaky(a) => {
                            if z > 0.0 {
                                z
                            } else {
                                a * z
                            }
                        }
                        Act::Tanh => (z as f64).tanh() as f32,
                        Act::Sigmoid => (1.0 / (1.0 + (-(z as f64)).exp())) as f32,
                    }
                })
                .collect();
            close(&y, &want, 1e-4, &format!("{:?} {}x{}x{}", act, m, k, n));
        }
    }
}

#[test]
fn activation_derivatives_match_finite_differences() {
    let acts = [
        Act::Linear,
        Act::Relu,
        Act::Leaky(0.2),
        Act::Tanh,
        Act::Sigmoid,
    ];
    let xs = [-2.5f32, -0.7, -0.1, 0.3, 0.9, 2.2, 1.3, -1.7, 0.05];
    for act in acts {
        let y: Vec<f32> = xs.iter().map(|&x| act.apply(x)).collect();
        let dy = random(xs.len(), 11);
        let mut dz = vec![0.0; xs.len()];
        kernels::activation_backward(act, &y, &dy, &mut dz);
        for i in 0..xs.len() {
            let h = 1e-3f64;
            let f = |x: f64| act.apply(x as f32) as f64;
            let fd = (f(xs[i] as f64 + h) - f(xs[i] as f64 - h)) / (2.0 * h) * dy[i] as f64;
            assert!(
                (fd - dz[i] as f64).abs() < 2e-3,
                "{:?} x={} fd={} got={}",
                act,
                xs[i],
                fd,
                dz[i]
            );
        }
    }
}

#[test]
fn column_sums_match() {
    for &(m, n) in &[(1usize, 1usize), (3, 5), (64, 128), (17, 17)] {
        let d = random(m * n, 3);
        let mut db = vec![f32::NAN; n];
        kernels::column_sums(m, n, &d, &mut db);
        let want: Vec<f32> = (0..n).map(|j| (0..m).map(|i| d[i * n + j]).sum()).collect();
        close(&db, &want, 1e-5, "column sums");
    }
}

#[test]
fn adam_matches_the_textbook_formula() {
    for &len in &[1usize, 3, 4, 5, 17, 65] {
        let g = random(len, 4);
        let mut p = random(len, 5);
        let (mut m, mut v) = (vec![0.0; len], vec![0.0; len]);
        let (mut pr, mut mr, mut vr) = (
            p.iter().map(|&x| x as f64).collect::<Vec<_>>(),
            vec![0f64; len],
            vec![0f64; len],
        );
        let (lr, b1, b2, eps) = (1e-3f32, 0.5f32, 0.999f32, 1e-8f32);
        for t in 1..=3u64 {
            kernels::adam(
                &mut p,
                &g,
                &mut m,
                &mut v,
                AdamStep {
                    lr,
                    beta1: b1,
                    beta2: b2,
                    eps,
                    t,
                },
            );
            for i in 0..len {
                let gi = g[i] as f64;
                mr[i] = b1 as f64 * mr[i] + (1.0 - b1 as f64) * gi;
                vr[i] = b2 as f64 * vr[i] + (1.0 - b2 as f64) * gi * gi;
                let mh = mr[i] / (1.0 - (b1 as f64).powi(t as i32));
                let vh = vr[i] / (1.0 - (b2 as f64).powi(t as i32));
                pr[i] -= lr as f64 * mh / (vh.sqrt() + eps as f64);
            }
        }
        let want: Vec<f32> = pr.iter().map(|&x| x as f32).collect();
        close(&p, &want, 1e-5, "adam");
    }
}

#[test]
fn sgd_steps_along_minus_gradient() {
    let mut p = vec![1.0f32, 2.0, 3.0, 4.0, 5.0];
    kernels::sgd(&mut p, &[1.0, -1.0, 0.5, 0.0, 2.0], 0.1);
    close(&p, &[0.9, 2.1, 2.95, 4.0, 4.8], 1e-6, "sgd");
}
