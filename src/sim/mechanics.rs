//! Which bone carries load, reduced to topology: the largest connected piece of bone
//! in the volume is the load-bearing structure, as is every piece that reaches a face
//! of the volume (it may be joined to the structure beyond it); every other piece,
//! cut off by a disconnection and floating in the marrow, is unloaded
//! ([`crate::config::mechanics`] for the biology).
//!
//! Every `check_every_days` the bone is labelled (26-connected components) and the
//! [`flags::UNLOADED`] bit is set on the bone voxels of the floating pieces and on
//! the marrow voxels across a face from them; it is cleared everywhere else. With
//! `disuse_usage` above 0, bone of the load-bearing pieces that carries almost no
//! load ([`crate::sim::load`]: a dead-end stump left by a cut, a spur) is unloaded
//! too: free-ending trabeculae are resorbed (Mosekilde, Bone Miner 1990). The
//! threshold rises with estrogen deficiency by `disuse_usage_deficiency_gain`
//! (estrogen lowers the mechanostat's set point; Lanyon & Skerry, JBMR 2001). The cell
//! rules read the bit: unloaded surface activates new sites at its own rate
//! ([`unloaded_initiations`]), osteoblasts are recruited there at a fraction of the
//! usual rate, and osteoclasts resorb unloaded bone below the usual pit depth, so a
//! fragment is removed rather than remodeled.
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

use crate::cells::precursor::draw_nuclei;
use crate::cells::View;
use crate::config::mechanics::MechanicsConfig;
use crate::grid::neighbours;
use crate::grid::BoneMask;
use crate::lattice::memory::flags;
use crate::lattice::VoxelMemory;
use crate::morphometry::loaded_bone_components;
use crate::random::{Purpose, StreamKey};
use crate::sim::load;

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

/// The usage (see [`crate::sim::load`]) below which loaded bone is in disuse, under
/// estrogen deficiency `deficiency`: `disuse_usage + disuse_usage_deficiency_gain *
/// d`.
pub fn disuse_threshold(config: &MechanicsConfig, deficiency: f64) -> f64 {
    config.disuse_usage + config.disuse_usage_deficiency_gain * deficiency.clamp(0.0, 1.0)
}

/// Sets [`flags::UNLOADED`] from the bone mask (see the module documentation): bone
/// off the load-bearing pieces, and bone whose usage is below `disuse` (no load
/// solve when `disuse` is 0); returns the number of unloaded bone voxels.
pub fn mark_unloaded(mask: &BoneMask, memory: &mut VoxelMemory, disuse: f64) -> u64 {
    let loaded = loaded_bone_components(mask);
    let dims = mask.dims;
    let usage = (disuse > 0.0).then(|| load::usage(mask, &loaded, load::TOLERANCE).usage);
    let unloaded_bone = |v: usize| {
        mask.data[v] != 0
            && (loaded[v] == 0 || usage.as_ref().is_some_and(|u| f64::from(u[v]) < disuse))
    };
    let plane = dims.plane();
    memory
        .flags
        .par_chunks_mut(plane)
        .enumerate()
        .map(|(z, chunk)| {
            let mut n = 0u64;
            for (k, f) in chunk.iter_mut().enumerate() {
                let v = z * plane + k;
                let bit = if mask.data[v] != 0 {
                    n += u64::from(unloaded_bone(v));
                    unloaded_bone(v)
                } else {
                    neighbours::face(dims, v).iter().any(unloaded_bone)
                };
                if bit {
                    *f |= flags::UNLOADED;
                } else {
                    *f &= !flags::UNLOADED;
                }
            }
            n
        })
        .sum()
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
    let both = flags::LINING | flags::UNLOADED;
    let voxels: Vec<u32> = view
        .memory
        .flags
        .par_iter()
        .enumerate()
        .with_min_len(1 << 14)
        .filter(|&(_, &f)| f & both == both)
        .map(|(v, _)| v as u32)
        .collect();
    if voxels.is_empty() {
        return Vec::new();
    }
    let c = &rules.cells.precursor;
    let mut prefix = Vec::with_capacity(voxels.len());
    let mut total = 0.0;
    for &v in &voxels {
        total += view.signals.stimulus(view.cell_of(v as usize), c);
        prefix.push(total);
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
