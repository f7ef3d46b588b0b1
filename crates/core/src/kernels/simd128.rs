//! simd128 kernels.
//!
//! The GEMM follows the usual packed design, kept as small as the GAN's
//! shapes allow:
//! - B is packed once per call into panels of 8 columns, `[k][8]` each and
//!   contiguous, zero-padded past n. Unpacked, the rows of a 128-wide B are
//!   512 bytes apart and a k-long column strip maps onto 8 of the 64 L1 sets,
//!   so every B load missed L1; packed, a panel streams sequentially from L2.
//! - A is packed per 4-row block with every value already broadcast to a
//!   whole vector, `[k][4][4]`, so the microkernel reads each A value with a
//!   plain `v128.load`. The broadcast used to happen in the k loop
//!   (`v128.load32_splat` from a `[k][4]` block): V8 turns that into one
//!   `vbroadcastss` load, but JavaScriptCore (Bun, Safari) lowers a
//!   load32_splat with a non-zero offset to a scalar load plus a splat, a
//!   shuffle that competes with the multiplies and adds for the FP ports.
//!   Broadcasting while packing (4 shuffles per 4 values, once per row block
//!   instead of once per panel) took Bun's backward products from ~38 to
//!   ~45 GFLOP/s and the forward ones from ~40 to ~45 in Node and Bun (~42
//!   in Deno).
//! - The microkernel keeps a 4×8 tile of C in 8 f32x4 accumulators while p runs
//!   over k: per p it loads 2 vectors of B and 4 broadcast values of A and
//!   issues 8 multiplies and 8 adds. With the 2 B vectors, one A vector and
//!   the product that is 11–12 of the 15 xmm registers V8 allocates on x86-64
//!   (xmm15 is its scratch), so nothing spills; 12 accumulators (6×8 or
//!   4×12) spill in V8.
//! - Deno runs wasm without V8's trap handler, so each of those 6 loads also
//!   gets an explicit bounds check (a compare and a branch); that, not the
//!   arithmetic, is why Deno stays ~10% behind Node on the same code.
//! - Row and column tails use the same microkernel: missing rows of a packed
//!   A block and missing columns of a panel are zeros, and only the valid part
//!   of the tile is stored.
//! - A product with one column (n = 1: D's output layer) or one p (k = 1)
//!   skips packing (`gemv`, `outer`): padded to a panel of 8 it did 8× the
//!   work and ran at 2-3 GFLOP/s.
//!
//! Every element still receives `init, + a(i,0)·b(0,j), + a(i,1)·b(1,j), …` in
//! p order with separate multiply and add, exactly as in `scalar.rs`.

use super::{Act, AdamStep, Init, Lhs, Rhs};
use core::arch::wasm32::*;
use std::cell::RefCell;

/// Rows of C per microkernel tile.
const MR: usize = 4;
/// Columns of C per microkernel tile (two f32x4).
const NR: usize = 8;

thread_local! {
    /// Packed panels of B followed by one packed block of A. Grows to the
    /// largest product seen and is then reused, so a training step does not
    /// allocate once its first run has sized it.
    static PACK: RefCell<Vec<f32>> = RefCell::new(Vec::new());
}

/// How a tile's accumulators start.
#[derive(Clone, Copy)]
enum Start {
    Zero,
    /// From C itself.
    Load,
    /// From the bias, starting at the tile's first column.
    Bias(*const f32),
}

/// `post` on one vector: tanh by `tanh4` (the same operations as the scalar
/// `activation::tanh`), sigmoid lane by lane through `Act::apply`.
#[inline(always)]
fn activate(post: Act, x: v128) -> v128 {
    let zero = f32x4_splat(0.0);
    match post {
        Act::Linear => x,
        Act::Relu => v128_bitselect(x, zero, f32x4_gt(x, zero)),
        Act::Leaky(alpha) => v128_bitselect(x, f32x4_mul(f32x4_splat(alpha), x), f32x4_gt(x, zero)),
        Act::Tanh => tanh4(x),
        Act::Sigmoid => f32x4(
            post.apply(f32x4_extract_lane::<0>(x)),
            post.apply(f32x4_extract_lane::<1>(x)),
            post.apply(f32x4_extract_lane::<2>(x)),
            post.apply(f32x4_extract_lane::<3>(x)),
        ),
    }
}

