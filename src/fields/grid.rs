//! The field grid and its bone/marrow geometry.
//!
//! The field grid is an integer coarsening of the lattice: a field cell is
//! `coarsening^3` lattice voxels (default 2: 40 um cells on a 20 um lattice). When a
//! lattice extent is not a multiple of the coarsening, the last cell along that axis
//! covers the remaining voxels only; its geometry is the mean over those voxels and it
//! is treated as a full-size cell (the domain is then at most one cell wider than the
//! lattice). Storage order is the project's: x fastest.
//!
//! Geometry per field cell:
//! - marrow fraction `phi` = 1 - mean bone volume fraction of the covered voxels;
//! - conductance factor `a = a0 + (1 - a0) phi`, with `a0 = sqrt(bone_diffusion_ratio)`.
//!   The diffusive conductance of the face between cells `i` and `j` is `D a_i a_j`:
//!   1 between marrow cells, the configured ratio between bone cells, its square root
//!   across a bone/marrow face (the geometric mean of the two sides), and exactly 0
//!   into bone when the ratio is 0. The product is symmetric, exact for all-bone and
//!   all-marrow cells, and reads as the chance that both sides of a point on the face
//!   are open when bone is placed independently; it also lets the solvers work in the
//!   potential `u = a c` with a constant-coefficient stencil (see [`super::implicit`]).
//! - capacity `max(a, CAP_MIN)`: the fluid volume fraction that holds the
//!   concentration `c` (the marrow concentration). Bone cells get the same fraction as
//!   their conductance, and a small floor keeps isolated bone cells well posed.

use rayon::prelude::*;

use crate::grid::Dims;
use crate::lattice::Lattice;

use super::FieldError;

/// Smallest capacity (fluid volume fraction) of a field cell: keeps fully-bone cells,
/// which exchange nothing with marrow when the bone diffusion ratio is 0, well posed.
pub const CAP_MIN: f32 = 1e-3;

/// Avogadro-based conversion: molecules per um^3 in 1 pM (1e-12 mol/L * 6.02214076e23
/// /mol / 1e15 um^3/L).
pub const MOLECULES_PER_UM3_PER_PM: f64 = 6.022_140_76e-4;

/// The field grid: shape, spacing, and how it maps onto the lattice.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldGrid {
    /// Field cells along each axis.
    pub dims: Dims,
    /// Edge of one cubic field cell, um.
    pub dx_um: f64,
    /// Lattice voxels per field cell edge.
    pub coarsening: usize,
    /// Shape of the lattice the grid coarsens.
    pub lattice_dims: Dims,
}

impl FieldGrid {
    /// The grid coarsening a lattice of `lattice_dims` voxels of `voxel_um` by
    /// `coarsening` (cells per axis rounded up).
    pub fn for_lattice(
        lattice_dims: Dims,
        voxel_um: f64,
        coarsening: usize,
    ) -> Result<Self, FieldError> {
        if coarsening == 0 {
            return Err(FieldError::Grid("coarsening must be at least 1".into()));
        }
        if lattice_dims.is_empty() {
            return Err(FieldError::Grid(format!(
                "lattice {lattice_dims} holds no voxel"
            )));
        }
        if !(voxel_um.is_finite() && voxel_um > 0.0) {
            return Err(FieldError::Grid(format!(
                "voxel size {voxel_um} um is not positive"
            )));
        }
        let c = |n: usize| n.div_ceil(coarsening);
        Ok(Self {
            dims: Dims::new(c(lattice_dims.nx), c(lattice_dims.ny), c(lattice_dims.nz)),
            dx_um: voxel_um * coarsening as f64,
            coarsening,
            lattice_dims,
        })
    }

    /// A free-standing grid (no lattice behind it: coarsening 1 over itself).
    pub fn uniform(dims: Dims, dx_um: f64) -> Result<Self, FieldError> {
        Self::for_lattice(dims, dx_um, 1)
    }

    /// Volume of one field cell, um^3.
    pub fn cell_volume_um3(&self) -> f64 {
        self.dx_um.powi(3)
    }

