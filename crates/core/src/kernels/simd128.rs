//! simd128 kernels. The GEMM is register-blocked: an R×(4·V) tile of C lives
//! in R·V f32x4 accumulators while p runs over k, so each step loads V vectors
//! of B and R scalars of A and issues R·V multiplies and adds. 4×8 (8
//! accumulators + 2 B vectors + 4 broadcasts = 14 registers) is the largest
//! tile that fits the 16 xmm registers engines use on x86-64 without spilling.
//! Tails: 4×4 for the last columns that fill a vector, element-wise for the
//! rest; 1×8 / 1×4 / 1×1 for the last rows.

use super::{Act, AdamStep, Init, Lhs};
use core::arch::wasm32::*;

/// How a tile's accumulators start.
#[derive(Clone, Copy)]
enum Start {
    Zero,
    Load,
    Bias(*const f32),
}

/// One R×(4·V) tile of `C = start + A·B`, then `post`. `a` points at A(i0, 0),
/// `b` at B(0, j0), `c` at C(i0, j0).
#[inline(always)]
unsafe fn tile<const R: usize, const V: usize>(
    k: usize,
    a: *const f32,
    rs: usize,
    cs: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    start: Start,
    post: Act,
) {
    let mut acc = [[f32x4_splat(0.0); V]; R];
    match start {
        Start::Zero => {}
        Start::Load => {
            for r in 0..R {
                for v in 0..V {
                    acc[r][v] = v128_load(c.add(r * ldc + 4 * v) as *const v128);
                }
            }
        }
        Start::Bias(bias) => {
            for v in 0..V {
                let bv = v128_load(bias.add(4 * v) as *const v128);
                for r in 0..R {
                    acc[r][v] = bv;
                }
            }
        }
    }
    let mut ap = a;
    let mut bp = b;
    for _ in 0..k {
        let mut bv = [f32x4_splat(0.0); V];
        for v in 0..V {
            bv[v] = v128_load(bp.add(4 * v) as *const v128);
        }
        for r in 0..R {
            let av = f32x4_splat(*ap.add(r * rs));
            for v in 0..V {
                acc[r][v] = f32x4_add(acc[r][v], f32x4_mul(av, bv[v]));
            }
        }
        ap = ap.add(cs);
        bp = bp.add(ldb);
    }
    for r in 0..R {
        for v in 0..V {
            let out = c.add(r * ldc + 4 * v);
            match post {
                Act::Linear => v128_store(out as *mut v128, acc[r][v]),
                Act::Relu => {
                    let x = acc[r][v];
                    let zero = f32x4_splat(0.0);
                    v128_store(out as *mut v128, v128_bitselect(x, zero, f32x4_gt(x, zero)));
                }
                Act::Leaky(alpha) => {
                    let x = acc[r][v];
                    let ax = f32x4_mul(f32x4_splat(alpha), x);
                    v128_store(
                        out as *mut v128,
                        v128_bitselect(x, ax, f32x4_gt(x, f32x4_splat(0.0))),
                    );
                }
                Act::Tanh | Act::Sigmoid => {
                    v128_store(out as *mut v128, acc[r][v]);
                    for l in 0..4 {
                        *out.add(l) = post.apply(*out.add(l));
                    }
                }
            }
        }
    }
}

/// One element of C, accumulated in the same order as a tile lane.
#[inline(always)]
unsafe fn element(
    k: usize,
    a: *const f32,
    cs: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    start: Start,
    post: Act,
) {
    let mut acc = match start {
        Start::Zero => 0.0,
        Start::Load => *c,
        Start::Bias(bias) => *bias,
    };
    for p in 0..k {
        acc += *a.add(p * cs) * *b.add(p * ldb);
    }
    *c = post.apply(acc);
}

/// Rows i0..i0+R of C, all column blocks.
#[inline(always)]
unsafe fn rows<const R: usize>(
    k: usize,
    n: usize,
    a: *const f32,
    rs: usize,
    cs: usize,
    b: *const f32,
    c: *mut f32,
    init: Init,
    post: Act,
) {
    let start_at = |j: usize| match init {
        Init::Zero => Start::Zero,
        Init::Accumulate => Start::Load,
        Init::Bias(bias) => Start::Bias(bias.as_ptr().add(j)),
    };
    let mut j = 0;
    while j + 8 <= n {
        tile::<R, 2>(k, a, rs, cs, b.add(j), n, c.add(j), n, start_at(j), post);
        j += 8;
    }
    if j + 4 <= n {
        tile::<R, 1>(k, a, rs, cs, b.add(j), n, c.add(j), n, start_at(j), post);
        j += 4;
    }
    while j < n {
        for r in 0..R {
            element(
                k,
                a.add(r * rs),
                cs,
                b.add(j),
                n,
                c.add(r * n + j),
                start_at(j),
                post,
            );
        }
        j += 1;
    }
}

