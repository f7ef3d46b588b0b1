//! The seeded random number generator, documented so that other
//! implementations can reproduce its streams exactly.
//!
//! - State: xoshiro256** (Blackman & Vigna), four u64 words.
//! - Seeding: `Rng::new(seed)` fills the four words with consecutive outputs
//!   of SplitMix64 started at `seed`. `Rng::derive(seed, stream, index)` seeds
//!   with `mix(seed ^ mix(stream << 32 ^ index))`, where `mix` is the SplitMix64
//!   finaliser, so independent streams (weights, noise, shuffling per epoch,
//!   sampling) never overlap in practice and can be re-created from the seed.
//! - `uniform_f32`: `(next_u64() >> 40) * 2^-24`, in [0, 1).
//! - `normal_f32`: Marsaglia's polar method in f64 on pairs of
//!   `u = 2·(next_u64() >> 11)·2^-53 − 1`, rejecting s ≥ 1 and s = 0; each
//!   accepted pair gives two variates, the second kept as a spare (and saved
//!   in checkpoints). Each is u or v times √(−2 ln s / s) in f64, ln being
//!   fdlibm's method in musl's form (`kernels::polar`).
//! - `below(n)`: Lemire's unbiased multiply-shift on the high 32 bits.

use crate::kernels::{self, polar::polar_scale};

