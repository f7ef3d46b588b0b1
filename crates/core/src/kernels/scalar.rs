//! Plain-loop kernels: the scalar build's implementation and the twin the
//! simd128 kernels are tested against. Each output element is accumulated in
//! the same order as in `simd128.rs`, so the two agree bit for bit.

use super::{Act, AdamStep, Init, Lhs, Rhs};

/// See `kernels::gemm`. Loop order i, p, j: a row of C is the accumulator and
/// each element still receives its products in p order.
///
/// # Safety
/// The caller guarantees the slice bounds (checked in `kernels::gemm`).
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: Lhs,
    b: Rhs,
    c: &mut [f32],
    init: Init,
    post: Act,
) {
    let (bs, b) = (b, b.data);
    for i in 0..m {
        let row = &mut c[i * n..i * n + n];
        match init {
            Init::Zero => row.iter_mut().for_each(|x| *x = 0.0),
            Init::Accumulate => {}
            Init::Bias(bias) => row.copy_from_slice(&bias[..n]),
        }
        for p in 0..k {
            let aip = *a.data.get_unchecked(i * a.rs + p * a.cs);
            if bs.cs == 1 {
                let brow = b.get_unchecked(p * bs.rs..p * bs.rs + n);
                for (x, &bv) in row.iter_mut().zip(brow) {
                    *x += aip * bv;
                }
            } else {
                for (j, x) in row.iter_mut().enumerate() {
                    *x += aip * *b.get_unchecked(p * bs.rs + j * bs.cs);
                }
            }
        }
        if post != Act::Linear {
            for x in row.iter_mut() {
                *x = post.apply(*x);
            }
        }
    }
}

pub fn activation_backward(act: Act, y: &[f32], dy: &[f32], dz: &mut [f32]) {
    for ((z, &yv), &d) in dz.iter_mut().zip(y).zip(dy) {
        *z = act.backward(yv, d);
    }
}

pub fn activation_backward_in_place(act: Act, y: &[f32], d: &mut [f32]) {
    for (z, &yv) in d.iter_mut().zip(y) {
        *z = act.backward(yv, *z);
    }
}

pub fn column_sums(m: usize, n: usize, dz: &[f32], db: &mut [f32]) {
    db.iter_mut().for_each(|x| *x = 0.0);
    for i in 0..m {
        for (x, &d) in db.iter_mut().zip(&dz[i * n..i * n + n]) {
            *x += d;
        }
    }
}

pub fn adam(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], s: AdamStep) {
    let (step, sqrt_bc2) = s.corrections();
    let (b1, b2, c1, c2, eps) = (s.beta1, s.beta2, 1.0 - s.beta1, 1.0 - s.beta2, s.eps);
    for i in 0..p.len() {
        let gi = g[i];
        let mi = b1 * m[i] + c1 * gi;
        let vi = b2 * v[i] + c2 * (gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * mi / (vi.sqrt() / sqrt_bc2 + eps);
    }
}

pub fn sgd(p: &mut [f32], g: &[f32], lr: f32) {
    for (x, &gi) in p.iter_mut().zip(g) {
        *x -= lr * gi;
    }
}

pub fn polar_scales(s: &[f64], out: &mut [f64]) {
    for (o, &x) in out.iter_mut().zip(s) {
        *o = super::polar::polar_scale(x);
    }
}

pub fn peak(iters: u32) -> f32 {
    let mut acc = [0.0f32; 48];
    for (i, a) in acc.iter_mut().enumerate() {
        *a = i as f32 * 0.01;
    }
    let (mul, add) = (0.999_9f32, 0.000_1f32);
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = *a * mul + add;
        }
    }
    acc.iter().sum()
}