/// See `kernels::gemm`.
///
/// # Safety
/// The caller guarantees the slice bounds (checked in `kernels::gemm`).
pub unsafe fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: Lhs,
    b: &[f32],
    c: &mut [f32],
    init: Init,
    post: Act,
) {
    let (ap, bp, cp) = (a.data.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    let mut i = 0;
    while i + 4 <= m {
        rows::<4>(
            k,
            n,
            ap.add(i * a.rs),
            a.rs,
            a.cs,
            bp,
            cp.add(i * n),
            init,
            post,
        );
        i += 4;
    }
    while i < m {
        rows::<1>(
            k,
            n,
            ap.add(i * a.rs),
            a.rs,
            a.cs,
            bp,
            cp.add(i * n),
            init,
            post,
        );
        i += 1;
    }
}

pub fn activation_backward(act: Act, y: &[f32], dy: &[f32], dz: &mut [f32]) {
    let len = dz.len();
    let mut i = 0;
    unsafe {
        while i + 4 <= len {
            let yv = v128_load(y.as_ptr().add(i) as *const v128);
            let dv = v128_load(dy.as_ptr().add(i) as *const v128);
            v128_store(dz.as_mut_ptr().add(i) as *mut v128, backward4(act, yv, dv));
            i += 4;
        }
    }
    while i < len {
        dz[i] = act.backward(y[i], dy[i]);
        i += 1;
    }
}

pub fn activation_backward_in_place(act: Act, y: &[f32], d: &mut [f32]) {
    let len = d.len();
    let mut i = 0;
    unsafe {
        while i + 4 <= len {
            let yv = v128_load(y.as_ptr().add(i) as *const v128);
            let p = d.as_mut_ptr().add(i) as *mut v128;
            v128_store(p, backward4(act, yv, v128_load(p)));
            i += 4;
        }
    }
    while i < len {
        d[i] = act.backward(y[i], d[i]);
        i += 1;
    }
}

#[inline(always)]
fn backward4(act: Act, y: v128, dy: v128) -> v128 {
    let zero = f32x4_splat(0.0);
    match act {
        Act::Linear => dy,
        Act::Relu => v128_bitselect(dy, zero, f32x4_gt(y, zero)),
        Act::Leaky(a) => v128_bitselect(dy, f32x4_mul(f32x4_splat(a), dy), f32x4_gt(y, zero)),
        Act::Tanh => f32x4_mul(dy, f32x4_sub(f32x4_splat(1.0), f32x4_mul(y, y))),
        Act::Sigmoid => f32x4_mul(dy, f32x4_mul(y, f32x4_sub(f32x4_splat(1.0), y))),
    }
}

pub fn column_sums(m: usize, n: usize, dz: &[f32], db: &mut [f32]) {
    let mut j = 0;
    unsafe {
        while j + 4 <= n {
            let mut acc = f32x4_splat(0.0);
            for i in 0..m {
                acc = f32x4_add(acc, v128_load(dz.as_ptr().add(i * n + j) as *const v128));
            }
            v128_store(db.as_mut_ptr().add(j) as *mut v128, acc);
            j += 4;
        }
    }
    while j < n {
        let mut acc = 0.0;
        for i in 0..m {
            acc += dz[i * n + j];
        }
        db[j] = acc;
        j += 1;
    }
}

pub fn adam(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], s: AdamStep) {
    let (step, sqrt_bc2) = s.corrections();
    let len = p.len();
    let (b1, b2, c1, c2) = (
        f32x4_splat(s.beta1),
        f32x4_splat(s.beta2),
        f32x4_splat(1.0 - s.beta1),
        f32x4_splat(1.0 - s.beta2),
    );
    let (stepv, bc2v, epsv) = (f32x4_splat(step), f32x4_splat(sqrt_bc2), f32x4_splat(s.eps));
    let mut i = 0;
    unsafe {
        while i + 4 <= len {
            let gv = v128_load(g.as_ptr().add(i) as *const v128);
            let mp = m.as_mut_ptr().add(i) as *mut v128;
            let vp = v.as_mut_ptr().add(i) as *mut v128;
            let pp = p.as_mut_ptr().add(i) as *mut v128;
            let mi = f32x4_add(f32x4_mul(b1, v128_load(mp)), f32x4_mul(c1, gv));
            let vi = f32x4_add(
                f32x4_mul(b2, v128_load(vp)),
                f32x4_mul(c2, f32x4_mul(gv, gv)),
            );
            v128_store(mp, mi);
            v128_store(vp, vi);
            let denom = f32x4_add(f32x4_div(f32x4_sqrt(vi), bc2v), epsv);
            v128_store(
                pp,
                f32x4_sub(v128_load(pp), f32x4_div(f32x4_mul(stepv, mi), denom)),
            );
            i += 4;
        }
    }
    let (b1, b2, c1, c2, eps) = (s.beta1, s.beta2, 1.0 - s.beta1, 1.0 - s.beta2, s.eps);
    while i < len {
        let gi = g[i];
        let mi = b1 * m[i] + c1 * gi;
        let vi = b2 * v[i] + c2 * (gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * mi / (vi.sqrt() / sqrt_bc2 + eps);
        i += 1;
    }
}

pub fn sgd(p: &mut [f32], g: &[f32], lr: f32) {
    let len = p.len();
    let lrv = f32x4_splat(lr);
    let mut i = 0;
    unsafe {
        while i + 4 <= len {
            let pp = p.as_mut_ptr().add(i) as *mut v128;
            let gv = v128_load(g.as_ptr().add(i) as *const v128);
            v128_store(pp, f32x4_sub(v128_load(pp), f32x4_mul(lrv, gv)));
            i += 4;
        }
    }
    while i < len {
        p[i] -= lr * g[i];
        i += 1;
    }
}

pub fn peak(iters: u32) -> f32 {
    let mut acc = [f32x4_splat(0.0); 12];
    for (i, a) in acc.iter_mut().enumerate() {
        let x = i as f32 * 0.04;
        *a = f32x4(x, x + 0.01, x + 0.02, x + 0.03);
    }
    let (mul, add) = (f32x4_splat(0.999_9), f32x4_splat(0.000_1));
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = f32x4_add(f32x4_mul(*a, mul), add);
        }
    }
    let mut sum = f32x4_splat(0.0);
    for a in acc {
        sum = f32x4_add(sum, a);
    }
    f32x4_extract_lane::<0>(sum)
        + f32x4_extract_lane::<1>(sum)
        + f32x4_extract_lane::<2>(sum)
        + f32x4_extract_lane::<3>(sum)
}
