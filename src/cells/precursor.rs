//! The osteoclast-precursor pool, and differentiation with fusion at bone surfaces.
//!
//! Rules (docs/MODEL.md, Submodels: osteoclast precursors; parameters in
//! [`crate::config::cells::PrecursorConfig`]):
//!
//! - **Pool.** One count `P` for the marrow of the domain: precursors arrive at
//!   `supply` per mm^3 of marrow per day, leave or die after `lifespan` days on
//!   average, and are used up one per nucleus when they fuse. At rest it sits at
//!   `P_eq = supply * V_marrow * lifespan`; the rules scale with its fill `P / P_eq`,
//!   which rises towards 1 (or above, after a block) when little is used, the seam a
//!   denosumab rebound needs (Martinez-Reina & Pivonka, Front Bioeng 2022).
//! - **Activation.** New remodeling sites start on quiescent surface (voxels covered
//!   by lining cells) at `k_init * fill * S` per mm^2 per day, `S` the local stimulus
//!   (free RANKL amplified by TNF-alpha and IL-1, [`super::Signals::stimulus`]). Each
//!   starts with one osteoclast of `1 + Poisson(nuclei_mean - 1)` nuclei.
//! - **Recruitment.** A resorbing site gains osteoclasts at `k_rec * exp(-age / tau) *
//!   fill * S` per day, `S` at its oldest osteoclast, `age` the site's age: the signal
//!   that activated the site is transient, so its team is replenished for a while and
//!   then dies out (without the decay the team is a birth-death process whose
//!   lifetime grows exponentially with `k_rec S / apoptosis`). A recruit starts where
//!   a random team member is.
//!
//! The fusions are applied in order ([`PrecursorPool::apply`]): recruits to their
//! sites in site order, then new sites in draw order (on quiescent surface, then on
//! unloaded surface, [`super::mechanics::unloaded_initiations`]), each only while the
//! pool holds its nuclei and a new site only on a voxel still marrow; then the pool
//! advances.
//!
//! # Stochasticity
//! Activation: one stream per step for the whole domain ([`Purpose::Differentiate`],
//! id 0): the number of new sites, then for each its field cell (weighted by lining
//! voxels times stimulus), its voxel within the cell and its nuclei. Recruitment: one
//! stream per site and step ([`Purpose::Differentiate`], id = site id).

use rayon::prelude::*;

use super::bmu::{Bmus, Phase};
use super::bone::Bone;
use super::mechanics::unloaded_initiations;
use super::osteoclast::Osteoclasts;
use super::{CellIds, Rules, View};
use crate::config::cells::PrecursorConfig;
use crate::lattice::memory::flags;
use crate::random::{Purpose, Stream};

/// The marrow's pool of osteoclast precursors.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PrecursorPool {
    /// Precursors in the pool.
    pub count: f64,
    /// The pool at rest (nothing used), `supply * V_marrow * lifespan`.
    pub equilibrium: f64,
}

/// The osteoclasts precursors fuse into this step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fusions {
    /// Recruits to each resorbing site, in site order: `(site, [(voxel, nuclei)])`.
    pub recruits: Vec<(u32, Vec<(u32, u16)>)>,
    /// First osteoclasts of new sites, in draw order: `(voxel, nuclei)`.
    pub initiations: Vec<(u32, u16)>,
}

impl PrecursorPool {
    /// A pool at rest for `marrow_mm3` of marrow.
    pub fn new(c: &PrecursorConfig, marrow_mm3: f64) -> Self {
        let equilibrium = c.supply_per_mm3_per_day * marrow_mm3 * c.lifespan_days;
        Self {
            count: equilibrium,
            equilibrium,
        }
    }

    /// `P / P_eq` (1 for an empty marrow).
    pub fn fill(&self) -> f64 {
        if self.equilibrium > 0.0 {
            self.count / self.equilibrium
        } else {
            0.0
        }
    }

    /// Whether `nuclei` precursors are available.
    pub fn can_use(&self, nuclei: u16) -> bool {
        self.count >= f64::from(nuclei)
    }

