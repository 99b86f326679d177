//! Counter-based random streams: every random draw is a pure function of
//! (seed, step, entity id, purpose), never of thread-local state or thread timing.
//!
//! A stream is a PCG generator (`Pcg64Mcg`, O'Neill 2014) seeded from a 128-bit hash
//! of the four-part key. Any cell can draw its numbers for a step on any thread, in
//! any order, and get the same values, so runs at 1 and N threads are bit-identical,
//! and a run restarted from a checkpoint at step `s` draws what the uninterrupted run
//! drew. The key mixing is SplitMix64's finalizer (Steele, Lea & Flood, OOPSLA 2014),
//! applied in a chain so each key part changes every output bit.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// What a draw is for: separates the streams one entity uses in one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Purpose {
    /// Generating the initial lattice and populations.
    Setup = 1,
    /// Precursor differentiation and fusion.
    Differentiate = 2,
    /// Movement along the bone surface.
    Move = 3,
    /// Resorption or formation choices.
    Remodel = 4,
    /// Apoptosis and other death decisions.
    Death = 5,
    /// Recruitment and proliferation.
    Birth = 6,
    /// Anything site-based rather than cell-based (keyed by voxel index).
    Site = 7,
    /// Remodeling targeted by mechanical usage (unloaded bone).
    Mechanics = 8,
}

/// The key of one random stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamKey {
    /// The run's seed.
    pub seed: u64,
    /// The integer step clock.
    pub step: u64,
    /// A stable entity id (cell id, voxel index, ...).
    pub id: u64,
    /// What the draws are for.
    pub purpose: Purpose,
}

#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl StreamKey {
    /// A key from its parts.
    pub const fn new(seed: u64, step: u64, id: u64, purpose: Purpose) -> Self {
        Self {
            seed,
            step,
            id,
            purpose,
        }
    }

    /// A 128-bit hash of the key; distinct keys give unrelated values.
    pub fn hash128(&self) -> u128 {
        const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut h = mix64(self.seed ^ GOLDEN);
        h = mix64(h ^ self.step.wrapping_mul(GOLDEN));
        h = mix64(h ^ self.id.wrapping_add(GOLDEN));
        let lo = mix64(h ^ self.purpose as u64);
        let hi = mix64(lo ^ GOLDEN.rotate_left(17));
        (u128::from(hi) << 64) | u128::from(lo)
    }

    /// The random stream for this key.
    pub fn stream(&self) -> Stream {
        Stream(Pcg64Mcg::from_seed(self.hash128().to_le_bytes()))
    }
}

/// A random stream: a small generator owned by one decision.
#[derive(Clone, Debug)]
pub struct Stream(Pcg64Mcg);

impl Stream {
    /// A uniform number in `[0, 1)`.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// True with probability `p` (clamped to `[0, 1]`; NaN counts as 0).
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        self.uniform() < p
    }

    /// A uniform integer in `[0, n)`; 0 when `n` is 0.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.0.random_range(0..n)
        }
    }

    /// An exponentially distributed waiting time with the given rate (1/unit), in units.
    pub fn exponential(&mut self, rate: f64) -> f64 {
        -(1.0 - self.uniform()).ln() / rate
    }

    /// A Poisson-distributed count with mean `lambda` (Knuth's product method for small
    /// means, a normal approximation rounded at zero beyond 30).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda.is_nan() || lambda <= 0.0 {
            return 0;
        }
        if lambda > 30.0 {
            // Box-Muller normal with continuity correction.
            let u1 = 1.0 - self.uniform();
            let u2 = self.uniform();
            let n = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            return (lambda + lambda.sqrt() * n + 0.5).max(0.0) as u64;
        }
        let limit = (-lambda).exp();
        let mut k = 0;
        let mut p = self.uniform();
        while p > limit {
            k += 1;
            p *= self.uniform();
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(key: StreamKey, n: usize) -> Vec<f64> {
        let mut s = key.stream();
        (0..n).map(|_| s.uniform()).collect()
    }

    #[test]
    fn same_key_same_numbers_any_order() {
        let a = StreamKey::new(7, 100, 42, Purpose::Death);
        let b = StreamKey::new(7, 100, 43, Purpose::Death);
        let first = (draws(a, 5), draws(b, 5));
        let second = (draws(b, 5), draws(a, 5));
        assert_eq!(first.0, second.1);
        assert_eq!(first.1, second.0);
    }

    #[test]
    fn every_key_part_changes_the_stream() {
        let base = StreamKey::new(7, 100, 42, Purpose::Death);
        let variants = [
            StreamKey { seed: 8, ..base },
            StreamKey { step: 101, ..base },
            StreamKey { id: 43, ..base },
            StreamKey {
                purpose: Purpose::Move,
                ..base
            },
        ];
        let d0 = draws(base, 4);
        for v in variants {
            assert_ne!(draws(v, 4), d0, "{v:?}");
        }
    }

    #[test]
    fn uniform_draws_over_many_keys_are_uniform() {
        // Chi-square over 20 bins of the first draw of 20,000 consecutive ids: the
        // 99.9% quantile of chi-square with 19 degrees of freedom is 43.8.
        let mut bins = [0usize; 20];
        let n = 20_000;
        for id in 0..n {
            let u = StreamKey::new(1, 0, id, Purpose::Move).stream().uniform();
            bins[(u * 20.0) as usize] += 1;
        }
        let expect = n as f64 / 20.0;
        let chi2: f64 = bins
            .iter()
            .map(|&b| (b as f64 - expect).powi(2) / expect)
            .sum();
        assert!(chi2 < 43.8, "chi2 = {chi2}, bins {bins:?}");
    }

    #[test]
    fn poisson_mean_matches() {
        for lambda in [0.3, 4.0, 50.0] {
            let n = 20_000;
            let total: u64 = (0..n)
                .map(|i| {
                    StreamKey::new(3, 1, i, Purpose::Birth)
                        .stream()
                        .poisson(lambda)
                })
                .sum();
            let mean = total as f64 / n as f64;
            // Standard error sqrt(lambda / n); allow 5 of them.
            let tol = 5.0 * (lambda / n as f64).sqrt();
            assert!((mean - lambda).abs() < tol, "lambda {lambda}: mean {mean}");
        }
    }

    #[test]
    fn chance_handles_edges() {
        let mut s = StreamKey::new(1, 1, 1, Purpose::Setup).stream();
        assert!(!s.chance(0.0));
        assert!(s.chance(1.0));
        assert!(!s.chance(f64::NAN));
        assert_eq!(s.below(0), 0);
    }
}
