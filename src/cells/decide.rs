//! One step's decisions of every population at once: the osteoclasts, osteoblasts,
//! T-cells, the precursor pool and the sites each decide into their intents from the
//! same read-only [`View`] ([`decide`]).
//!
//! The populations are independent of one another in this stage (each reads the view
//! and its own arrays, and draws from its own streams), so they run side by side
//! ([`rayon::join`]) as well as each in parallel over its cells: the small ones and
//! the serial parts (the precursor pool's running sums and draws) overlap the T-cells
//! instead of leaving a thread idle. Every intent is a pure function of the view, so
//! the result is the same for any thread count and any interleaving.
//!
//! The engine's decide stage calls this; benches and tests call it on a world they
//! built to time or check one step's decisions alone.

use super::bmu::{Bmus, SiteIntent};
use super::osteoblast::{ObIntent, Osteoblasts};
use super::osteoclast::{OcIntent, Osteoclasts};
use super::precursor::{Fusions, PrecursorPool};
use super::tcell::{self, TCells, TcIntent};
use super::View;

/// What the decide stage reads besides the view: every population, the lining
/// (quiescent surface) voxels per field cell, and the marrow volume.
#[derive(Clone, Copy)]
pub struct Populations<'a> {
    /// Osteoclasts.
    pub osteoclasts: &'a Osteoclasts,
    /// Osteoblasts.
    pub osteoblasts: &'a Osteoblasts,
    /// T-cells.
    pub tcells: &'a TCells,
    /// The osteoclast-precursor pool.
    pub pool: &'a PrecursorPool,
    /// Open remodeling sites.
    pub bmus: &'a Bmus,
    /// Lining voxels per field cell ([`super::Surface::lining`]).
    pub lining: &'a [u32],
    /// Marrow volume, mm^3 (sets the T-cells' target).
    pub marrow_mm3: f64,
}

/// Every population's intents for one step, each in its population's order.
#[derive(Clone, Debug, PartialEq)]
pub struct StepIntents {
    /// One per osteoclast, in id order.
    pub oc: Vec<OcIntent>,
    /// One per osteoblast, in id order.
    pub ob: Vec<ObIntent>,
    /// One per T-cell, in id order.
    pub tc: Vec<TcIntent>,
    /// Recruits to resorbing sites and new sites.
    pub fusions: Fusions,
    /// One per site past resorption, in site order.
    pub sites: Vec<SiteIntent>,
}

/// Every population's intents for this step (see the module documentation).
pub fn decide(view: &View<'_>, p: &Populations<'_>) -> StepIntents {
    let target = tcell::target(view.rules, p.marrow_mm3, view.exposure);
    // The T-cells are most of the work; the rest runs beside them.
    let (tc, ((oc, ob), (fusions, sites))) = rayon::join(
        || p.tcells.decide(view, target),
        || {
            rayon::join(
                || rayon::join(|| p.osteoclasts.decide(view), || p.osteoblasts.decide(view)),
                || {
                    rayon::join(
                        || p.pool.decide(view, p.lining, p.osteoclasts, p.bmus),
                        || p.bmus.decide(view),
                    )
                },
            )
        },
    );
    StepIntents {
        oc,
        ob,
        tc,
        fusions,
        sites,
    }
}