/// `tanh4` on a whole tile, in three stages (reduction, polynomial, the
/// rest), each done for all 8 vectors before the next starts.
///
/// One vector's tanh is a single dependent chain of ~35 operations, ~110
/// cycles with the division. Written vector by vector (and whatever order
/// the source has, LLVM's wasm backend emits it vector by vector: its
/// stackifier sinks each single-use value next to its use), the processor
/// held only ~4 chains in flight and tanh cost ~28 cycles a vector. The
/// stages pass their results through `acc` with volatile loads and stores,
/// which the compilers may neither merge nor reorder, so each stage offers 8
/// independent short chains. Per value, at the G output layer's
/// 256×128·128×784: 1.55 → 1.0 ns in V8 (Node), 2.1 → 1.3 in
/// JavaScriptCore (Bun), 2.2 → 1.25 in Deno; `sample(256)` +6%. The
/// operations and their order per lane are `tanh4`'s, so the bits are too.
/// The constants come from `TANH_K`, one load each per tile, read volatile
/// so that LLVM does not fold them back into `v128.const`, which V8 builds
/// from immediates in three instructions each (51 per tile): 1.11 → 0.96 ns
/// a value in Node, 1.53 → 1.34 in Bun, 1.38 → 1.28 in Deno.
#[inline(never)]
fn tanh_tile(acc: &mut [v128; 8]) {
    let v = acc.as_mut_ptr();
    // SAFETY: every index used is below 8, inside `acc`.
    let ld = |i: usize| unsafe { core::ptr::read_volatile(v.add(i)) };
    let st = |i: usize, x: v128| unsafe { core::ptr::write_volatile(v.add(i), x) };
    let kp = TANH_K.0.as_ptr();
    // SAFETY: inside TANH_K.
    let kk = |i: usize| unsafe { core::ptr::read_volatile(kp.add(i)) };
    let mut sign = [f32x4_splat(0.0); 8];
    let mut t = [f32x4_splat(0.0); 8];
    let k1 = [kk(0), kk(1), kk(2), kk(3), kk(4), kk(5), kk(6)];
    for i in 0..8 {
        let (r, ti, si) = tanh_reduce(ld(i), &k1);
        (t[i], sign[i]) = (ti, si);
        st(i, r);
    }
    let k2 = [kk(7), kk(8), kk(9), kk(10), kk(11), kk(12)];
    for i in 0..8 {
        st(i, tanh_poly(ld(i), &k2));
    }
    let k3 = [k1[4], kk(13), kk(14), kk(15)];
    for i in 0..8 {
        st(i, tanh_finish(ld(i), t[i], sign[i], &k3));
    }
}

#[repr(align(16))]
struct TanhK([v128; 16]);

/// tanh's vector constants in the order the stages take them (`tanh_tile`
/// reads them from memory; `tanh4` lets LLVM fold them).
static TANH_K: TanhK = {
    use super::activation::tanh_consts::*;
    TanhK([
        u32x4(0x8000_0000, 0x8000_0000, 0x8000_0000, 0x8000_0000),
        u32x4(0x7fff_ffff, 0x7fff_ffff, 0x7fff_ffff, 0x7fff_ffff),
        f32x4(CLAMP, CLAMP, CLAMP, CLAMP),
        f32x4(LOG2E, LOG2E, LOG2E, LOG2E),
        f32x4(ROUND, ROUND, ROUND, ROUND),
        f32x4(LN2_HI, LN2_HI, LN2_HI, LN2_HI),
        f32x4(LN2_LO, LN2_LO, LN2_LO, LN2_LO),
        f32x4(Q[0], Q[0], Q[0], Q[0]),
        f32x4(Q[1], Q[1], Q[1], Q[1]),
        f32x4(Q[2], Q[2], Q[2], Q[2]),
        f32x4(Q[3], Q[3], Q[3], Q[3]),
        f32x4(Q[4], Q[4], Q[4], Q[4]),
        f32x4(Q[5], Q[5], Q[5], Q[5]),
        u32x4(127, 127, 127, 127),
        f32x4(1.0, 1.0, 1.0, 1.0),
        f32x4(2.0, 2.0, 2.0, 2.0),
    ])
};

