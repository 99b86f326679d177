//! Marrow T-cells: a population that expands when estrogen is low and, when
//! activated, secretes RANKL and TNF-alpha.
//!
//! Rules (docs/MODEL.md, Submodels: T-cells; parameters in
//! [`crate::config::cells::TCellParams`]):
//!
//! - **Expand.** The population tends to `density * marrow volume * (1 + g d)`: each
//!   T-cell dies at `1/lifespan` per day and divides at `(1/lifespan) * target / N`
//!   (capped at 5x), so estrogen loss raises the number of cells, not what each cell
//!   secretes (Roggia, PNAS 2001; Cenci, JCI 2000). A daughter takes a marrow voxel
//!   next to its mother.
//! - **Activate.** Resting cells activate at `activation_per_day`, activated ones rest
//!   again at `deactivation_per_day`; only activated cells secrete.
//!
//! A run starts with its target number on marrow voxels drawn uniformly, a third of
//! them activated ([`TCells::seed`]). The intents are applied in id order
//! ([`TCells::apply`]): switches, deaths, then the daughters (resting) in their
//! mothers' order.
//!
//! # Stochasticity
//! One stream per T-cell and step ([`Purpose::Death`]): death, division, the
//! daughter's voxel, then the activation switch. Seeding: one stream for the run
//! ([`Purpose::Setup`], step 0, id 0): for each try a voxel, then for each placed
//! cell whether it starts activated.

use rayon::prelude::*;

use super::osteoclast::retain_by;
use super::{CellIds, Rules, View};
use crate::grid::neighbours;
use crate::grid::BoneMask;
use crate::pharmacology::Exposure;
use crate::random::{Purpose, StreamKey};

/// T-cells, struct of arrays sorted by id.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TCells {
    /// Stable id.
    pub id: Vec<u64>,
    /// Marrow voxel (linear index).
    pub voxel: Vec<u32>,
    /// Activated (secreting) or resting.
    pub activated: Vec<bool>,
    /// Step of birth.
    pub birth_step: Vec<u64>,
}

/// What one T-cell does this step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TcIntent {
    /// Dies.
    pub dies: bool,
    /// Divides; the daughter goes to this voxel (resting).
    pub daughter: Option<u32>,
    /// Activated after this step.
    pub activated: bool,
}

impl TCells {
    /// Number of T-cells.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// Activated T-cells.
    pub fn activated_count(&self) -> usize {
        self.activated.iter().filter(|&&a| a).count()
    }

    /// Appends a T-cell (ids must increase).
    pub fn push(&mut self, id: u64, voxel: u32, activated: bool, step: u64) {
        debug_assert!(self.id.last().is_none_or(|&last| last < id));
        self.id.push(id);
        self.voxel.push(voxel);
        self.activated.push(activated);
        self.birth_step.push(step);
    }

    /// Keeps the T-cells for which `keep[i]` is true, in order.
    pub fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.id, keep);
        retain_by(&mut self.voxel, keep);
        retain_by(&mut self.activated, keep);
        retain_by(&mut self.birth_step, keep);
    }

    /// Places the initial T-cells: `count` on marrow voxels of `mask` drawn uniformly
    /// from the stream of run seed `seed`.
    pub fn seed(&mut self, count: usize, seed: u64, mask: &BoneMask, ids: &mut CellIds) {
        let n = mask.dims.len() as u64;
        let mut stream = StreamKey::new(seed, 0, 0, Purpose::Setup).stream();
        let mut placed = 0;
        let mut tries = 0;
        while placed < count && tries < 100 * count + 1000 {
            tries += 1;
            let v = stream.below(n) as usize;
            if mask.data[v] != 0 {
                continue;
            }
            let id = ids.take();
            let activated = stream.uniform() < 1.0 / 3.0;
            self.push(id, v as u32, activated, 0);
            placed += 1;
        }
    }

    /// Applies this step's `intents` (from [`Self::decide`]) in id order: switches,
    /// deaths, then the daughters in their mothers' order, born resting at `step`.
    pub fn apply(&mut self, intents: &[TcIntent], ids: &mut CellIds, step: u64) {
        let mut daughters = Vec::new();
        for (i, intent) in intents.iter().enumerate() {
            self.activated[i] = intent.activated;
            if let Some(d) = intent.daughter {
                daughters.push(d);
            }
        }
        let keep: Vec<bool> = intents.iter().map(|i| !i.dies).collect();
        self.retain(&keep);
        for v in daughters {
            let id = ids.take();
            self.push(id, v, false, step);
        }
    }

    /// Every T-cell's intent for this step, in id order (computed in parallel), for a
    /// population tending to `target` cells.
    pub fn decide(&self, view: &View<'_>, target: f64) -> Vec<TcIntent> {
        let n = self.len().max(1) as f64;
        (0..self.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| self.decide_one(i, view, target / n))
            .collect()
    }

    fn decide_one(&self, i: usize, view: &View<'_>, target_ratio: f64) -> TcIntent {
        let rules = view.rules;
        let c = &rules.cells.tcell.params;
        let mut stream = view.stream(self.id[i], Purpose::Death);
        let turnover = 1.0 / c.lifespan_days;
        let dies = stream.chance(rules.chance(turnover));
        let divides = stream.chance(rules.chance(turnover * target_ratio.min(5.0)));
        let daughter = if divides && !dies {
            Some(daughter_voxel(view, self.voxel[i] as usize, &mut stream) as u32)
        } else {
            None
        };
        let activated = if self.activated[i] {
            !stream.chance(rules.chance(c.deactivation_per_day))
        } else {
            stream.chance(rules.chance(c.activation_per_day))
        };
        TcIntent {
            dies,
            daughter,
            activated,
        }
    }
}

/// The T-cell population the marrow tends to under `exposure`, for `marrow_mm3` of
/// marrow.
pub fn target(rules: &Rules, marrow_mm3: f64, exposure: &Exposure) -> f64 {
    let t = &rules.cells.tcell;
    if !t.enabled {
        return 0.0;
    }
    t.params.density_per_mm3 * marrow_mm3 * exposure.estrogen_factor(t.params.expansion_gain)
}

/// A marrow voxel next to `v` (or `v` itself when none is free of bone).
fn daughter_voxel(view: &View<'_>, v: usize, stream: &mut crate::random::Stream) -> usize {
    let around: Vec<usize> = neighbours::all26(view.lattice.dims, v)
        .iter()
        .filter(|&q| !view.is_bone(q))
        .collect();
    if around.is_empty() {
        v
    } else {
        around[stream.below(around.len() as u64) as usize]
    }
}
