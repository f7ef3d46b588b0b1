//! The polar method's scale factor √(−2 ln s / s), for s in (0, 1), from
//! basic f64 operations, so that `simd128::polar_scales` can repeat it two
//! lanes at a time with bit-identical results.
//!
//! The logarithm is fdlibm's method (Sun's `e_log.c`) in musl's
//! single-formula form, the libm that Rust's wasm32 std calls for `f64::ln`,
//! specialised to the normal numbers in (0, 1), the only ones the polar
//! method produces (s ≥ 2^-104): write s = 2^k·(1 + f) with 1 + f in
//! [√2/2, √2), take t = f / (2 + f), and
//! ln s = t·(f²/2 + R(t²)) + k·ln2_lo − f²/2 + f + k·ln2_hi, summed left to
//! right, R a degree-14 even polynomial (error < 2^-58.45). The operations
//! and their order are that libm's, so the normal variates are the ones
//! `f64::ln` gave before: the same on 10⁸ values in a scratch build, and
//! `test/rng.test.ts` holds both builds to a TypeScript port of the formula,
//! bit for bit. (V8's `Math.log` is fdlibm's original, whose branches round
//! differently in the last bit now and then.) Inlined, it also lets the
//! normal generator overlap one pair's logarithm with the next.

// fdlibm's constants, written shortest (the test below pins their bits).
pub const LN2_HI: f64 = 0.693_147_180_369_123_8;
pub const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// R(z) = z·(LG1 + w·(LG3 + w·(LG5 + w·LG7))) + w·(LG2 + w·(LG4 + w·LG6)),
/// w = z².
pub const LG: [f64; 7] = [
    0.666_666_666_666_673_5,
    0.399_999_999_994_094_2,
    0.285_714_287_436_623_9,
    0.222_221_984_321_497_84,
    0.181_835_721_616_180_5,
    0.153_138_376_992_093_73,
    0.147_981_986_051_165_86,
];
/// Added to the high word to move the cut between exponents from 1 to √2/2.
pub const SHIFT: u64 = 0x3ff0_0000 - 0x3fe6_a09e;

/// ln s for a normal s in (0, 1).
#[inline(always)]
pub fn ln_unit(s: f64) -> f64 {
    debug_assert!(s > f64::MIN_POSITIVE && s < 1.0);
    let bits = s.to_bits();
    let hx = (bits >> 32) + SHIFT;
    let k = (hx >> 20) as i64 - 0x3ff;
    let x = f64::from_bits(((hx & 0x000f_ffff) + 0x3fe6_a09e) << 32 | (bits & 0xffff_ffff));
    let f = x - 1.0;
    let hfsq = 0.5 * f * f;
    let t = f / (2.0 + f);
    let z = t * t;
    let w = z * z;
    let t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
    let t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
    let r = t2 + t1;
    let dk = k as f64;
    t * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
}

/// The polar method's factor √(−2 ln s / s) for s in (0, 1).
#[inline(always)]
pub fn polar_scale(s: f64) -> f64 {
    (-2.0 * ln_unit(s) / s).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn constants_are_fdlibms_bits() {
        let bits = [
            LN2_HI, LN2_LO, LG[0], LG[1], LG[2], LG[3], LG[4], LG[5], LG[6],
        ]
        .map(f64::to_bits);
        let want = [
            0x3fe6_2e42_fee0_0000,
            0x3dea_39ef_3579_3c76,
            0x3fe5_5555_5555_5593,
            0x3fd9_9999_9997_fa04,
            0x3fd2_4924_9422_9359,
            0x3fcc_71c5_1d8e_78af,
            0x3fc7_4664_96cb_03de,
            0x3fc3_9a09_d078_c69f,
            0x3fc2_f112_df3e_5244,
        ];
        assert_eq!(bits, want);
    }

    #[test]
    fn ln_unit_is_within_1_ulp_of_the_host_ln() {
        // A sweep of bit patterns from 2^-104 up to just below 1, then the
        // powers of two and both sides of each exponent's cut at √2/2.
        let (lo, hi) = ((2.0f64).powi(-104).to_bits(), 1.0f64.to_bits());
        let mut bits = lo;
        while bits < hi {
            let s = f64::from_bits(bits);
            assert!(ulps(ln_unit(s), s.ln()) <= 1, "ln {:e}", s);
            bits += (hi - lo) / 2_000_003;
        }
        for e in 1..=104 {
            let p = (2.0f64).powi(-e);
            let cut = core::f64::consts::FRAC_1_SQRT_2 * p * 2.0;
            let (below, above) = (
                f64::from_bits(cut.to_bits() - 1),
                f64::from_bits(cut.to_bits() + 1),
            );
            for s in [
                p,
                cut,
                below,
                above,
                f64::from_bits((2.0 * p).to_bits() - 1),
            ] {
                if s < 1.0 {
                    assert!(ulps(ln_unit(s), s.ln()) <= 1, "ln {:e}", s);
                }
            }
        }
    }

    #[test]
    fn polar_scale_matches_the_formula() {
        for s in [1e-30f64, 0.001, 0.25, 0.5, 0.7, 0.9, 0.999_999] {
            let want = (-2.0 * s.ln() / s).sqrt();
            assert!(ulps(polar_scale(s), want) <= 2, "scale {:e}", s);
        }
    }
}