/// `activation::tanh` on four lanes: the same f32 operations in the same
/// order, in the three stages `tanh_tile` interleaves.
#[inline(always)]
fn tanh4(x: v128) -> v128 {
    let k = &TANH_K.0;
    let (r, t, sign) = tanh_reduce(x, &[k[0], k[1], k[2], k[3], k[4], k[5], k[6]]);
    tanh_finish(
        tanh_poly(r, &[k[7], k[8], k[9], k[10], k[11], k[12]]),
        t,
        sign,
        &[k[4], k[13], k[14], k[15]],
    )
}

/// tanh's first stage: r = 2|x| − n·ln 2 (|x| clamped), with t (n + ROUND
/// as a float) and x's sign bit.
#[inline(always)]
fn tanh_reduce(x: v128, k: &[v128; 7]) -> (v128, v128, v128) {
    let sign = v128_and(x, k[0]);
    let ax = v128_and(x, k[1]);
    let clamp = k[2];
    let c = v128_bitselect(clamp, ax, f32x4_gt(ax, clamp));
    let y = f32x4_add(c, c);
    let round = k[4];
    let t = f32x4_add(f32x4_mul(y, k[3]), round);
    let nf = f32x4_sub(t, round);
    let r = f32x4_sub(f32x4_sub(y, f32x4_mul(nf, k[5])), f32x4_mul(nf, k[6]));
    (r, t, sign)
}

/// tanh's second stage: p = e^r − 1 ≈ r + r²·Q(r).
#[inline(always)]
fn tanh_poly(r: v128, k: &[v128; 6]) -> v128 {
    let mut q = k[0];
    for &c in &k[1..] {
        q = f32x4_add(f32x4_mul(q, r), c);
    }
    f32x4_add(f32x4_mul(q, f32x4_mul(r, r)), r)
}

/// tanh's last stage: m = e^{2|x|} − 1 = 2^n·p + (2^n − 1), then m / (m + 2)
/// with x's sign.
#[inline(always)]
fn tanh_finish(p: v128, t: v128, sign: v128, k: &[v128; 4]) -> v128 {
    let n = i32x4_sub(t, k[0]);
    let scale = i32x4_shl(i32x4_add(n, k[1]), 23);
    let m = f32x4_add(f32x4_mul(scale, p), f32x4_sub(scale, k[2]));
    let th = f32x4_div(m, f32x4_add(m, k[3]));
    v128_or(th, sign)
}

/// Reads rows `0..rows`, columns `0..cols` of a row-major matrix at `src`
/// (leading dimension `ld`) into a zero-padded 4×8 tile.
#[inline(never)]
unsafe fn read_partial(src: *const f32, ld: usize, rows: usize, cols: usize) -> [v128; 8] {
    let mut t = [0.0f32; MR * NR];
    for r in 0..rows {
        for c in 0..cols {
            t[r * NR + c] = *src.add(r * ld + c);
        }
    }
    let p = t.as_ptr();
    let mut out = [f32x4_splat(0.0); 8];
    for (i, v) in out.iter_mut().enumerate() {
        *v = v128_load(p.add(4 * i) as *const v128);
    }
    out
}

/// Writes rows `0..rows`, columns `0..cols` of a 4×8 tile to `dst`.
#[inline(never)]
unsafe fn write_partial(dst: *mut f32, ld: usize, rows: usize, cols: usize, tile: &[v128; 8]) {
    let mut t = [0.0f32; MR * NR];
    let p = t.as_mut_ptr();
    for (i, v) in tile.iter().enumerate() {
        v128_store(p.add(4 * i) as *mut v128, *v);
    }
    for r in 0..rows {
        for c in 0..cols {
            *dst.add(r * ld + c) = t[r * NR + c];
        }
    }
}

