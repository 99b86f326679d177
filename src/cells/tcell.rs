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
        debug_assert_eq!(intents.len(), self.len());
        // One pass: the survivors move down over the dead, taking their new state.
        let mut daughters = Vec::new();
        let mut kept = 0;
        for (i, intent) in intents.iter().enumerate() {
            if let Some(d) = intent.daughter {
                daughters.push(d);
            }
            if intent.dies {
                continue;
            }
            self.id[kept] = self.id[i];
            self.voxel[kept] = self.voxel[i];
            self.activated[kept] = intent.activated;
            self.birth_step[kept] = self.birth_step[i];
            kept += 1;
        }
        self.id.truncate(kept);
        self.voxel.truncate(kept);
        self.activated.truncate(kept);
        self.birth_step.truncate(kept);
        let n = daughters.len();
        self.id.reserve(n);
        self.voxel.reserve(n);
        self.activated.reserve(n);
        self.birth_step.reserve(n);
        for v in daughters {
            let id = ids.take();
            self.push(id, v, false, step);
        }
    }

    /// Every T-cell's intent for this step, in id order (computed in parallel), for a
    /// population tending to `target` cells.
    pub fn decide(&self, view: &View<'_>, target: f64) -> Vec<TcIntent> {
        let n = self.len().max(1) as f64;
        let chances = Chances::new(view.rules, target / n);
        self.id
            .par_iter()
            .zip(&self.voxel)
            .zip(&self.activated)
            .with_min_len(4096)
            .map(|((&id, &voxel), &activated)| decide_one(view, &chances, id, voxel, activated))
            .collect()
    }
}

/// The per-step probabilities every T-cell draws against (the same for all of them in
/// a step, so worked out once).
struct Chances {
    /// Death within the step.
    dies: f64,
    /// Division within the step.
    divides: f64,
    /// A resting cell activating.
    activates: f64,
    /// An activated cell resting again.
    deactivates: f64,
}

impl Chances {
    /// The chances of a step for a population at `target_ratio` = target / N.
    fn new(rules: &Rules, target_ratio: f64) -> Self {
        let c = &rules.cells.tcell.params;
        let turnover = 1.0 / c.lifespan_days;
        Self {
            dies: rules.chance(turnover),
            divides: rules.chance(turnover * target_ratio.min(5.0)),
            activates: rules.chance(c.activation_per_day),
            deactivates: rules.chance(c.deactivation_per_day),
        }
    }
}

/// The intent of T-cell `id` at `voxel`, `activated` or resting.
#[inline]
fn decide_one(view: &View<'_>, p: &Chances, id: u64, voxel: u32, activated: bool) -> TcIntent {
    let mut stream = view.stream(id, Purpose::Death);
    let dies = stream.chance(p.dies);
    let divides = stream.chance(p.divides);
    let daughter = if divides && !dies {
        Some(daughter_voxel(view, voxel as usize, &mut stream) as u32)
    } else {
        None
    };
    let activated = if activated {
        !stream.chance(p.deactivates)
    } else {
        stream.chance(p.activates)
    };
    TcIntent {
        dies,
        daughter,
        activated,
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
    let mut around = [0usize; 26];
    let mut n = 0;
    for q in neighbours::all26(view.lattice.dims, v).iter() {
        if !view.is_bone(q) {
            around[n] = q;
            n += 1;
        }
    }
    if n == 0 {
        v
    } else {
        around[stream.below(n as u64) as usize]
    }
}
