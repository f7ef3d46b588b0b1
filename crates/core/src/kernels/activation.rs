//! Activation functions and their derivatives, shared by both kernel sets.

/// An activation applied after a dense layer's affine map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    Linear,
    Relu,
    /// LeakyReLU with slope α in [0, 1) for negative inputs.
    Leaky(f32),
    Tanh,
    Sigmoid,
}

impl Act {
    /// The ABI id (`ActivationId` in `ts/abi.ts`).
    pub fn id(self) -> u32 {
        match self {
            Act::Linear => 0,
            Act::Relu => 1,
            Act::Leaky(_) => 2,
            Act::Tanh => 3,
            Act::Sigmoid => 4,
        }
    }

    /// The activation for an ABI id; `alpha` is used by LeakyReLU only.
    pub fn from_id(id: u32, alpha: f32) -> Option<Act> {
        match id {
            0 => Some(Act::Linear),
            1 => Some(Act::Relu),
            2 if alpha.is_finite() && (0.0..1.0).contains(&alpha) => Some(Act::Leaky(alpha)),
            3 => Some(Act::Tanh),
            4 => Some(Act::Sigmoid),
            _ => None,
        }
    }

    /// The activation of one value.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Act::Linear => x,
            Act::Relu => {
                if x > 0.0 {
                    x
                } else {
                    0.0
                }
            }
            Act::Leaky(a) => {
                if x > 0.0 {
                    x
                } else {
                    a * x
                }
            }
            Act::Tanh => tanh(x),
            Act::Sigmoid => sigmoid(x),
        }
    }

    /// `dy · act'(x)` from the output `y = act(x)`.
    #[inline(always)]
    pub fn backward(self, y: f32, dy: f32) -> f32 {
        match self {
            Act::Linear => dy,
            Act::Relu => {
                if y > 0.0 {
                    dy
                } else {
                    0.0
                }
            }
            Act::Leaky(a) => {
                if y > 0.0 {
                    dy
                } else {
                    a * dy
                }
            }
            Act::Tanh => dy * (1.0 - y * y),
            Act::Sigmoid => dy * (y * (1.0 - y)),
        }
    }
}

/// The logistic function, without overflow for large |x|.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Constants of `tanh`, shared with the simd128 version so the two agree bit
/// for bit (the range reduction and polynomial of Cephes' `expf`).
pub mod tanh_consts {
    /// From about 9.01 on, tanh rounds to 1 in f32; clamping at 10 keeps
    /// e^{2|x|} finite and still gives exactly 1.
    pub const CLAMP: f32 = 10.0;
    pub const LOG2E: f32 = core::f32::consts::LOG2_E;
    /// 1.5·2^23: adding it rounds to an integer (ties to even) that then sits
    /// in the low mantissa bits.
    pub const ROUND: f32 = 12_582_912.0;
    /// ln 2 split so that n·LN2_HI is exact for the n used here.
    pub const LN2_HI: f32 = 0.693_359_4;
    pub const LN2_LO: f32 = -2.121_944_4e-4;
    /// e^r − 1 ≈ r + r²·Q(r) on |r| ≤ ln2/2 (Q highest degree first).
    pub const Q: [f32; 6] = [
        1.987_569_1e-4,
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        5e-1,
    ];
}

/// tanh in f32 from basic operations only, so that `simd128::tanh4` can
/// repeat it lane by lane with bit-identical results; libm's `tanhf` has no
/// vector twin and cost a fifth of a training step. Error ≤ 2 ulp, checked
/// against f64 on every f32 below 10.5 (1.09·10⁹ values: 92.3% exact, 7.6% at
/// 1 ulp, 0.06% at 2), and on a sweep in the tests.
///
/// One formula for every |x|: tanh |x| = m / (m + 2) with m = e^{2|x|} − 1
/// (|x| clamped to 10), m = 2^n·p + (2^n − 1) where p = e^r − 1, n =
/// round(2|x|·log2 e) and r = 2|x| − n·ln 2 (in two parts), as Cephes' `expf`
/// reduces. Near 0 (n = 0) m is p itself, so no cancellation; the sign is then
/// copied from x, so tanh(−0) = −0 and NaN stays NaN. This replaced Cephes'
/// `tanhf` (≤ 1 ulp), whose two branches (an odd polynomial below 0.625)
/// the vector version had to compute both of: 48 vector operations against
/// 34. The generator's 64×128×784 output layer went from 34.9 to 37.3
/// GFLOP/s in V8 (its LeakyReLU layers run at ~44).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    use tanh_consts::*;
    let sign = x.to_bits() & 0x8000_0000;
    let ax = f32::from_bits(x.to_bits() & 0x7fff_ffff);
    let c = if ax > CLAMP { CLAMP } else { ax };
    let y = c + c;
    let t = y * LOG2E + ROUND;
    let nf = t - ROUND;
    let n = t.to_bits().wrapping_sub(ROUND.to_bits());
    let r = (y - nf * LN2_HI) - nf * LN2_LO;
    let mut q = Q[0];
    for &k in &Q[1..] {
        q = q * r + k;
    }
    let p = q * (r * r) + r;
    let scale = f32::from_bits(n.wrapping_add(127) << 23);
    let m = scale * p + (scale - 1.0);
    let th = m / (m + 2.0);
    f32::from_bits(th.to_bits() | sign)
}

#[cfg(test)]
mod tests {
    use super::tanh;

    /// Distance in units in the last place between two f32 of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn tanh_is_within_2_ulp_of_f64_on_a_sweep() {
        let mut worst = (0u32, 0.0f32);
        // Every 97th f32 bit pattern from 0 up to 12 (past the clamp).
        let mut bits = 0u32;
        while f32::from_bits(bits) < 12.0 {
            let x = f32::from_bits(bits);
            for x in [x, -x] {
                let want = (x as f64).tanh() as f32;
                let e = ulps(tanh(x), want);
                if e > worst.0 {
                    worst = (e, x);
                }
            }
            bits += 97;
        }
        assert!(worst.0 <= 2, "{} ulp at x = {}", worst.0, worst.1);
    }

    #[test]
    fn tanh_edge_values() {
        assert_eq!(tanh(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(20.0), 1.0);
        assert!(tanh(f32::NAN).is_nan());
        assert_eq!(tanh(1e-30), 1e-30);
    }
}