/// The k loop of the 4×8 register block, `acc += A(0..4, 0..k) · B(0..k, 0..8)`
/// with the accumulators `$c` (row r in `c_r0`: columns 0..4, `c_r1`: 4..8):
/// per p, 2 loads of B, 4 loads of broadcast A values, 8 multiplies and 8
/// adds.
///
/// - `$ap`: one packed block of A, A(r, p) in all 4 lanes at `ap[(p·4 + r)·4..]`.
/// - `$bp`: one packed panel of B, B(p, c) at `bp[p·8 + c]`.
///
/// Both operands packed makes every load a pointer plus a constant.
macro_rules! k_loop {
    ($k:expr, $ap:expr, $bp:expr, [$c00:ident, $c01:ident, $c10:ident, $c11:ident, $c20:ident, $c21:ident, $c30:ident, $c31:ident]) => {{
        let mut aq = $ap;
        let mut bq = $bp;
        // The panel pointer is the loop counter: one register fewer than a count.
        let b_end = $bp.add($k * NR);
        while bq != b_end {
            let b0 = v128_load(bq as *const v128);
            let b1 = v128_load(bq.add(4) as *const v128);
            let x0 = v128_load(aq as *const v128);
            $c00 = f32x4_add($c00, f32x4_mul(x0, b0));
            $c01 = f32x4_add($c01, f32x4_mul(x0, b1));
            let x1 = v128_load(aq.add(4) as *const v128);
            $c10 = f32x4_add($c10, f32x4_mul(x1, b0));
            $c11 = f32x4_add($c11, f32x4_mul(x1, b1));
            let x2 = v128_load(aq.add(8) as *const v128);
            $c20 = f32x4_add($c20, f32x4_mul(x2, b0));
            $c21 = f32x4_add($c21, f32x4_mul(x2, b1));
            let x3 = v128_load(aq.add(12) as *const v128);
            $c30 = f32x4_add($c30, f32x4_mul(x3, b0));
            $c31 = f32x4_add($c31, f32x4_mul(x3, b1));
            aq = aq.add(MR * 4);
            bq = bq.add(NR);
        }
    }};
}

// The two microkernels are small functions of their own, straight-line apart
// from the loop, with no call in them and the accumulators as eight named
// locals indexed only by constants: then V8 (TurboFan and Turboshaft) and
// JavaScriptCore all keep the accumulators in registers. Inlined into the
// GEMM, or sharing a function with an epilogue that calls tanh, JSC's
// register allocator (which does not split live ranges around calls) spilled
// every accumulator and ran the GEMM at a third of V8's speed; a branch on
// where the accumulators start or end cost Turboshaft (Deno, Chromium) ~10%.

/// `acc += A·B` over one tile, `acc` as 8 vectors (row r in `acc[2r]` and
/// `acc[2r + 1]`), loaded first and stored back last.
#[inline(never)]
unsafe fn microkernel(k: usize, ap: *const f32, bp: *const f32, acc: &mut [v128; 8]) {
    let [mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31] = *acc;
    k_loop!(k, ap, bp, [c00, c01, c10, c11, c20, c21, c30, c31]);
    *acc = [c00, c01, c10, c11, c20, c21, c30, c31];
}

/// `C = A·B` for one whole tile at `c` (leading dimension `ldc`): from zero
/// and straight to C, the case of every product of the backward pass.
#[inline(never)]
unsafe fn microkernel_to_c(k: usize, ap: *const f32, bp: *const f32, c: *mut f32, ldc: usize) {
    let zero = f32x4_splat(0.0);
    let [mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31] = [zero; 8];
    k_loop!(k, ap, bp, [c00, c01, c10, c11, c20, c21, c30, c31]);
    v128_store(c as *mut v128, c00);
    v128_store(c.add(4) as *mut v128, c01);
    v128_store(c.add(ldc) as *mut v128, c10);
    v128_store(c.add(ldc + 4) as *mut v128, c11);
    v128_store(c.add(2 * ldc) as *mut v128, c20);
    v128_store(c.add(2 * ldc + 4) as *mut v128, c21);
    v128_store(c.add(3 * ldc) as *mut v128, c30);
    v128_store(c.add(3 * ldc + 4) as *mut v128, c31);
}