/// Stream ids for `Rng::derive`, one per purpose.
pub mod stream {
    pub const INIT: u64 = 1;
    pub const TRAIN: u64 = 2;
    pub const SAMPLE: u64 = 3;
    pub const SHUFFLE: u64 = 4;
    pub const SEEDED_SAMPLE: u64 = 5;
    /// Random parts of built-in translation tasks (inpainting masks) when
    /// sources are made outside training (`tasks::make_sources`).
    pub const TASK: u64 = 6;
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rng {
    s: [u64; 4],
    spare: Option<f64>,
}

/// The SplitMix64 output function (finaliser).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator seeded through SplitMix64.
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut s = [0u64; 4];
        for w in s.iter_mut() {
            x = x.wrapping_add(0x9e3779b97f4a7c15);
            *w = mix(x);
        }
        Rng { s, spare: None }
    }

    /// The generator for one purpose (`stream`) and one index (e.g. an epoch).
    pub fn derive(seed: u64, stream: u64, index: u64) -> Rng {
        Rng::new(seed ^ mix((stream << 32) ^ index))
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 24 random bits.
    pub fn uniform_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in [-1, 1) with 53 random bits.
    fn signed_f64(&mut self) -> f64 {
        signed_f64(self.next_u64())
    }

    /// Standard normal variate.
    pub fn normal_f32(&mut self) -> f32 {
        if let Some(z) = self.spare.take() {
            return z as f32;
        }
        let (u, v, s) = self.polar_point();
        let f = polar_scale(s);
        self.spare = Some(v * f);
        (u * f) as f32
    }

    /// Marsaglia's polar method, its draw: a point (u, v) uniform in the
    /// unit disc without its centre, and s = u² + v². `u·f` and `v·f`, with
    /// f = `polar_scale(s)`, are two independent normal variates.
    fn polar_point(&mut self) -> (f64, f64, f64) {
        loop {
            let u = self.signed_f64();
            let v = self.signed_f64();
            let s = u * u + v * v;
            if s < 1.0 && s > 0.0 {
                return (u, v, s);
            }
        }
    }

    /// `polar_point` for each of `out`, drawn in rounds: a round draws as
    /// many candidate pairs as points are still missing (into `words`,
    /// at least twice as long as `out`), so the generator ends exactly where
    /// one point at a time leaves it. Drawing words apart from testing them
    /// keeps the rejection branch off the generator's dependency chain.
    fn polar_points(&mut self, out: &mut [(f64, f64, f64)], words: &mut [u64]) {
        let mut got = 0;
        while got < out.len() {
            let want = out.len() - got;
            for w in words[..2 * want].iter_mut() {
                *w = self.next_u64();
            }
            for pair in words[..2 * want].chunks_exact(2) {
                let (u, v) = (signed_f64(pair[0]), signed_f64(pair[1]));
                let s = u * u + v * v;
                out[got] = (u, v, s);
                // Branch-free append: a rejected point is overwritten next.
                got += (s < 1.0 && s > 0.0) as usize;
            }
        }
    }

    /// Uniform integer in [0, n), n ≥ 1, without modulo bias.
    pub fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        let mut m = (self.next_u64() >> 32) * n as u64;
        if (m as u32) < n {
            let t = n.wrapping_neg() % n;
            while (m as u32) < t {
                m = (self.next_u64() >> 32) * n as u64;
            }
        }
        (m >> 32) as u32
    }

    /// Fills `out` with standard normal variates: the values `normal_f32`
    /// would give one by one, bit for bit, leaving the same state.
    pub fn fill_normal(&mut self, out: &mut [f32]) {
        let n = out.len();
        self.fill_normal_part(out, 0..n);
    }

    /// `fill_normal` of all of `out` that writes only `out[part]`: the
    /// generator ends exactly where `fill_normal` leaves it (the same
    /// draws, rejections and spare), but a block of pairs whose values all
    /// fall outside `part` skips its logarithms and square roots, the costly
    /// part. A data-parallel worker draws the latent rows of its own
    /// micro-batches.
    ///
    /// Pairs go in blocks of 32: first a block's points are drawn, then
    /// their scales computed together (`kernels::polar_scales`, two at a
    /// time in the simd128 build). Drawn one pair at a time, each pair's
    /// rejection branch, logarithm, division and square root formed one
    /// dependent chain: ~17 ns a value in V8, ~9 with blocks of scalar
    /// scales, ~6 with the vector ones.
    pub fn fill_normal_part(&mut self, out: &mut [f32], part: core::ops::Range<usize>) {
        const BLOCK: usize = 32;
        let n = out.len();
        assert!(part.start <= part.end && part.end <= n);
        let mut i = 0;
        if n > 0 {
            if let Some(z) = self.spare.take() {
                if part.contains(&0) {
                    out[0] = z as f32;
                }
                i = 1;
            }
        }
        let mut points = [(0.0f64, 0.0f64, 0.0f64); BLOCK];
        let mut words = [0u64; 2 * BLOCK];
        let mut s = [0.0f64; BLOCK];
        let mut scales = [0.0f64; BLOCK];
        while i < n {
            // Pair j of the block gives value i + 2j and value i + 2j + 1,
            // or the spare when i + 2j + 1 = n.
            let pairs = BLOCK.min((n - i + 1) / 2);
            self.polar_points(&mut points[..pairs], &mut words);
            let needed = |j: usize| {
                let k = i + 2 * j;
                part.contains(&k) || part.contains(&(k + 1)) || k + 1 == n
            };
            if (0..pairs).any(needed) {
                for (x, p) in s.iter_mut().zip(&points[..pairs]) {
                    *x = p.2;
                }
                kernels::polar_scales(&s[..pairs], &mut scales);
            }
            for j in 0..pairs {
                if !needed(j) {
                    continue;
                }
                let (k, (u, v, _), f) = (i + 2 * j, points[j], scales[j]);
                if part.contains(&k) {
                    out[k] = (u * f) as f32;
                }
                if k + 1 == n {
                    self.spare = Some(v * f);
                } else if part.contains(&(k + 1)) {
                    out[k + 1] = (v * f) as f32;
                }
            }
            i += 2 * pairs;
        }
    }

    /// Fills `out` uniformly in [lo, lo + width).
    pub fn fill_uniform(&mut self, out: &mut [f32], lo: f32, width: f32) {
        for x in out.iter_mut() {
            *x = lo + width * self.uniform_f32();
        }
    }

    /// Writes a uniformly random permutation of 0..out.len() (Fisher–Yates).
    pub fn permutation(&mut self, out: &mut [u32]) {
        for (i, x) in out.iter_mut().enumerate() {
            *x = i as u32;
        }
        for i in (1..out.len()).rev() {
            let j = self.below(i as u32 + 1) as usize;
            out.swap(i, j);
        }
    }

    /// The state for checkpoints: four words, then the spare flag and value.
    pub fn to_words(&self) -> [u64; 6] {
        let (flag, bits) = match self.spare {
            Some(z) => (1, z.to_bits()),
            None => (0, 0),
        };
        [self.s[0], self.s[1], self.s[2], self.s[3], flag, bits]
    }

    /// Restores the state from `to_words`.
    pub fn from_words(w: [u64; 6]) -> Option<Rng> {
        if w[..4].iter().all(|&x| x == 0) || w[4] > 1 {
            return None;
        }
        let spare = if w[4] == 1 {
            Some(f64::from_bits(w[5]))
        } else {
            None
        };
        Some(Rng {
            s: [w[0], w[1], w[2], w[3]],
            spare,
        })
    }
}

