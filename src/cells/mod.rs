//! The cell populations, their rules, and the one handle through which they change
//! the bone.
//!
//! Populations are structs of arrays with stable ids, kept sorted by id:
//! [`Osteoclasts`] (nuclei, age, site, drug load), [`Osteoblasts`] (age, programmed
//! active life, the refill still owed at their voxel), [`TCells`] (resting or
//! activated). The osteoclast-precursor pool is one count for the marrow of the domain
//! ([`PrecursorPool`]); lining cells cover every quiescent surface voxel and are
//! counted per field cell, not stored one by one ([`surface`]); the marrow stromal and
//! monocyte background is a uniform production ([`marrow`]). Remodeling sites (BMUs)
//! are tracked with ids from activation to the end of refill ([`bmu`]).
//!
//! Every rule reads a read-only [`View`] of the world and returns an *intent* (resorb
//! these voxels, move there, die, divide; all populations at once: [`decide`]); the
//! engine applies intents serially in id order, so two cells claiming one voxel are resolved by id, never by thread timing.
//! Each decision draws from its own counter-based stream keyed by (seed, step, id,
//! purpose) ([`crate::random`]).
//!
//! Each population's module holds its whole life: its decision (`decide`) and how
//! that decision is applied (`apply`), births and deaths included. Applying changes
//! the bone only through [`bone::Bone`], which keeps the lattice, the bone mask, the
//! cavity memory ([`cavity`]), the surface counts, the sites and the topology events
//! ([`topology`]) consistent.
//!
//! Rules and their sources: [`osteoclast`], [`osteoblast`], [`tcell`], [`precursor`],
//! [`bmu`], [`mechanics`]; parameters: [`crate::config::cells`].

pub mod bmu;
pub mod bone;
pub mod cavity;
pub mod decide;
pub mod marrow;
pub mod mechanics;
pub mod osteoblast;
pub mod osteoclast;
pub mod precursor;
pub mod signals;
pub mod surface;
pub mod tcell;
pub mod topology;

pub use bmu::{Bmu, BmuRecord, Bmus, Phase, SiteIntent};
pub use bone::{Bone, BoneParts, BoneTotals};
pub use osteoblast::{ObFate, ObIntent, Osteoblasts};
pub use osteoclast::{OcIntent, Osteoclasts};
pub use precursor::{Fusions, PrecursorPool};
pub use signals::Signals;
pub use surface::Surface;
pub use tcell::{TCells, TcIntent};

use crate::config::cells::CellsConfig;
use crate::grid::neighbours;
use crate::grid::BoneMask;
use crate::lattice::{Lattice, VoxelMemory};
use crate::pharmacology::Exposure;
use crate::random::{Purpose, Stream, StreamKey};

/// Step-independent numbers the rules derive from the config and the lattice.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    /// The cell parameters.
    pub cells: CellsConfig,
    /// Length of one step, days.
    pub dt_days: f64,
    /// Voxel edge, um.
    pub voxel_um: f64,
    /// Deepest erosion layer an osteoclast resorbs (>= 1), voxels.
    pub max_depth_layers: u8,
}

impl Rules {
    /// Derived from the config for a lattice of `voxel_um` and steps of `dt_days`.
    pub fn new(cells: &CellsConfig, voxel_um: f64, dt_days: f64) -> Self {
        let layers = (cells.osteoclast.max_pit_depth_um / voxel_um).round();
        Self {
            cells: cells.clone(),
            dt_days,
            voxel_um,
            max_depth_layers: layers.clamp(1.0, 250.0) as u8,
        }
    }

    /// Volume of one voxel, um^3.
    pub fn voxel_um3(&self) -> f64 {
        self.voxel_um.powi(3)
    }

    /// Probability that an event of rate `per_day` happens within one step.
    #[inline]
    pub fn chance(&self, per_day: f64) -> f64 {
        1.0 - (-per_day.max(0.0) * self.dt_days).exp()
    }
}

/// A read-only view of the world for the decide stage.
#[derive(Clone, Copy)]
pub struct View<'a> {
    /// Bone fractions.
    pub lattice: &'a Lattice,
    /// Bone where the fraction is at least one half.
    pub mask: &'a BoneMask,
    /// Cavity memory, mineral, flags.
    pub memory: &'a VoxelMemory,
    /// Field concentrations this step.
    pub signals: &'a Signals,
    /// Estrogen (and later drugs) this step.
    pub exposure: &'a Exposure,
    /// Rule parameters.
    pub rules: &'a Rules,
    /// The run's seed.
    pub seed: u64,
    /// The integer step clock.
    pub step: u64,
}

impl View<'_> {
    /// The cavities' refill state.
    #[inline]
    pub fn cavities(&self) -> cavity::Cavities<'_> {
        cavity::Cavities {
            lattice: self.lattice,
            mask: self.mask,
            memory: self.memory,
        }
    }

    /// The random stream of entity `id` for `purpose` this step.
    #[inline]
    pub fn stream(&self, id: u64, purpose: Purpose) -> Stream {
        StreamKey::new(self.seed, self.step, id, purpose).stream()
    }

    /// Whether voxel `i` is bone (mask).
    #[inline]
    pub fn is_bone(&self, i: usize) -> bool {
        self.mask.data[i] != 0
    }

    /// Field cell of voxel `i`.
    #[inline]
    pub fn cell_of(&self, i: usize) -> usize {
        self.signals.cell_of(self.lattice.dims, i)
    }

    /// Whether voxel `i` has bone across one of its faces (existing bone to build on).
    #[inline]
    pub fn supported(&self, i: usize) -> bool {
        neighbours::face(self.lattice.dims, i)
            .iter()
            .any(|j| self.is_bone(j))
    }
}

/// Cell ids, issued in increasing order from 1, never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CellIds(u64);

impl Default for CellIds {
    fn default() -> Self {
        Self(1)
    }
}

impl CellIds {
    /// Ids from `next` on.
    pub fn starting_at(next: u64) -> Self {
        Self(next)
    }

    /// The id the next cell will take.
    pub fn next(&self) -> u64 {
        self.0
    }

    /// A fresh id.
    pub fn take(&mut self) -> u64 {
        let id = self.0;
        self.0 += 1;
        id
    }
}

/// A normally distributed draw (Box-Muller), mean `mean`, standard deviation `sd`.
pub fn normal(stream: &mut Stream, mean: f64, sd: f64) -> f64 {
    let u1 = 1.0 - stream.uniform();
    let u2 = stream.uniform();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Index drawn with probability proportional to `weights` (None when all are 0).
pub fn weighted_pick(stream: &mut Stream, weights: &[f64]) -> Option<usize> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut u = stream.uniform() * total;
    for (i, &w) in weights.iter().enumerate() {
        if u < w {
            return Some(i);
        }
        u -= w;
    }
    weights.iter().rposition(|&w| w > 0.0)
}