/// One tile: rows `0..rows` (≤ 4) and columns `0..cols` (≤ 8) of
/// `C = start + A·B`, then `post`. `ap` and `bp` as in `k_loop`; C(r, c) is
/// at `c[r·ldc + c]`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile(
    k: usize,
    ap: *const f32,
    bp: *const f32,
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    start: Start,
    post: Act,
) {
    let full = rows == MR && cols == NR;
    if full && post == Act::Linear && matches!(start, Start::Zero) {
        microkernel_to_c(k, ap, bp, c, ldc);
        return;
    }
    let mut acc = match start {
        Start::Zero => [f32x4_splat(0.0); 8],
        Start::Load if full => {
            let mut t = [f32x4_splat(0.0); 8];
            for (r, pair) in t.chunks_exact_mut(2).enumerate() {
                pair[0] = v128_load(c.add(r * ldc) as *const v128);
                pair[1] = v128_load(c.add(r * ldc + 4) as *const v128);
            }
            t
        }
        Start::Load => read_partial(c, ldc, rows, cols),
        Start::Bias(bias) => {
            let (b0, b1) = if cols == NR {
                (
                    v128_load(bias as *const v128),
                    v128_load(bias.add(4) as *const v128),
                )
            } else {
                let t = read_partial(bias, 0, 1, cols);
                (t[0], t[1])
            };
            [b0, b1, b0, b1, b0, b1, b0, b1]
        }
    };
    microkernel(k, ap, bp, &mut acc);
    if post == Act::Tanh {
        tanh_tile(&mut acc);
    } else if post != Act::Linear {
        for v in acc.iter_mut() {
            *v = activate(post, *v);
        }
    }
    if full {
        for (r, pair) in acc.chunks_exact(2).enumerate() {
            v128_store(c.add(r * ldc) as *mut v128, pair[0]);
            v128_store(c.add(r * ldc + 4) as *mut v128, pair[1]);
        }
    } else {
        write_partial(c, ldc, rows, cols, &acc);
    }
}

/// Packs B (k × n) into `ceil(n/8)` panels of `[k][8]`, zero-padded.
unsafe fn pack_b(k: usize, n: usize, b: Rhs, out: *mut f32) {
    let src = b.data.as_ptr();
    let mut j0 = 0;
    let mut panel = out;
    while j0 < n {
        let cols = (n - j0).min(NR);
        let mut p0 = 0;
        if cols == NR && b.cs == 1 {
            // Row-major B: two vector copies per row of the panel.
            let mut s = src.add(j0);
            for p in 0..k {
                let d = panel.add(p * NR);
                v128_store(d as *mut v128, v128_load(s as *const v128));
                v128_store(d.add(4) as *mut v128, v128_load(s.add(4) as *const v128));
                s = s.add(b.rs);
            }
            p0 = k;
        } else if cols == NR && b.rs == 1 {
            // Bᵀ (the weights in dY·Wᵀ): column j is contiguous in p, so read
            // 4 p of each of the 8 columns and transpose two 4×4 blocks.
            let s = src.add(j0 * b.cs);
            while p0 + 4 <= k {
                let col = |c: usize| v128_load(s.add(c * b.cs + p0) as *const v128);
                let lo = transpose4(col(0), col(1), col(2), col(3));
                let hi = transpose4(col(4), col(5), col(6), col(7));
                for q in 0..4 {
                    let d = panel.add((p0 + q) * NR);
                    v128_store(d as *mut v128, lo[q]);
                    v128_store(d.add(4) as *mut v128, hi[q]);
                }
                p0 += 4;
            }
        }
        for p in p0..k {
            let d = panel.add(p * NR);
            let s = src.add(p * b.rs + j0 * b.cs);
            for c in 0..NR {
                *d.add(c) = if c < cols { *s.add(c * b.cs) } else { 0.0 };
            }
        }
        j0 += NR;
        panel = panel.add(k * NR);
    }
}

/// The transpose of the 4×4 block whose rows are `r0..r3`.
#[inline(always)]
fn transpose4(r0: v128, r1: v128, r2: v128, r3: v128) -> [v128; 4] {
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
    let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
    let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
    [
        i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
        i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
        i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
    ]
}

/// The four lanes of `v`, each broadcast to a whole vector.
#[inline(always)]
fn splat_lanes(v: v128) -> [v128; 4] {
    [
        i32x4_shuffle::<0, 0, 0, 0>(v, v),
        i32x4_shuffle::<1, 1, 1, 1>(v, v),
        i32x4_shuffle::<2, 2, 2, 2>(v, v),
        i32x4_shuffle::<3, 3, 3, 3>(v, v),
    ]
}

