//! What cells read from the fields: marrow concentrations per field cell after the
//! step's quasi-steady solve, and the response terms built from them.
//!
//! Every response is a Hill term `c / (c + K)` (dimensionless, 0 to 1) of a marrow
//! concentration `c` in pM; `K` is the half-effect level of the rule's config.

use crate::config::cells::PrecursorConfig;
use crate::fields::FieldGrid;
use crate::grid::Dims;

/// Hill term `c / (c + k)` (0 for `c <= 0`).
#[inline]
pub fn hill(c: f64, k: f64) -> f64 {
    if c <= 0.0 {
        0.0
    } else {
        c / (c + k)
    }
}

/// Marrow concentrations per field cell, pM, as cells read them this step.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Signals {
    /// The field grid (maps voxels to field cells).
    pub grid: FieldGrid,
    /// Free RANKL (not bound to OPG or denosumab).
    pub free_rankl_pm: Vec<f32>,
    /// TNF-alpha.
    pub tnf_pm: Vec<f32>,
    /// IL-1.
    pub il1_pm: Vec<f32>,
    /// IL-6.
    pub il6_pm: Vec<f32>,
    /// TGF-beta.
    pub tgfb_pm: Vec<f32>,
}

impl Signals {
    /// All zero on `grid`.
    pub fn zeros(grid: FieldGrid) -> Self {
        let n = grid.dims.len();
        Self {
            grid,
            free_rankl_pm: vec![0.0; n],
            tnf_pm: vec![0.0; n],
            il1_pm: vec![0.0; n],
            il6_pm: vec![0.0; n],
            tgfb_pm: vec![0.0; n],
        }
    }

    /// Field cell holding lattice voxel `v` (linear index on the lattice `dims`).
    #[inline]
    pub fn cell_of(&self, dims: Dims, v: usize) -> usize {
        let (x, y, z) = dims.coords(v);
        let k = self.grid.coarsening;
        self.grid.dims.index(x / k, y / k, z / k)
    }

    /// The osteoclastogenic stimulus at field cell `c`: the RANKL term amplified by
    /// TNF-alpha and IL-1 (see [`PrecursorConfig`]).
    #[inline]
    pub fn stimulus(&self, c: usize, p: &PrecursorConfig) -> f64 {
        let rankl = hill(f64::from(self.free_rankl_pm[c]), p.rankl_half_pm);
        let tnf = hill(f64::from(self.tnf_pm[c]), p.tnf_half_pm);
        let il1 = hill(f64::from(self.il1_pm[c]), p.il1_half_pm);
        rankl * (1.0 + p.tnf_gain * tnf + p.il1_gain * il1)
    }

    /// The RANKL term alone at field cell `c`.
    #[inline]
    pub fn rankl_term(&self, c: usize, p: &PrecursorConfig) -> f64 {
        hill(f64::from(self.free_rankl_pm[c]), p.rankl_half_pm)
    }
}
