//! Dense-layer kernels: the three products of a dense layer (X·W, dY·Wᵀ,
//! Xᵀ·dY) with fused bias and activation, activation derivatives, bias
//! gradients and the optimizer updates.
//!
//! Two implementations with the same signatures: `simd128` (register-blocked
//! f32x4 microkernels, chosen when compiled with `+simd128`) and `scalar`
//! (plain loops, everywhere else, including host tests). Both accumulate
//! every output element in the same order (init, then `+ a·b` for p = 0, 1, …,
//! then bias, then activation), with separate multiply and add, so the two
//! builds give bit-identical results; tests hold them to that.
//!
//! Layout: every matrix is row-major f32. A dense layer's weights are stored
//! `[in × out]`, so its forward pass is `Y[b×out] = X[b×in] · W[in×out]`.

pub mod activation;
pub mod polar;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;

pub use activation::Act;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use scalar as imp;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd128 as imp;

/// True when the simd128 kernels are compiled in.
pub const SIMD: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// What an output element starts from before the products are added.
#[derive(Clone, Copy, Debug)]
pub enum Init<'a> {
    /// Start from 0 (overwrite C).
    Zero,
    /// Start from C's current value (accumulate into C).
    Accumulate,
    /// Start from `bias[j]` for column j.
    Bias(&'a [f32]),
}

/// A strided view of the left operand: element (i, p) is `data[i*rs + p*cs]`.
/// Row-major A has `rs = k, cs = 1`; a transposed A (stored `[k×m]`) has
/// `rs = 1, cs = m`.
#[derive(Clone, Copy, Debug)]
pub struct Lhs<'a> {
    pub data: &'a [f32],
    pub rs: usize,
    pub cs: usize,
}

/// A strided view of the right operand: element (p, j) is `data[p*rs + j*cs]`.
/// Row-major B has `rs = n, cs = 1`; a transposed B (stored `[n×k]`) has
/// `rs = 1, cs = k`.
#[derive(Clone, Copy, Debug)]
pub struct Rhs<'a> {
    pub data: &'a [f32],
    pub rs: usize,
    pub cs: usize,
}

/// `C[m×n] = init + A(m×k) · B[k×n]`, then `post` applied elementwise.
/// B and C are row-major and contiguous (leading dimension n).
///
/// Panics if a slice is too short for the shape (a bug in the caller, which
/// the FFI layer validates first).
#[allow(clippy::too_many_arguments)]
pub fn gemm(m: usize, k: usize, n: usize, a: Lhs, b: &[f32], c: &mut [f32], init: Init, post: Act) {
    let b = Rhs {
        data: b,
        rs: n,
        cs: 1,
    };
    gemm_strided(m, k, n, a, b, c, init, post);
}

/// `gemm` with a strided B (`Rhs`), for Bᵀ without a transposed copy.
#[allow(clippy::too_many_arguments)]
pub fn gemm_strided(
    m: usize,
    k: usize,
    n: usize,
    a: Lhs,
    b: Rhs,
    c: &mut [f32],
    init: Init,
    post: Act,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k > 0 {
        let last = (m - 1) * a.rs + (k - 1) * a.cs;
        assert!(last < a.data.len(), "gemm: A too short");
        let last = (k - 1) * b.rs + (n - 1) * b.cs;
        assert!(last < b.data.len(), "gemm: B too short");
    }
    assert!(c.len() >= m * n, "gemm: C too short");
    if let Init::Bias(bias) = init {
        assert!(bias.len() >= n, "gemm: bias too short");
    }
    // SAFETY: every index the kernels touch is below the bounds asserted above.
    unsafe { imp::gemm(m, k, n, a, b, c, init, post) }
}

/// `C[m×n] (+)= A[m×k] · B[k×n]`.
pub fn matmul_nn(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    accumulate: bool,
) {
    let init = if accumulate {
        Init::Accumulate
    } else {
        Init::Zero
    };
    gemm(
        m,
        k,
        n,
        Lhs {
            data: a,
            rs: k,
            cs: 1,
        },
        b,
        c,
        init,
        Act::Linear,
    );
}

/// `C[m×n] (+)= A[k×m]ᵀ · B[k×n]` (the weight gradient Xᵀ·dY).
pub fn matmul_tn(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    accumulate: bool,
) {
    let init = if accumulate {
        Init::Accumulate
    } else {
        Init::Zero
    };
    gemm(
        m,
        k,
        n,
        Lhs {
            data: a,
            rs: 1,
            cs: m,
        },
        b,
        c,
        init,
        Act::Linear,
    );
}