    /// Takes `nuclei` precursors.
    pub fn take(&mut self, nuclei: u16) {
        self.count = (self.count - f64::from(nuclei)).max(0.0);
    }

    /// This step's fusions: new sites on the quiescent surface (`lining` voxels per
    /// field cell) and on unloaded surface, and recruits to the resorbing `sites`,
    /// whose teams are the `osteoclasts`.
    pub fn decide(
        &self,
        view: &View<'_>,
        lining: &[u32],
        osteoclasts: &Osteoclasts,
        sites: &Bmus,
    ) -> Fusions {
        let fill = self.fill();
        let mut initiations = initiations(view, lining, fill);
        initiations.extend(unloaded_initiations(view, fill));
        // Teams: (site, voxel) of every osteoclast, grouped by site in id order.
        let mut team: Vec<(u32, u32)> = osteoclasts
            .site
            .iter()
            .copied()
            .zip(osteoclasts.voxel.iter().copied())
            .collect();
        team.sort_by_key(|&(s, _)| s);
        let recruits = sites
            .open
            .par_iter()
            .filter(|b| b.phase() == Phase::Resorbing)
            .map(|b| {
                let lo = team.partition_point(|&(s, _)| s < b.id);
                let hi = team.partition_point(|&(s, _)| s <= b.id);
                let voxels: Vec<u32> = team[lo..hi].iter().map(|&(_, v)| v).collect();
                let age_days = (view.step - b.start_step) as f64 * view.rules.dt_days;
                (b.id, recruit(b.id, age_days, &voxels, view, fill))
            })
            .collect();
        Fusions {
            recruits,
            initiations,
        }
    }

    /// Applies this step's `fusions` (from [`Self::decide`]): each recruit or new
    /// site takes its nuclei from the pool while it holds them and becomes an
    /// osteoclast in `osteoclasts`; a new site opens through `bone` on a voxel still
    /// marrow. Then the pool advances over a step for `marrow_mm3` of marrow.
    pub fn apply(
        &mut self,
        fusions: Fusions,
        bone: &mut Bone<'_>,
        osteoclasts: &mut Osteoclasts,
        ids: &mut CellIds,
        rules: &Rules,
        marrow_mm3: f64,
    ) {
        let step = bone.step();
        // Osteoclasts recruited to resorbing sites, in site order.
        for (site, recruits) in fusions.recruits {
            for (voxel, nuclei) in recruits {
                if !self.can_use(nuclei) {
                    continue;
                }
                self.take(nuclei);
                let id = ids.take();
                osteoclasts.push(id, voxel, nuclei, step, site);
                if let Some(b) = bone.site_mut(site) {
                    b.osteoclasts_alive += 1;
                    b.osteoclasts_total += 1;
                }
            }
        }
        // New sites, in draw order.
        for (voxel, nuclei) in fusions.initiations {
            if bone.is_bone(voxel as usize) || !self.can_use(nuclei) {
                continue;
            }
            self.take(nuclei);
            let site = bone.open_site(voxel);
            let id = ids.take();
            osteoclasts.push(id, voxel, nuclei, step, site);
            if let Some(b) = bone.site_mut(site) {
                b.osteoclasts_alive = 1;
                b.osteoclasts_total = 1;
            }
        }
        self.advance(&rules.cells.precursor, marrow_mm3, rules.dt_days);
    }

    /// Advances supply and turnover over `dt_days` for `marrow_mm3` of marrow
    /// (implicit in the loss term, so any step is stable).
    pub fn advance(&mut self, c: &PrecursorConfig, marrow_mm3: f64, dt_days: f64) {
        self.equilibrium = c.supply_per_mm3_per_day * marrow_mm3 * c.lifespan_days;
        let supply = c.supply_per_mm3_per_day * marrow_mm3 * dt_days;
        self.count = (self.count + supply) / (1.0 + dt_days / c.lifespan_days);
    }
}

/// Nuclei of a new osteoclast: `1 + Poisson(mean - 1)`.
pub fn draw_nuclei(stream: &mut Stream, mean: f64) -> u16 {
    (1 + stream.poisson((mean - 1.0).max(0.0))).min(u64::from(u16::MAX)) as u16
}

