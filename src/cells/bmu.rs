//! Remodeling sites (basic multicellular units, BMUs), tracked with ids from
//! activation to the end of refill, so that activation frequency, resorption depth
//! and duration, formation duration and wall thickness are measured from the cells.
//!
//! A site is born with its first osteoclast. It is *resorbing* while it has living
//! osteoclasts, in *reversal* from the death of its last osteoclast until its first
//! osteoblast arrives, then *forming*. It closes when it has neither osteoclasts nor
//! osteoblasts and no voxel left to recruit an osteoblast to; its cavity memory is
//! then cleared and a [`BmuRecord`] is written.
//!
//! Measures (all from the site's own voxels, in um):
//! - footprint = (voxels of the first erosion layer) x voxel face area, the surface
//!   the site eroded;
//! - erosion depth = resorbed volume / footprint (mean cavity depth);
//! - wall thickness = formed volume / footprint (mean refilled depth; the
//!   histomorphometric W.Th of a completed site).
//!
//! Each step a site past resorption decides which osteoblasts it recruits
//! ([`super::osteoblast::recruit`]) and whether it is idle ([`Bmus::decide`]); the
//! intents are applied in site order ([`apply`]): the recruits join, then idle sites
//! with nothing left to do close through the bone handle.

use rayon::prelude::*;

use super::bone::{Bone, ClosedCavity};
use super::osteoblast::{self, Osteoblasts};
use super::{CellIds, View};

/// Where a site is in its cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Osteoclasts at work.
    Resorbing,
    /// No osteoclast left, no osteoblast yet.
    Reversal,
    /// Osteoblasts arrived.
    Forming,
}

/// One remodeling site.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bmu {
    /// Stable id (also stored per voxel in the cavity memory), from 1.
    pub id: u32,
    /// Voxel where the first osteoclast fused.
    pub origin: u32,
    /// Step of activation.
    pub start_step: u64,
    /// Step the last osteoclast died.
    pub resorption_end_step: Option<u64>,
    /// Step the first osteoblast arrived.
    pub formation_start_step: Option<u64>,
    /// Step of the last deposition.
    pub last_formation_step: Option<u64>,
    /// Bone resorbed, um^3.
    pub resorbed_um3: f64,
    /// Bone formed, um^3.
    pub formed_um3: f64,
    /// Osteoclasts that worked at the site.
    pub osteoclasts_total: u32,
    /// Osteoblasts recruited to the site.
    pub osteoblasts_total: u32,
    /// Living osteoclasts.
    pub osteoclasts_alive: u32,
    /// Living osteoblasts.
    pub osteoblasts_alive: u32,
    /// Voxels that joined the cavity, in order.
    pub voxels: Vec<u32>,
}

impl Bmu {
    /// A new site at `origin` activated at `step`.
    pub fn new(id: u32, origin: u32, step: u64) -> Self {
        Self {
            id,
            origin,
            start_step: step,
            resorption_end_step: None,
            formation_start_step: None,
            last_formation_step: None,
            resorbed_um3: 0.0,
            formed_um3: 0.0,
            osteoclasts_total: 0,
            osteoblasts_total: 0,
            osteoclasts_alive: 0,
            osteoblasts_alive: 0,
            voxels: Vec::new(),
        }
    }

    /// The record of this site closing at step `step` with what its cavity held;
    /// `day` maps steps to simulated days, `voxel_um` is the voxel edge.
    pub fn record(
        &self,
        step: u64,
        cavity: &ClosedCavity,
        voxel_um: f64,
        day: impl Fn(u64) -> f64,
    ) -> BmuRecord {
        let b = self;
        let face_um2 = voxel_um * voxel_um;
        let footprint = cavity.first_layer as f64 * face_um2;
        let per_area = |v: f64| if footprint > 0.0 { v / footprint } else { 0.0 };
        let resorption_end = b.resorption_end_step.unwrap_or(step);
        let (reversal, formation) = match b.formation_start_step {
            Some(f) => (
                day(f) - day(resorption_end),
                day(b.last_formation_step.unwrap_or(f)) - day(f),
            ),
            None => (f64::NAN, f64::NAN),
        };
        BmuRecord {
            day: day(step),
            id: b.id,
            origin: cavity.origin,
            start_day: day(b.start_step),
            resorption_days: day(resorption_end) - day(b.start_step),
            reversal_days: reversal,
            formation_days: formation,
            resorbed_um3: b.resorbed_um3,
            formed_um3: b.formed_um3,
            footprint_um2: footprint,
            erosion_depth_um: per_area(b.resorbed_um3),
            wall_thickness_um: per_area(b.formed_um3),
            blocked_um3: cavity.blocked_um3,
            osteoclasts: b.osteoclasts_total,
            osteoblasts: b.osteoblasts_total,
        }
    }

    /// The site's phase.
    pub fn phase(&self) -> Phase {
        if self.osteoclasts_alive > 0 {
            Phase::Resorbing
        } else if self.formation_start_step.is_none() {
            Phase::Reversal
        } else {
            Phase::Forming
        }
    }
}