/// `C[m×n] (+)= A[m×k] · B[n×k]ᵀ` (the input gradient dY·Wᵀ).
///
/// `bt` (at least k·n) is scratch for the scalar build, which transposes B into
/// it and runs the NN loop. The simd128 build leaves it untouched: its GEMM
/// packs B into panels anyway and reads Bᵀ straight from B while packing.
#[allow(clippy::too_many_arguments)]
pub fn matmul_nt(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    accumulate: bool,
    bt: &mut [f32],
) {
    if SIMD {
        let init = if accumulate {
            Init::Accumulate
        } else {
            Init::Zero
        };
        gemm_strided(
            m,
            k,
            n,
            Lhs {
                data: a,
                rs: k,
                cs: 1,
            },
            Rhs {
                data: b,
                rs: 1,
                cs: k,
            },
            c,
            init,
            Act::Linear,
        );
    } else {
        transpose(n, k, b, bt);
        matmul_nn(m, k, n, a, bt, c, accumulate);
    }
}

/// `Y[m×n] = act(X[m×k] · W[k×n] + bias[n])`: a dense layer's forward pass.
pub fn dense_forward(
    m: usize,
    k: usize,
    n: usize,
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    act: Act,
    y: &mut [f32],
) {
    gemm(
        m,
        k,
        n,
        Lhs {
            data: x,
            rs: k,
            cs: 1,
        },
        w,
        y,
        Init::Bias(bias),
        act,
    );
}

/// `out[c×r] = inᵀ` for `input[r×c]`.
pub fn transpose(r: usize, c: usize, input: &[f32], out: &mut [f32]) {
    assert!(
        input.len() >= r * c && out.len() >= r * c,
        "transpose: slice too short"
    );
    // Blocked so that both the reads and the writes stay in cache lines.
    const T: usize = 16;
    let mut i0 = 0;
    while i0 < r {
        let i1 = (i0 + T).min(r);
        let mut j0 = 0;
        while j0 < c {
            let j1 = (j0 + T).min(c);
            for i in i0..i1 {
                for j in j0..j1 {
                    out[j * r + i] = input[i * c + j];
                }
            }
            j0 = j1;
        }
        i0 = i1;
    }
}

/// `dz = dy ⊙ act'(x)`, with the derivative computed from the activation's
/// output `y` (so forward passes need to keep only their outputs).
pub fn activation_backward(act: Act, y: &[f32], dy: &[f32], dz: &mut [f32]) {
    let len = dz.len();
    assert!(
        y.len() >= len && dy.len() >= len,
        "activation_backward: slice too short"
    );
    imp::activation_backward(act, &y[..len], &dy[..len], dz);
}

/// In place: `d = d ⊙ act'(y)`.
pub fn activation_backward_in_place(act: Act, y: &[f32], d: &mut [f32]) {
    let len = d.len();
    assert!(
        y.len() >= len,
        "activation_backward_in_place: slice too short"
    );
    imp::activation_backward_in_place(act, &y[..len], d);
}

/// `db[j] = Σ_i dz[i×n + j]` over m rows, summed in row order.
pub fn column_sums(m: usize, n: usize, dz: &[f32], db: &mut [f32]) {
    assert!(
        dz.len() >= m * n && db.len() >= n,
        "column_sums: slice too short"
    );
    imp::column_sums(m, n, dz, &mut db[..n]);
}

/// Adam hyper-parameters and the step number t ≥ 1.
#[derive(Clone, Copy, Debug)]
pub struct AdamStep {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub t: u64,
}

impl AdamStep {
    /// `(lr / (1 - β1^t), sqrt(1 - β2^t))`, the bias corrections in the form
    /// PyTorch applies them; computed in f64 so that large t stays exact.
    pub fn corrections(&self) -> (f32, f32) {
        let t = self.t.min(i32::MAX as u64) as i32;
        let bc1 = 1.0 - (self.beta1 as f64).powi(t);
        let bc2 = 1.0 - (self.beta2 as f64).powi(t);
        ((self.lr as f64 / bc1) as f32, bc2.sqrt() as f32)
    }
}

/// One Adam update over equal-length slices:
/// `m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p -= (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + ε)`.
pub fn adam(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], step: AdamStep) {
    let len = p.len();
    assert!(
        g.len() >= len && m.len() >= len && v.len() >= len,
        "adam: slice too short"
    );
    imp::adam(p, &g[..len], &mut m[..len], &mut v[..len], step);
}

/// One SGD update: `p -= lr·g`.
pub fn sgd(p: &mut [f32], g: &[f32], lr: f32) {
    let len = p.len();
    assert!(g.len() >= len, "sgd: slice too short");
    imp::sgd(p, &g[..len], lr);
}

/// `out[i] = polar::polar_scale(s[i])` for s in (0, 1): the normal
/// generator's costly part, two lanes at a time in the simd128 build.
pub fn polar_scales(s: &[f64], out: &mut [f64]) {
    assert!(out.len() >= s.len(), "polar_scales: out too short");
    imp::polar_scales(s, &mut out[..s.len()]);
}

/// The ceiling loop for benchmarks: 12 independent 4-lane multiply+add chains
/// (`acc = acc·m + c`) run `iters` rounds; returns their sum so the work
/// cannot be optimised away. FLOP = iters · 12 · 4 · 2.
pub fn peak(iters: u32) -> f32 {
    imp::peak(iters)
}