/// New remodeling sites this step: `(voxel, nuclei)` in draw order. `lining` is the
/// number of lining (quiescent surface) voxels per field cell.
///
/// A field cell is drawn with probability proportional to its weight (lining voxels
/// times stimulus) by searching the running sum of the weights in cell order. Cells
/// of weight zero (most of them: no surface) neither add to that sum nor can be drawn,
/// so only the others are listed; the draws are those of a search over every cell.
pub fn initiations(view: &View<'_>, lining: &[u32], fill: f64) -> Vec<(u32, u16)> {
    let rules = view.rules;
    let c = &rules.cells.precursor;
    // (cell, weight) of the cells of non-zero weight, in cell order: in parallel over
    // blocks of cells, each gone through in a plain loop.
    const BLOCK: usize = 4096;
    let weighted: Vec<(u32, f64)> = lining
        .par_chunks(BLOCK)
        .enumerate()
        .flat_map_iter(|(b, block)| {
            let mut out = Vec::new();
            for (k, &n) in block.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                let cell = b * BLOCK + k;
                let w = f64::from(n) * view.signals.stimulus(cell, c);
                if w != 0.0 {
                    out.push((cell as u32, w));
                }
            }
            out
        })
        .collect();
    let mut prefix = Vec::with_capacity(weighted.len());
    let mut total = 0.0;
    for &(_, w) in &weighted {
        total += w;
        prefix.push(total);
    }
    let face_mm2 = (rules.voxel_um * 1e-3).powi(2);
    let expected = c.initiation_per_mm2_per_day * fill * face_mm2 * total * rules.dt_days;
    let mut stream = view.stream(0, Purpose::Differentiate);
    let n = stream.poisson(expected);
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let u = stream.uniform() * total;
        // The first cell whose running sum exceeds `u`; past the end (rounding), the
        // last cell of the domain.
        let k = prefix.partition_point(|&p| p <= u);
        let cell = weighted
            .get(k)
            .map_or(lining.len() - 1, |&(cell, _)| cell as usize);
        let k = stream.below(u64::from(lining[cell]));
        if let Some(v) = nth_lining_voxel(view, cell, k as usize) {
            out.push((v as u32, draw_nuclei(&mut stream, c.nuclei_mean)));
        }
    }
    out
}

/// The `k`-th lining voxel (in index order) of field cell `cell`.
fn nth_lining_voxel(view: &View<'_>, cell: usize, k: usize) -> Option<usize> {
    let grid = &view.signals.grid;
    let l = view.lattice.dims;
    let s = grid.coarsening;
    let (cx, cy, cz) = grid.dims.coords(cell);
    let mut seen = 0;
    for z in cz * s..((cz + 1) * s).min(l.nz) {
        for y in cy * s..((cy + 1) * s).min(l.ny) {
            for x in cx * s..((cx + 1) * s).min(l.nx) {
                let v = l.index(x, y, z);
                if view.memory.has(v, flags::LINING) {
                    if seen == k {
                        return Some(v);
                    }
                    seen += 1;
                }
            }
        }
    }
    None
}

/// Osteoclasts recruited to site `site`, `age_days` old, this step, whose team sits at
/// `team` (voxels in id order): `(voxel, nuclei)`.
pub fn recruit(
    site: u32,
    age_days: f64,
    team: &[u32],
    view: &View<'_>,
    fill: f64,
) -> Vec<(u32, u16)> {
    let Some(&first) = team.first() else {
        return Vec::new();
    };
    let rules = view.rules;
    let c = &rules.cells.precursor;
    let s = view.signals.stimulus(view.cell_of(first as usize), c);
    let mut stream = view.stream(u64::from(site), Purpose::Differentiate);
    let attraction = (-age_days / c.site_attraction_days).exp();
    let n = stream.poisson(c.recruitment_per_day * attraction * fill * s * rules.dt_days);
    (0..n)
        .map(|_| {
            let at = team[stream.below(team.len() as u64) as usize];
            (at, draw_nuclei(&mut stream, c.nuclei_mean))
        })
        .collect()
}
