//! What the cell rules read of the mechanics (the engine marks unloaded bone every
//! few days): whether a voxel is unloaded ([`is_unloaded`]), the new sites unloaded
//! surface draws ([`unloaded_initiations`]), and the strut guard a resorption meets
//! ([`CutGuard`]).
//!
//! Loaded struts are guarded: a resorption that would cut one (a disconnection) is
//! held just above the bone threshold with probability `strut_protection * (1 -
//! share * d)`, `d` the estrogen deficiency and `share` the
//! `strut_protection_estrogen_share`, drawn once per site and voxel. Unloaded bone is
//! not guarded. The neck of a strut about to be severed carries the strut's whole
//! load, and its strained osteocytes hold resorption back; that response needs
//! estrogen receptor alpha (Lee et al., Nature 2003), so without estrogen struts are
//! cut (approx.; a model choice).
//!
//! # Stochasticity
//! One stream per step for the domain ([`Purpose::Mechanics`], id 0): the number of
//! new sites, then for each its voxel (weighted by the stimulus of its field cell).
//! The guard's draw: one stream per site and voxel ([`Purpose::Site`], keyed by the
//! site id in place of the step and the voxel index as id), so a site's answer at a
//! voxel does not change from step to step.

use rayon::prelude::*;

use super::precursor::draw_nuclei;
use super::View;
use crate::config::mechanics::MechanicsConfig;
use crate::lattice::memory::flags;
use crate::lattice::VoxelMemory;
use crate::random::{Purpose, StreamKey};

/// The strut guard of one step (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CutGuard {
    /// The run's seed.
    pub seed: u64,
    /// Probability that a site is held back at a given strut neck.
    pub protection: f64,
}

impl CutGuard {
    /// No guard: every cut goes ahead.
    pub const NONE: CutGuard = CutGuard {
        seed: 0,
        protection: 0.0,
    };

    /// The guard under estrogen deficiency `deficiency`.
    pub fn new(seed: u64, strut_protection: f64, deficiency: f64) -> Self {
        Self {
            seed,
            protection: (strut_protection * (1.0 - deficiency)).clamp(0.0, 1.0),
        }
    }

    /// The guard of a run with mechanics `config` under estrogen deficiency
    /// `deficiency`: protection `strut_protection * (1 - share * d)`.
    pub fn for_config(seed: u64, config: &MechanicsConfig, deficiency: f64) -> Self {
        let share = config.strut_protection_estrogen_share;
        Self::new(seed, config.strut_protection, share * deficiency)
    }

    /// Whether site `site` is held back from cutting at voxel `j`.
    pub fn holds(&self, site: u32, j: usize) -> bool {
        self.protection > 0.0
            && StreamKey::new(self.seed, u64::from(site), j as u64, Purpose::Site)
                .stream()
                .chance(self.protection)
    }
}

/// Whether voxel `v` is unloaded bone or touches it.
#[inline]
pub fn is_unloaded(memory: &VoxelMemory, v: usize) -> bool {
    memory.has(v, flags::UNLOADED)
}

/// New sites on the quiescent surface of unloaded bone this step: `(voxel, nuclei)`.
/// Expected number `k * fill * face area * sum of the stimulus over those voxels *
/// dt`.
pub fn unloaded_initiations(view: &View<'_>, fill: f64) -> Vec<(u32, u16)> {
    let rules = view.rules;
    let rate = rules.cells.mechanics.unloaded_initiation_per_mm2_per_day;
    if rate <= 0.0 {
        return Vec::new();
    }
    let voxels = flagged(&view.memory.flags, flags::LINING | flags::UNLOADED);
    if voxels.is_empty() {
        return Vec::new();
    }
    let c = &rules.cells.precursor;
    // The stimuli in parallel, their running sum in voxel order.
    let mut prefix: Vec<f64> = voxels
        .par_iter()
        .with_min_len(4096)
        .map(|&v| view.signals.stimulus(view.cell_of(v as usize), c))
        .collect();
    let mut total = 0.0;
    for p in &mut prefix {
        total += *p;
        *p = total;
    }
    let face_mm2 = (rules.voxel_um * 1e-3).powi(2);
    let expected = rate * fill * face_mm2 * total * rules.dt_days;
    let mut stream = view.stream(0, Purpose::Mechanics);
    let n = stream.poisson(expected);
    (0..n)
        .map(|_| {
            let u = stream.uniform() * total;
            let k = prefix.partition_point(|&p| p <= u).min(prefix.len() - 1);
            (voxels[k], draw_nuclei(&mut stream, c.nuclei_mean))
        })
        .collect()
}

/// The voxels whose `flags` carry every bit of `bits`, in index order. A scan of the
/// whole lattice every step, in parallel over blocks; a run of 64 voxels is first
/// tested at once (branch-free, so it vectorizes) and only runs with a hit are gone
/// through voxel by voxel: the voxels sought are a small share of the lattice.
fn flagged(flags: &[u8], bits: u8) -> Vec<u32> {
    const BLOCK: usize = 1 << 14;
    const RUN: usize = 64;
    flags
        .par_chunks(BLOCK)
        .enumerate()
        .flat_map_iter(|(b, block)| {
            let mut hits = Vec::new();
            for (r, run) in block.chunks(RUN).enumerate() {
                let any = run
                    .iter()
                    .fold(0u8, |acc, &f| acc | u8::from(f & bits == bits));
                if any == 0 {
                    continue;
                }
                let first = b * BLOCK + r * RUN;
                for (k, &f) in run.iter().enumerate() {
                    if f & bits == bits {
                        hits.push((first + k) as u32);
                    }
                }
            }
            hits
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flagged_finds_exactly_the_voxels_with_every_bit() {
        // Hits at the edges of runs and blocks, voxels with one of the two bits only.
        let n = (1 << 15) + 100;
        let both = flags::LINING | flags::UNLOADED;
        let mut f = vec![0u8; n];
        let mut expected = Vec::new();
        for v in [0, 63, 64, 127, 1000, (1 << 14) - 1, 1 << 14, n - 1] {
            f[v] = both | flags::SURFACE;
            expected.push(v as u32);
        }
        f[5] = flags::LINING;
        f[70] = flags::UNLOADED;
        assert_eq!(flagged(&f, both), expected);
        let plain: Vec<u32> = (0..n as u32)
            .filter(|&v| f[v as usize] & both == both)
            .collect();
        assert_eq!(flagged(&f, both), plain);
        assert!(flagged(&vec![flags::LINING; 300], both).is_empty());
    }
}