/// Packs rows `i0..i0+rows` of A into `[k][4][4]`: A(r, p) broadcast to the
/// whole vector at `out[(p·4 + r)·4..]`, zero vectors for missing rows.
unsafe fn pack_a(k: usize, a: Lhs, i0: usize, rows: usize, out: *mut f32) {
    let src = a.data.as_ptr().add(i0 * a.rs);
    let mut p0 = 0;
    if rows == MR && a.rs == 1 {
        // Transposed A (Xᵀ·dY): the 4 values of each p are contiguous.
        for p in 0..k {
            let lanes = splat_lanes(v128_load(src.add(p * a.cs) as *const v128));
            for (r, v) in lanes.iter().enumerate() {
                v128_store(out.add((p * MR + r) * 4) as *mut v128, *v);
            }
        }
        p0 = k;
    } else if rows == MR && a.cs == 1 {
        // Row-major A: 4 p of each row at once.
        while p0 + 4 <= k {
            for r in 0..MR {
                let lanes = splat_lanes(v128_load(src.add(r * a.rs + p0) as *const v128));
                for (q, v) in lanes.iter().enumerate() {
                    v128_store(out.add(((p0 + q) * MR + r) * 4) as *mut v128, *v);
                }
            }
            p0 += 4;
        }
    }
    for p in p0..k {
        for r in 0..MR {
            let x = if r < rows {
                *src.add(r * a.rs + p * a.cs)
            } else {
                0.0
            };
            v128_store(out.add((p * MR + r) * 4) as *mut v128, f32x4_splat(x));
        }
    }
}

/// See `kernels::gemm`; B may be strided (`Rhs`).
///
/// # Safety
/// The caller guarantees the slice bounds (checked in `kernels`).
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
    // One column (a layer with one output) or one p (an outer product): the
    // packed path would pad the column to a panel of 8, or spend a whole
    // packing pass and tile set on a single product per element.
    if n == 1 {
        return gemv(m, k, a, b, c, init, post);
    }
    if k == 1 {
        return outer(m, n, a, b, c, init, post);
    }
    let panels = (n + NR - 1) / NR;
    let b_len = panels * NR * k;
    PACK.with(|cell| {
        let mut buf = cell.borrow_mut();
        if buf.len() < b_len + MR * 4 * k {
            buf.resize(b_len + MR * 4 * k, 0.0);
        }
        let bp = buf.as_mut_ptr();
        let ap = bp.add(b_len);
        pack_b(k, n, b, bp);
        let cp = c.as_mut_ptr();
        // A is packed per 4-row block, then reused by every panel of B.
        let mut i0 = 0;
        while i0 < m {
            let rows = (m - i0).min(MR);
            pack_a(k, a, i0, rows, ap);
            for jp in 0..panels {
                let j0 = jp * NR;
                let start = match init {
                    Init::Zero => Start::Zero,
                    Init::Accumulate => Start::Load,
                    Init::Bias(bias) => Start::Bias(bias.as_ptr().add(j0)),
                };
                tile(
                    k,
                    ap,
                    bp.add(jp * NR * k),
                    cp.add(i0 * n + j0),
                    n,
                    rows,
                    (n - j0).min(NR),
                    start,
                    post,
                );
            }
            i0 += MR;
        }
    });
}

