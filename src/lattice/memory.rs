//! Per-voxel state the remodeling model keeps beside the bone fraction: mineral
//! content, the refill memory of cavities, and small flags.
//!
//! Kept as a separate struct of arrays of the lattice's shape and storage order (x
//! fastest), so code that only needs bone fractions keeps using [`Lattice`] alone.
//!
//! | array | unit | meaning |
//! |---|---|---|
//! | `mineral_fraction` | 1 | mineral volume fraction of the bone in the voxel (0 to about 0.44) |
//! | `refill_target` | 1 | bone fraction before the voxel was first resorbed by its site (valid where `site != 0`) |
//! | `site` | id | remodeling site (BMU) whose cavity holds the voxel, 0 for none |
//! | `depth` | voxels | erosion depth below the surface on which the site started (1 = first layer), 0 outside cavities |
//! | `up` | direction | face direction (0-5: -x, +x, -y, +y, -z, +z) towards that surface, [`NO_DIRECTION`] outside cavities |
//! | `osteoid_steps` | steps | steps since new bone was first deposited in the voxel (mineralization lag) |
//! | `flags` | bits | [`flags`] |
//! | `bisphosphonate_fmol` | fmol | bisphosphonate held by the voxel's bone ([`crate::pharmacology::bone_drug`]) |

use super::Lattice;

/// Bits of [`VoxelMemory::flags`].
pub mod flags {
    /// An osteoblast occupies the voxel.
    pub const OSTEOBLAST: u8 = 1;
    /// An osteoblast has been recruited to or has worked in the voxel during the
    /// current cycle of its site (a reversal surface is covered once).
    pub const VISITED: u8 = 2;
    /// Refill stopped: filling the voxel would have bridged marrow (changed topology).
    pub const BLOCKED: u8 = 4;
    /// A marrow voxel with bone across at least one face: bone surface.
    pub const SURFACE: u8 = 8;
    /// A surface voxel outside any site: quiescent surface covered by a lining cell.
    pub const LINING: u8 = 16;
    /// New bone in the voxel is still mineralizing.
    pub const MINERALIZING: u8 = 32;
    /// Held at the bone threshold: a refill waits just below it (it would bridge
    /// marrow or wall in a large pocket; the wall above it goes on without it), or a
    /// resorption just above it (the strut guard, [`crate::sim::mechanics`]).
    pub const DEFERRED: u8 = 64;
    /// Bone outside the load-bearing structure, or a surface voxel touching such bone
    /// ([`crate::sim::mechanics`]).
    pub const UNLOADED: u8 = 128;
}

/// Value of [`VoxelMemory::up`] outside cavities.
pub const NO_DIRECTION: u8 = u8::MAX;

/// Per-voxel remodeling state (see the module documentation).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VoxelMemory {
    /// Mineral volume fraction of the voxel's bone.
    pub mineral_fraction: Vec<f32>,
    /// Bone fraction to refill to, where `site != 0`.
    pub refill_target: Vec<f32>,
    /// Remodeling site id owning the voxel's cavity, 0 for none.
    pub site: Vec<u32>,
    /// Erosion depth index within the site's cavity (1 = first layer), 0 elsewhere.
    pub depth: Vec<u8>,
    /// Face direction towards the surface the cavity started from.
    pub up: Vec<u8>,
    /// Steps since deposition started in the voxel (saturating).
    pub osteoid_steps: Vec<u16>,
    /// [`flags`] bits.
    pub flags: Vec<u8>,
    /// Bisphosphonate held by the voxel's bone, fmol.
    pub bisphosphonate_fmol: Vec<f32>,
}

impl VoxelMemory {
    /// Memory for `lattice`: bone at `initial_mineral` mineral fraction, no cavities.
    pub fn new(lattice: &Lattice, initial_mineral: f32) -> Self {
        let n = lattice.dims.len();
        Self {
            mineral_fraction: lattice
                .bone_fraction
                .iter()
                .map(|&f| if f > 0.0 { initial_mineral } else { 0.0 })
                .collect(),
            refill_target: vec![0.0; n],
            site: vec![0; n],
            depth: vec![0; n],
            up: vec![NO_DIRECTION; n],
            osteoid_steps: vec![0; n],
            flags: vec![0; n],
            bisphosphonate_fmol: vec![0.0; n],
        }
    }

    /// Whether `bit` is set at voxel `i`.
    #[inline]
    pub fn has(&self, i: usize, bit: u8) -> bool {
        self.flags[i] & bit != 0
    }

    /// Sets or clears `bit` at voxel `i`.
    #[inline]
    pub fn set(&mut self, i: usize, bit: u8, on: bool) {
        if on {
            self.flags[i] |= bit;
        } else {
            self.flags[i] &= !bit;
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.mineral_fraction.len() * (4 + 4 + 4 + 1 + 1 + 2 + 1 + 4)
    }
}