    /// Linear index of the field cell holding lattice voxel `(x, y, z)`.
    pub fn cell_of_voxel(&self, x: usize, y: usize, z: usize) -> Option<usize> {
        let l = self.lattice_dims;
        if x >= l.nx || y >= l.ny || z >= l.nz {
            return None;
        }
        let k = self.coarsening;
        Some(self.dims.index(x / k, y / k, z / k))
    }

    /// Linear index of the field cell holding the point `p_um` (um from the domain's
    /// low corner); `None` outside the domain or for non-finite coordinates.
    pub fn cell_of_point_um(&self, p_um: [f64; 3]) -> Option<usize> {
        let n = self.dims.as_array();
        let mut c = [0usize; 3];
        for a in 0..3 {
            let f = p_um[a] / self.dx_um;
            if !(f.is_finite() && f >= 0.0) {
                return None;
            }
            let i = f.floor() as usize;
            if i >= n[a] {
                return None;
            }
            c[a] = i;
        }
        Some(self.dims.index(c[0], c[1], c[2]))
    }
}

/// Bone/marrow geometry of the field grid, derived from the lattice.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Geometry {
    /// Marrow volume fraction per field cell, [0, 1].
    pub marrow_fraction: Vec<f32>,
    /// Conductance factor `a` per field cell (see the module doc).
    pub conductance: Vec<f32>,
    /// `sqrt(bone_diffusion_ratio)`: the conductance factor of pure bone.
    pub bone_conductance: f32,
}

impl Geometry {
    /// All-marrow geometry for `dims`.
    pub fn marrow(dims: Dims, bone_diffusion_ratio: f64) -> Self {
        Self {
            marrow_fraction: vec![1.0; dims.len()],
            conductance: vec![1.0; dims.len()],
            bone_conductance: bone_diffusion_ratio.clamp(0.0, 1.0).sqrt() as f32,
        }
    }

    /// Geometry from per-cell marrow fractions (clamped to [0, 1]).
    pub fn from_marrow_fraction(phi: Vec<f32>, bone_diffusion_ratio: f64) -> Self {
        let mut g = Self {
            conductance: vec![0.0; phi.len()],
            marrow_fraction: phi,
            bone_conductance: bone_diffusion_ratio.clamp(0.0, 1.0).sqrt() as f32,
        };
        g.refresh_conductance();
        g
    }

    fn refresh_conductance(&mut self) {
        let a0 = self.bone_conductance;
        self.marrow_fraction
            .par_iter_mut()
            .zip(self.conductance.par_iter_mut())
            .with_min_len(4096)
            .for_each(|(p, a)| {
                *p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
                *a = a0 + (1.0 - a0) * *p;
            });
    }

    /// Recomputes the geometry from the lattice's bone fractions: one pass over the
    /// lattice, parallel over field planes, no allocation.
    pub fn update(&mut self, grid: &FieldGrid, lattice: &Lattice) -> Result<(), FieldError> {
        if lattice.dims != grid.lattice_dims {
            return Err(FieldError::Grid(format!(
                "lattice {} does not match the field grid's lattice {}",
                lattice.dims, grid.lattice_dims
            )));
        }
        let d = grid.dims;
        let l = lattice.dims;
        let k = grid.coarsening;
        let bone = &lattice.bone_fraction;
        self.marrow_fraction
            .par_chunks_mut(d.plane())
            .enumerate()
            .for_each(|(cz, plane)| {
                let z_range = cz * k..((cz + 1) * k).min(l.nz);
                for cy in 0..d.ny {
                    let y_range = cy * k..((cy + 1) * k).min(l.ny);
                    for cx in 0..d.nx {
                        let x_range = cx * k..((cx + 1) * k).min(l.nx);
                        let mut sum = 0.0f64;
                        let mut n = 0usize;
                        for z in z_range.clone() {
                            for y in y_range.clone() {
                                let row = l.index(0, y, z);
                                for x in x_range.clone() {
                                    sum += f64::from(bone[row + x]);
                                    n += 1;
                                }
                            }
                        }
                        plane[cx + d.nx * cy] = (1.0 - sum / n as f64) as f32;
                    }
                }
            });
        self.refresh_conductance();
        Ok(())
    }
}
