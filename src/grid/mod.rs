//! Dense 3-D voxel grids: shape, indexing, the binary bone mask, and the neighbours
//! of a voxel ([`neighbours`]).
//!
//! Storage order is x fastest, then y, then z: the linear index of voxel `(x, y, z)`
//! is `x + nx * (y + ny * z)`. Every dense array in the project (lattice, masks,
//! fields) uses this order so that one z-plane is one contiguous slab, which is what
//! rayon splits work over.

pub mod neighbours;

use serde::Serialize;

/// Shape of a 3-D voxel array (x fastest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct Dims {
    /// Voxels along x.
    pub nx: usize,
    /// Voxels along y.
    pub ny: usize,
    /// Voxels along z.
    pub nz: usize,
}

impl Dims {
    /// A shape from its three extents.
    pub const fn new(nx: usize, ny: usize, nz: usize) -> Self {
        Self { nx, ny, nz }
    }

    /// A cube of side `n`.
    pub const fn cube(n: usize) -> Self {
        Self::new(n, n, n)
    }

    /// Number of voxels.
    pub const fn len(&self) -> usize {
        self.nx * self.ny * self.nz
    }

    /// True when the grid holds no voxel.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Voxels in one z-plane.
    pub const fn plane(&self) -> usize {
        self.nx * self.ny
    }

    /// Linear index of `(x, y, z)`.
    #[inline]
    pub const fn index(&self, x: usize, y: usize, z: usize) -> usize {
        x + self.nx * (y + self.ny * z)
    }

    /// Coordinates of a linear index.
    #[inline]
    pub const fn coords(&self, i: usize) -> (usize, usize, usize) {
        let x = i % self.nx;
        let yz = i / self.nx;
        (x, yz % self.ny, yz / self.ny)
    }

    /// The extents as an array `[nx, ny, nz]`.
    pub const fn as_array(&self) -> [usize; 3] {
        [self.nx, self.ny, self.nz]
    }

    /// The extents in the order HDF5 and numpy use for C-ordered arrays: `[nz, ny, nx]`.
    pub const fn zyx(&self) -> [usize; 3] {
        [self.nz, self.ny, self.nx]
    }
}

impl std::fmt::Display for Dims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}x{}", self.nx, self.ny, self.nz)
    }
}

/// A segmented volume: 1 where there is bone, 0 in marrow; isotropic voxels.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BoneMask {
    /// Shape of the volume.
    pub dims: Dims,
    /// Edge length of one (cubic) voxel, micrometres.
    pub voxel_um: f64,
    /// One byte per voxel, 0 or 1, x fastest.
    pub data: Vec<u8>,
}

impl BoneMask {
    /// An all-marrow mask.
    pub fn empty(dims: Dims, voxel_um: f64) -> Self {
        Self {
            dims,
            voxel_um,
            data: vec![0; dims.len()],
        }
    }

    /// Whether voxel `(x, y, z)` is bone.
    #[inline]
    pub fn is_bone(&self, x: usize, y: usize, z: usize) -> bool {
        self.data[self.dims.index(x, y, z)] != 0
    }

    /// Number of bone voxels.
    pub fn bone_voxels(&self) -> usize {
        self.data.iter().filter(|&&v| v != 0).count()
    }

    /// Edge length of one voxel, millimetres.
    pub fn voxel_mm(&self) -> f64 {
        self.voxel_um * 1e-3
    }
}