/// A closed site, as recorded in `/events/bmus`.
#[derive(Clone, Debug, PartialEq)]
pub struct BmuRecord {
    /// Day the site closed.
    pub day: f64,
    /// Site id.
    pub id: u32,
    /// Origin voxel `[x, y, z]`.
    pub origin: [usize; 3],
    /// Day of activation.
    pub start_day: f64,
    /// Resorption phase, days (activation to the death of the last osteoclast).
    pub resorption_days: f64,
    /// Reversal phase, days (to the first osteoblast; NaN without formation).
    pub reversal_days: f64,
    /// Formation phase, days (first osteoblast to the last deposition; NaN without).
    pub formation_days: f64,
    /// Bone resorbed, um^3.
    pub resorbed_um3: f64,
    /// Bone formed, um^3.
    pub formed_um3: f64,
    /// Eroded surface, um^2.
    pub footprint_um2: f64,
    /// Mean erosion depth, um.
    pub erosion_depth_um: f64,
    /// Mean refilled wall thickness, um.
    pub wall_thickness_um: f64,
    /// Refill left owing where filling was refused (it would have bridged marrow),
    /// um^3.
    pub blocked_um3: f64,
    /// Osteoclasts that worked at the site.
    pub osteoclasts: u32,
    /// Osteoblasts recruited.
    pub osteoblasts: u32,
}

/// What one site past resorption does this step.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteIntent {
    /// The site.
    pub site: u32,
    /// Osteoblasts it recruits: `(voxel, programmed life in days)`, in its voxel
    /// order.
    pub recruits: Vec<(u32, f32)>,
    /// Nothing to recruit to and no osteoblast at work when the step began.
    pub idle: bool,
}

/// The open sites, sorted by id.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bmus {
    /// Open sites in id order.
    pub open: Vec<Bmu>,
    next_id: u32,
}

impl Bmus {
    /// Opens a new site and returns its id.
    pub fn open_site(&mut self, origin: u32, step: u64) -> u32 {
        self.next_id += 1;
        let id = self.next_id;
        self.open.push(Bmu::new(id, origin, step));
        id
    }

    /// The open site `id`.
    pub fn get_mut(&mut self, id: u32) -> Option<&mut Bmu> {
        self.open
            .binary_search_by_key(&id, |b| b.id)
            .ok()
            .map(|k| &mut self.open[k])
    }

    /// The open site `id`.
    pub fn get(&self, id: u32) -> Option<&Bmu> {
        self.open
            .binary_search_by_key(&id, |b| b.id)
            .ok()
            .map(|k| &self.open[k])
    }

    /// Sites in each phase: (resorbing, reversal, forming).
    pub fn phase_counts(&self) -> (usize, usize, usize) {
        self.open
            .iter()
            .fold((0, 0, 0), |(r, v, f), b| match b.phase() {
                Phase::Resorbing => (r + 1, v, f),
                Phase::Reversal => (r, v + 1, f),
                Phase::Forming => (r, v, f + 1),
            })
    }

    /// Every site's intent for this step, in site order (computed in parallel): the
    /// osteoblasts recruited to each site in reversal or forming, and whether it is
    /// idle.
    pub fn decide(&self, view: &View<'_>) -> Vec<SiteIntent> {
        self.open
            .par_iter()
            .filter(|b| b.phase() != Phase::Resorbing)
            .map(|b| {
                let (recruits, any) = osteoblast::recruit(b, view);
                // Idle: nothing to recruit to and no osteoblast at work when the step began
                // (one finishing this step may open the next layer).
                SiteIntent {
                    site: b.id,
                    recruits,
                    idle: !any && b.osteoblasts_alive == 0,
                }
            })
            .collect()
    }

    /// Ids issued so far (= sites ever activated).
    pub fn issued(&self) -> u32 {
        self.next_id
    }
}

/// Applies the sites' `intents` (from [`Bmus::decide`]) in site order: each recruit
/// whose voxel is still free becomes an osteoblast of its site in `osteoblasts`, in
/// voxel order; then each idle site that has no cell left and no voxel that could
/// still recruit (re-checked on the lattice as it is now) closes through `bone`.
/// Returns the records of the closed sites; `day_at` maps steps to simulated days.
pub fn apply(
    intents: Vec<SiteIntent>,
    bone: &mut Bone<'_>,
    osteoblasts: &mut Osteoblasts,
    ids: &mut CellIds,
    voxel_um: f64,
    day_at: impl Fn(u64) -> f64,
) -> Vec<BmuRecord> {
    let step = bone.step();
    // Osteoblasts recruited to reversal surfaces, in site then voxel order.
    let mut finished = Vec::new();
    for SiteIntent {
        site,
        recruits,
        idle,
    } in intents
    {
        for (voxel, life) in recruits {
            let v = voxel as usize;
            if bone.holds_osteoblast(v) {
                continue;
            }
            bone.osteoblast_arrives(v);
            let id = ids.take();
            osteoblasts.push(id, voxel, site, step, life);
            if let Some(b) = bone.site_mut(site) {
                b.osteoblasts_alive += 1;
                b.osteoblasts_total += 1;
                b.formation_start_step.get_or_insert(step);
            }
        }
        if idle {
            finished.push(site);
        }
    }
    // Close sites with nothing left to do.
    let mut records = Vec::new();
    for site in finished {
        let Some(b) = bone.sites().get(site) else {
            continue;
        };
        if b.osteoclasts_alive > 0 || b.osteoblasts_alive > 0 {
            continue;
        }
        // Re-checked on the lattice as it is now: this step's deposits may have
        // completed the floor under a voxel that can now recruit.
        if bone.cavities().any_recruitable(b) {
            continue;
        }
        let b = b.clone();
        let cavity = bone.close_site(&b);
        records.push(b.record(step, &cavity, voxel_um, &day_at));
    }
    records
}