/// `C = init + A·B` for n = 1. Four rows share one vector accumulator that
/// receives A(i0..i0+4, p)·B(p) for p = 0, 1, …, so each row still gets its
/// products in p order; the rows past the last group of four go one by one,
/// as in `scalar.rs`.
#[inline(never)]
unsafe fn gemv(m: usize, k: usize, a: Lhs, b: Rhs, c: &mut [f32], init: Init, post: Act) {
    let (src, bsrc, cp) = (a.data.as_ptr(), b.data.as_ptr(), c.as_mut_ptr());
    let bv = |p: usize| *bsrc.add(p * b.rs);
    let start4 = |i: usize| match init {
        Init::Zero => f32x4_splat(0.0),
        Init::Accumulate => v128_load(cp.add(i) as *const v128),
        Init::Bias(bias) => f32x4_splat(bias[0]),
    };
    let mut i0 = 0;
    if a.rs == 1 {
        // Transposed A (Xᵀ·dY): the values of each p are contiguous. Sixteen
        // rows at a time, four independent accumulators: one alone would
        // wait for its previous add at every p.
        while i0 + 4 * MR <= m {
            let mut acc = [start4(i0), start4(i0 + 4), start4(i0 + 8), start4(i0 + 12)];
            let mut col = src.add(i0);
            for p in 0..k {
                let x = f32x4_splat(bv(p));
                acc[0] = f32x4_add(acc[0], f32x4_mul(v128_load(col as *const v128), x));
                acc[1] = f32x4_add(acc[1], f32x4_mul(v128_load(col.add(4) as *const v128), x));
                acc[2] = f32x4_add(acc[2], f32x4_mul(v128_load(col.add(8) as *const v128), x));
                acc[3] = f32x4_add(acc[3], f32x4_mul(v128_load(col.add(12) as *const v128), x));
                col = col.add(a.cs);
            }
            for (q, v) in acc.iter().enumerate() {
                v128_store(cp.add(i0 + 4 * q) as *mut v128, activate(post, *v));
            }
            i0 += 4 * MR;
        }
    }
    if a.cs == 1 {
        // Row-major A (X·w): 4 p of each of 8 rows, transposed in registers,
        // into two independent accumulators.
        while i0 + 2 * MR <= m {
            let mut acc = [start4(i0), start4(i0 + 4)];
            let rows = src.add(i0 * a.rs);
            let mut p = 0;
            while p + 4 <= k {
                let row = |r: usize| v128_load(rows.add(r * a.rs + p) as *const v128);
                let lo = transpose4(row(0), row(1), row(2), row(3));
                let hi = transpose4(row(4), row(5), row(6), row(7));
                for q in 0..4 {
                    let x = f32x4_splat(bv(p + q));
                    acc[0] = f32x4_add(acc[0], f32x4_mul(lo[q], x));
                    acc[1] = f32x4_add(acc[1], f32x4_mul(hi[q], x));
                }
                p += 4;
            }
            while p < k {
                let at = |r: usize| *rows.add(r * a.rs + p);
                let x = f32x4_splat(bv(p));
                acc[0] = f32x4_add(acc[0], f32x4_mul(f32x4(at(0), at(1), at(2), at(3)), x));
                acc[1] = f32x4_add(acc[1], f32x4_mul(f32x4(at(4), at(5), at(6), at(7)), x));
                p += 1;
            }
            v128_store(cp.add(i0) as *mut v128, activate(post, acc[0]));
            v128_store(cp.add(i0 + 4) as *mut v128, activate(post, acc[1]));
            i0 += 2 * MR;
        }
    }
    while i0 + MR <= m {
        let mut acc = start4(i0);
        let rows = src.add(i0 * a.rs);
        let mut p = 0;
        if a.rs == 1 {
            // Transposed A (Xᵀ·dY): the 4 values of each p are contiguous.
            while p < k {
                let col = v128_load(rows.add(p * a.cs) as *const v128);
                acc = f32x4_add(acc, f32x4_mul(col, f32x4_splat(bv(p))));
                p += 1;
            }
        } else if a.cs == 1 {
            // Row-major A: 4 p of each of the 4 rows, transposed in registers.
            while p + 4 <= k {
                let cols = transpose4(
                    v128_load(rows.add(p) as *const v128),
                    v128_load(rows.add(a.rs + p) as *const v128),
                    v128_load(rows.add(2 * a.rs + p) as *const v128),
                    v128_load(rows.add(3 * a.rs + p) as *const v128),
                );
                for (q, col) in cols.iter().enumerate() {
                    acc = f32x4_add(acc, f32x4_mul(*col, f32x4_splat(bv(p + q))));
                }
                p += 4;
            }
        }
        while p < k {
            let at = |r: usize| *rows.add(r * a.rs + p * a.cs);
            let col = f32x4(at(0), at(1), at(2), at(3));
            acc = f32x4_add(acc, f32x4_mul(col, f32x4_splat(bv(p))));
            p += 1;
        }
        v128_store(cp.add(i0) as *mut v128, activate(post, acc));
        i0 += MR;
    }
    for i in i0..m {
        let mut x = match init {
            Init::Zero => 0.0,
            Init::Accumulate => *cp.add(i),
            Init::Bias(bias) => bias[0],
        };
        for p in 0..k {
            x += *src.add(i * a.rs + p * a.cs) * bv(p);
        }
        *cp.add(i) = post.apply(x);
    }
}

