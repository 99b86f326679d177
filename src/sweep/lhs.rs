//! Latin-hypercube sampling of the range axes and the replicate seeds: both pure
//! functions of the sweep seed, so the same sweep file always plans the same tasks.
//!
//! **Latin hypercube** (McKay, Beckman & Conover, Technometrics 1979): for `n`
//! samples, each range axis `[min, max]` is cut into `n` equal strata; axis `d`
//! takes a random permutation `p_d` of `0..n`, and sample `i` takes the value
//! `min + (max - min) * (p_d(i) + u) / n` with `u` uniform in `[0, 1)`. Every
//! stratum of every axis is therefore hit exactly once. The permutation and the
//! jitter of axis `d` come from the counter-based stream keyed by
//! `(sweep seed, LHS_STREAM, d)` ([`crate::random`]).
//!
//! **Replicate seeds**: replicate `r` runs with
//! `run.seed = mix(mix(sweep seed ^ REPLICATE_TAG) ^ r) & (2^63 - 1)`, `mix` being
//! the SplitMix64 finalizer, and the same replicate seed is used at every parameter
//! point. Replicate `r` of every point thus starts from the same lattice and draws
//! the same random numbers where the parameters let it (common random numbers), so
//! differences between points come from the parameters, and replicates differ
//! from each other.

use crate::random::{Purpose, StreamKey};

/// Stream tag (the `step` part of the key) of the Latin-hypercube draws.
const LHS_STREAM: u64 = 0x4c48_5300; // "LHS"
/// Salt of the replicate seeds.
const REPLICATE_TAG: u64 = 0x5245_504c_4943_4154; // "REPLICAT"

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `run.seed` of replicate `r` (fits a TOML integer: below 2^63).
pub fn replicate_seed(sweep_seed: u64, r: u32) -> u64 {
    mix64(mix64(sweep_seed ^ REPLICATE_TAG) ^ u64::from(r)) & (i64::MAX as u64)
}

/// `n` Latin-hypercube samples of the ranges `(min, max)`: `out[i][d]` is sample
/// `i` of axis `d`.
pub fn latin_hypercube(sweep_seed: u64, ranges: &[(f64, f64)], n: usize) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; ranges.len()]; n];
    for (d, &(min, max)) in ranges.iter().enumerate() {
        let mut stream = StreamKey::new(sweep_seed, LHS_STREAM, d as u64, Purpose::Setup).stream();
        // Fisher-Yates shuffle of the strata.
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = stream.below(i as u64 + 1) as usize;
            strata.swap(i, j);
        }
        for (i, row) in out.iter_mut().enumerate() {
            let u = stream.uniform();
            let x = min + (max - min) * (strata[i] as f64 + u) / n as f64;
            // Rounding must not push a value out of its stratum's range.
            row[d] = x.clamp(min, max);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_distinct_and_stable() {
        let a: Vec<u64> = (0..100).map(|r| replicate_seed(7, r)).collect();
        let mut sorted = a.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 100);
        assert!(a.iter().all(|&s| s <= i64::MAX as u64));
        assert_eq!(a[3], replicate_seed(7, 3));
        assert_ne!(replicate_seed(7, 0), replicate_seed(8, 0));
    }

    #[test]
    fn one_sample_per_stratum_on_every_axis() {
        let ranges = [(0.0, 1.0), (-5.0, 5.0), (10.0, 1000.0)];
        for n in [1, 2, 7, 50] {
            let s = latin_hypercube(42, &ranges, n);
            for (d, &(min, max)) in ranges.iter().enumerate() {
                let mut hit = vec![0; n];
                for row in &s {
                    let k = ((row[d] - min) / (max - min) * n as f64).floor() as usize;
                    hit[k.min(n - 1)] += 1;
                }
                assert!(hit.iter().all(|&h| h == 1), "n {n} axis {d}: {hit:?}");
            }
        }
    }
}
