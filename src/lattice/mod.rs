//! The voxel lattice: bone volume fraction per voxel, and the per-voxel state the
//! remodeling model keeps beside it.
//!
//! Each voxel holds a bone volume fraction in `[0, 1]` (not just 0/1), so partial
//! resorption and refill are represented without changing the voxel size. Later
//! stages add mineral fraction, surface-bound drug and refill memory as further
//! arrays of the same shape; they live here so every per-voxel array shares one
//! [`Dims`] and one storage order.
//!
//! Sources of a lattice: the synthetic trabecular generator ([`synthetic`]) or a
//! micro-CT volume ([`import`]).

use crate::grid::{BoneMask, Dims};

pub use memory::VoxelMemory;

pub mod import;
pub mod memory;
pub mod source;
pub mod synthetic;

/// Bone volume fraction at or above which a voxel counts as bone for morphometry.
pub const BONE_THRESHOLD: f32 = 0.5;

/// The simulation lattice.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lattice {
    /// Shape.
    pub dims: Dims,
    /// Edge length of one cubic voxel, micrometres.
    pub voxel_um: f64,
    /// Bone volume fraction per voxel, 0 (marrow) to 1 (fully bone), dimensionless.
    pub bone_fraction: Vec<f32>,
}

impl Lattice {
    /// A lattice holding a binary mask: fraction 1 in bone voxels, 0 elsewhere.
    pub fn from_mask(mask: &BoneMask) -> Self {
        Self {
            dims: mask.dims,
            voxel_um: mask.voxel_um,
            bone_fraction: mask.data.iter().map(|&v| f32::from(v != 0)).collect(),
        }
    }

    /// The binary mask of voxels whose fraction is at least [`BONE_THRESHOLD`].
    pub fn mask(&self) -> BoneMask {
        BoneMask {
            dims: self.dims,
            voxel_um: self.voxel_um,
            data: self
                .bone_fraction
                .iter()
                .map(|&f| u8::from(f >= BONE_THRESHOLD))
                .collect(),
        }
    }

    /// Side lengths of the domain, millimetres.
    pub fn extent_mm(&self) -> [f64; 3] {
        let v = self.voxel_um * 1e-3;
        let d = self.dims;
        [d.nx as f64 * v, d.ny as f64 * v, d.nz as f64 * v]
    }
}