/// `C = init + A·B` for k = 1: one product per element, A(i, 0) broadcast
/// along row i.
#[inline(never)]
unsafe fn outer(m: usize, n: usize, a: Lhs, b: Rhs, c: &mut [f32], init: Init, post: Act) {
    let (bsrc, cp) = (b.data.as_ptr(), c.as_mut_ptr());
    for i in 0..m {
        let ai = a.data[i * a.rs];
        let x = f32x4_splat(ai);
        let row = cp.add(i * n);
        let mut j = 0;
        if b.cs == 1 && post == Act::Linear && matches!(init, Init::Zero) {
            // dX = dY·Wᵀ of a one-output layer, the case that matters.
            let zero = f32x4_splat(0.0);
            while j + 4 <= n {
                let bj = v128_load(bsrc.add(j) as *const v128);
                v128_store(row.add(j) as *mut v128, f32x4_add(zero, f32x4_mul(x, bj)));
                j += 4;
            }
        } else if b.cs == 1 {
            while j + 4 <= n {
                let start = match init {
                    Init::Zero => f32x4_splat(0.0),
                    Init::Accumulate => v128_load(row.add(j) as *const v128),
                    Init::Bias(bias) => v128_load(bias.as_ptr().add(j) as *const v128),
                };
                let bj = v128_load(bsrc.add(j) as *const v128);
                v128_store(
                    row.add(j) as *mut v128,
                    activate(post, f32x4_add(start, f32x4_mul(x, bj))),
                );
                j += 4;
            }
        }
        while j < n {
            let start = match init {
                Init::Zero => 0.0,
                Init::Accumulate => *row.add(j),
                Init::Bias(bias) => bias[j],
            };
            *row.add(j) = post.apply(start + ai * *bsrc.add(j * b.cs));
            j += 1;
        }
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

/// `polar::polar_scale` two lanes at a time: the same f64 operations in the
/// same order (an odd last value goes through the scalar function).
pub fn polar_scales(s: &[f64], out: &mut [f64]) {
    use super::polar::{polar_scale, LG, LN2_HI, LN2_LO, SHIFT};
    let c = f64x2_splat;
    for (o, x) in out.chunks_exact_mut(2).zip(s.chunks_exact(2)) {
        // SAFETY: both chunks hold two f64.
        let x = unsafe { v128_load(x.as_ptr() as *const v128) };
        let hx = u64x2_add(u64x2_shr(x, 32), u64x2_splat(SHIFT));
        let k = i64x2_sub(u64x2_shr(hx, 20), i64x2_splat(0x3ff));
        let hi = u64x2_add(
            v128_and(hx, u64x2_splat(0x000f_ffff)),
            u64x2_splat(0x3fe6_a09e),
        );
        let m = v128_or(u64x2_shl(hi, 32), v128_and(x, u64x2_splat(0xffff_ffff)));
        let f = f64x2_sub(m, c(1.0));
        let hfsq = f64x2_mul(f64x2_mul(c(0.5), f), f);
        let t = f64x2_div(f, f64x2_add(c(2.0), f));
        let z = f64x2_mul(t, t);
        let w = f64x2_mul(z, z);
        let t1 = f64x2_mul(
            w,
            f64x2_add(
                c(LG[1]),
                f64x2_mul(w, f64x2_add(c(LG[3]), f64x2_mul(w, c(LG[5])))),
            ),
        );
        let t2 = f64x2_add(c(LG[4]), f64x2_mul(w, c(LG[6])));
        let t2 = f64x2_mul(
            z,
            f64x2_add(
                c(LG[0]),
                f64x2_mul(w, f64x2_add(c(LG[2]), f64x2_mul(w, t2))),
            ),
        );
        let r = f64x2_add(t2, t1);
        // k fits the low i32 of each i64 lane.
        let dk = f64x2_convert_low_i32x4(i32x4_shuffle::<0, 2, 0, 2>(k, k));
        let ln = f64x2_add(f64x2_mul(t, f64x2_add(hfsq, r)), f64x2_mul(dk, c(LN2_LO)));
        let ln = f64x2_add(f64x2_add(f64x2_sub(ln, hfsq), f), f64x2_mul(dk, c(LN2_HI)));
        let scale = f64x2_sqrt(f64x2_div(f64x2_mul(c(-2.0), ln), x));
        // SAFETY: as above.
        unsafe { v128_store(o.as_mut_ptr() as *mut v128, scale) };
    }
    if s.len() % 2 == 1 {
        let last = s.len() - 1;
        out[last] = polar_scale(s[last]);
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
