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
//! ([`crate::cells::mechanics::unloaded_initiations`]), osteoblasts are recruited
//! there at a fraction of the usual rate, and osteoclasts resorb unloaded bone below the usual pit depth, so a
//! fragment is removed rather than remodeled.
//!
//! Loaded struts are guarded against being cut, and unloaded surface draws new sites
//! of its own: the rules the cells apply are in [`crate::cells::mechanics`].

use rayon::prelude::*;

use crate::config::mechanics::MechanicsConfig;
use crate::grid::neighbours;
use crate::grid::BoneMask;
use crate::lattice::memory::flags;
use crate::lattice::VoxelMemory;
use crate::morphometry::loaded_bone_components;
use crate::sim::load;

pub use crate::cells::mechanics::CutGuard;

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
