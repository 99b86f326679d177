//! The one handle through which the cells change the bone, [`Bone`]: resorption
//! ([`Bone::resorb`], with the removal of the fragments it cuts off), formation
//! ([`Bone::form`], with the marrow pockets it walls in), mineralization of new bone,
//! the osteoblasts' marks on the voxels they work, and the opening and closing of the
//! sites whose cavities these are. Each operation keeps the lattice, the bone mask,
//! the cavity memory, the surface counts, the sites' tallies, the running totals and
//! the log of topology events consistent with one another; no population writes any
//! of them directly. Populations apply their intents one at a time, in id order.
//!
//! This is where a voxel crosses the bone threshold (fraction 1/2), so it is where
//! topology is watched: every voxel whose removal from the bone mask is not a simple
//! point (Bertrand & Malandain 1994, [`crate::morphometry::simple_point`]) is a
//! perforation, disconnection, vanishing fragment or opened cavity, recorded as a
//! [`TopologyEvent`].
//!
//! Osteoblasts build only on existing bone, so what resorption severed stays severed:
//! the voxel whose removal cut a strut (a disconnection) is never refilled (it is
//! blocked). A hole through a plate (a perforation) may close again if the refill
//! of its rim reaches it before the site closes, as osteoblasts lining the hole's
//! edge build inwards; it stays open when refill stops short. A refill that is not a
//! simple point is refused if it would join bone that is separate around the voxel (a
//! bridge across a cut) or wall in a marrow pocket larger than a few voxels; the voxel
//! then waits just below the threshold (deferred). Smaller pockets walled in by a
//! refill are filled with it.

mod form;
pub mod pieces;
mod resorb;

use super::bmu::{Bmu, Bmus};
use super::cavity::Cavities;
use super::signals::Signals;
use super::surface::Surface;
use super::topology::{TopologyCounts, TopologyEvent};
use super::Rules;
use crate::grid::BoneMask;
use crate::lattice::memory::{flags, NO_DIRECTION};
use crate::lattice::{Lattice, VoxelMemory};

/// Running totals of what remodeling did to the bone since the start of the run
/// (never reset).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BoneTotals {
    /// Bone resorbed, um^3.
    pub resorbed_um3: f64,
    /// Bone formed, um^3.
    pub formed_um3: f64,
    /// First-layer voxels eroded by new sites (activated surface, in voxel faces).
    pub activated_voxels: u64,
    /// Sites activated.
    pub initiations: u64,
    /// Topology-changing removals by kind: perforation, disconnection, both, vanish,
    /// cavity (the event codes 1-5).
    pub topology_events: TopologyCounts,
    /// Refills refused because they would have bridged marrow.
    pub blocked_refills: u64,
    /// Refill steps held below the threshold because they would have split the marrow.
    pub deferred_refills: u64,
}

/// The bone state of the world the handle borrows.
pub struct BoneParts<'a> {
    /// Bone fractions.
    pub lattice: &'a mut Lattice,
    /// Bone where the fraction is at least one half.
    pub mask: &'a mut BoneMask,
    /// Cavity memory, mineral and flags.
    pub memory: &'a mut VoxelMemory,
    /// Surface counts.
    pub surface: &'a mut Surface,
    /// Open remodeling sites.
    pub sites: &'a mut Bmus,
    /// Running totals of remodeling.
    pub totals: &'a mut BoneTotals,
    /// Bisphosphonate taken up by osteoclasts so far, fmol.
    pub drug_taken_up_fmol: &'a mut f64,
    /// Sum of the bone fractions.
    pub bone_sum: &'a mut f64,
    /// Bone resorbed this step per field cell, um^3.
    pub resorbed_per_cell_um3: &'a mut [f64],
    /// The signals (for the field cell of a voxel).
    pub signals: &'a Signals,
    /// Voxels receiving new bone and still mineralizing.
    pub mineralizing: &'a mut Vec<u32>,
    /// Topology events of the step, appended in order.
    pub events: &'a mut Vec<TopologyEvent>,
}

/// The handle on the bone for one step (see the module documentation).
pub struct Bone<'a> {
    lattice: &'a mut Lattice,
    mask: &'a mut BoneMask,
    memory: &'a mut VoxelMemory,
    surface: &'a mut Surface,
    sites: &'a mut Bmus,
    totals: &'a mut BoneTotals,
    drug_taken_up_fmol: &'a mut f64,
    bone_sum: &'a mut f64,
    resorbed_per_cell_um3: &'a mut [f64],
    signals: &'a Signals,
    mineralizing: &'a mut Vec<u32>,
    events: &'a mut Vec<TopologyEvent>,
    rules: &'a Rules,
    step: u64,
}