/// A word's top 53 bits as a uniform value in [-1, 1) (exact: they fit
/// an f64's mantissa, so the signed conversion is the unsigned one).
fn signed_f64(word: u64) -> f64 {
    2.0 * ((word >> 11) as i64 as f64 * (1.0 / 9_007_199_254_740_992.0)) - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_streams_differ() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let mut c = Rng::derive(7, stream::TRAIN, 0);
        for _ in 0..100 {
            let x = a.next_u64();
            assert_eq!(x, b.next_u64());
            assert_ne!(x, c.next_u64());
        }
    }

    #[test]
    fn normal_moments() {
        let mut r = Rng::new(1);
        let n = 200_000;
        let (mut s1, mut s2, mut s4) = (0.0f64, 0.0f64, 0.0f64);
        for _ in 0..n {
            let z = r.normal_f32() as f64;
            s1 += z;
            s2 += z * z;
            s4 += z * z * z * z;
        }
        let mean = s1 / n as f64;
        let var = s2 / n as f64 - mean * mean;
        let kurt = s4 / n as f64;
        assert!(mean.abs() < 0.01, "mean {}", mean);
        assert!((var - 1.0).abs() < 0.01, "var {}", var);
        assert!((kurt - 3.0).abs() < 0.05, "fourth moment {}", kurt);
    }

    #[test]
    fn uniform_range_and_mean() {
        let mut r = Rng::new(2);
        let mut s = 0.0f64;
        for _ in 0..100_000 {
            let u = r.uniform_f32();
            assert!((0.0..1.0).contains(&u));
            s += u as f64;
        }
        assert!((s / 100_000.0 - 0.5).abs() < 0.005);
    }

    #[test]
    fn below_is_unbiased_enough_and_in_range() {
        let mut r = Rng::new(3);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            let k = r.below(7) as usize;
            counts[k] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{:?}", counts);
        }
        assert_eq!(r.below(1), 0);
    }

    #[test]
    fn fill_normal_is_normal_f32_one_at_a_time() {
        // Lengths around the block of 32 pairs, with and without a spare
        // before; the state after must match too (spare included).
        for n in [0usize, 1, 2, 63, 64, 65, 66, 1000, 25_600] {
            for spare_first in [false, true] {
                let mut a = Rng::new(23 + n as u64);
                if spare_first {
                    a.normal_f32();
                }
                let mut b = a.clone();
                let one_by_one: Vec<f32> = (0..n).map(|_| a.normal_f32()).collect();
                let mut block = vec![f32::NAN; n];
                b.fill_normal(&mut block);
                for i in 0..n {
                    assert_eq!(
                        block[i].to_bits(),
                        one_by_one[i].to_bits(),
                        "n {} i {}",
                        n,
                        i
                    );
                }
                assert_eq!(a, b, "n {} spare {}", n, spare_first);
            }
        }
    }

    #[test]
    fn fill_normal_part_matches_fill_normal_inside_its_part_and_after() {
        // Odd and even lengths, with and without a spare before, parts at
        // either end, in the middle, empty and whole.
        for n in [0usize, 1, 2, 7, 8, 100] {
            for spare_first in [false, true] {
                for part in [0..0, 0..n, 0..n / 2, n / 3..n, n / 3..(n / 2 + 1).min(n)] {
                    let mut a = Rng::new(11 + n as u64);
                    if spare_first {
                        a.normal_f32();
                    }
                    let mut b = a.clone();
                    let mut whole = vec![0.0f32; n];
                    a.fill_normal(&mut whole);
                    let mut some = vec![f32::NAN; n];
                    b.fill_normal_part(&mut some, part.clone());
                    for i in 0..n {
                        if part.contains(&i) {
                            assert_eq!(
                                some[i].to_bits(),
                                whole[i].to_bits(),
                                "n {} part {:?} i {}",
                                n,
                                part,
                                i
                            );
                        } else {
                            assert!(some[i].is_nan(), "n {} part {:?}: {} written", n, part, i);
                        }
                    }
                    assert_eq!(a, b, "n {} part {:?} spare {}", n, part, spare_first);
                    assert_eq!(a.normal_f32().to_bits(), b.normal_f32().to_bits());
                }
            }
        }
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut r = Rng::new(4);
        for n in [0usize, 1, 2, 17, 1000] {
            let mut p = vec![0u32; n];
            r.permutation(&mut p);
            let mut seen = vec![false; n];
            for &x in &p {
                assert!(!seen[x as usize]);
                seen[x as usize] = true;
            }
        }
    }

    #[test]
    fn words_round_trip_including_spare() {
        let mut r = Rng::new(5);
        r.normal_f32(); // leaves a spare
        let w = r.to_words();
        assert_eq!(w[4], 1);
        let mut q = Rng::from_words(w).unwrap();
        for _ in 0..10 {
            assert_eq!(r.normal_f32().to_bits(), q.normal_f32().to_bits());
        }
        assert!(Rng::from_words([0, 0, 0, 0, 0, 0]).is_none());
    }
}