/// What closing a site left behind in its cavity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClosedCavity {
    /// Voxels of the cavity's first erosion layer.
    pub first_layer: u64,
    /// Refill left owing where filling was refused, um^3.
    pub blocked_um3: f64,
    /// The site's origin `[x, y, z]`.
    pub origin: [usize; 3],
}

impl<'a> Bone<'a> {
    /// The handle on `parts` in step `step`, under `rules`.
    pub fn new(parts: BoneParts<'a>, rules: &'a Rules, step: u64) -> Self {
        let BoneParts {
            lattice,
            mask,
            memory,
            surface,
            sites,
            totals,
            drug_taken_up_fmol,
            bone_sum,
            resorbed_per_cell_um3,
            signals,
            mineralizing,
            events,
        } = parts;
        Self {
            lattice,
            mask,
            memory,
            surface,
            sites,
            totals,
            drug_taken_up_fmol,
            bone_sum,
            resorbed_per_cell_um3,
            signals,
            mineralizing,
            events,
            rules,
            step,
        }
    }

    /// The step.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Bone fractions.
    pub fn lattice(&self) -> &Lattice {
        self.lattice
    }

    /// Cavity memory, mineral and flags.
    pub fn memory(&self) -> &VoxelMemory {
        self.memory
    }

    /// Whether voxel `v` is bone (mask).
    #[inline]
    pub fn is_bone(&self, v: usize) -> bool {
        self.mask.data[v] != 0
    }

    /// The cavities' refill state as it is now.
    pub fn cavities(&self) -> Cavities<'_> {
        Cavities {
            lattice: self.lattice,
            mask: self.mask,
            memory: self.memory,
        }
    }

    /// The open sites.
    pub fn sites(&self) -> &Bmus {
        self.sites
    }

    /// The open site `id`, for its cell counts.
    pub fn site_mut(&mut self, id: u32) -> Option<&mut Bmu> {
        self.sites.get_mut(id)
    }

    /// Opens a site at `origin` (its first osteoclast's voxel) and counts the
    /// activation; returns its id.
    pub fn open_site(&mut self, origin: u32) -> u32 {
        self.totals.initiations += 1;
        self.sites.open_site(origin, self.step)
    }

    /// Whether an osteoblast works voxel `v`.
    pub fn holds_osteoblast(&self, v: usize) -> bool {
        self.memory.has(v, flags::OSTEOBLAST)
    }

    /// An osteoblast takes voxel `v`: it holds an osteoblast, and has held one this
    /// cycle.
    pub fn osteoblast_arrives(&mut self, v: usize) {
        self.memory.set(v, flags::OSTEOBLAST | flags::VISITED, true);
    }

    /// The osteoblast at voxel `v` leaves it (moves on, retires or dies).
    pub fn osteoblast_leaves(&mut self, v: usize) {
        self.memory.set(v, flags::OSTEOBLAST, false);
    }

    /// Closes site `b`: clears its cavity memory, drops it from the open sites and
    /// returns what its cavity held.
    pub fn close_site(&mut self, b: &Bmu) -> ClosedCavity {
        let mut voxels: Vec<u32> = b.voxels.clone();
        voxels.sort_unstable();
        voxels.dedup();
        let mut first_layer = 0u64;
        let mut blocked = 0.0f64;
        for &v in &voxels {
            let v = v as usize;
            if self.memory.site[v] != b.id {
                continue;
            }
            if self.memory.depth[v] == 1 {
                first_layer += 1;
            }
            if self.memory.has(v, flags::BLOCKED) {
                let owed = self.memory.refill_target[v] - self.lattice.bone_fraction[v];
                blocked += f64::from(owed.max(0.0)) * self.rules.voxel_um3();
            }
            leave_cavity(self.memory, v);
            self.surface.refresh(self.mask, self.memory, v);
        }
        let (x, y, z) = self.lattice.dims.coords(b.origin as usize);
        self.sites.open.retain(|x| x.id != b.id);
        ClosedCavity {
            first_layer,
            blocked_um3: blocked,
            origin: [x, y, z],
        }
    }
}

/// Clears voxel `v`'s cavity memory: it belongs to no site and owes no refill.
fn leave_cavity(m: &mut VoxelMemory, v: usize) {
    m.site[v] = 0;
    m.depth[v] = 0;
    m.up[v] = NO_DIRECTION;
    m.refill_target[v] = 0.0;
    m.set(v, flags::VISITED | flags::BLOCKED | flags::DEFERRED, false);
}

/// Whether bone fraction `f` counts as bone.
#[inline]
fn is_bone_fraction(f: f32) -> bool {
    f >= crate::lattice::BONE_THRESHOLD
}
