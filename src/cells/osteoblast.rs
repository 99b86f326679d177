//! Osteoblasts: recruited to reversal surfaces by the coupling signal, they refill the
//! cavity toward the pre-resorption surface at the mineral apposition rate, then
//! become lining cells or die.
//!
//! Rules (docs/MODEL.md, Submodels: osteoblasts; parameters in
//! [`crate::config::cells::OsteoblastConfig`]):
//!
//! - **Recruit** (per site, once its last osteoclast has died): every cavity voxel
//!   that can be filled now (see Move: the reversal surface on the cavity floor first,
//!   then each layer whose floor is done) and is free gains an osteoblast with rate
//!   `k * 2 T/(T + K_T) + k_team [team]` per day. `T` is the TGF-beta released by
//!   resorption (coupling), so `k` is the rate at half-saturating TGF-beta; `k_team`
//!   applies next to a voxel of the site an osteoblast has worked (the team spreads
//!   along the reversal surface). A voxel whose osteoblast died before it was full is
//!   taken over only by a living team member's neighbour (`k_team` alone). Both are
//!   times the drugs' recruitment factor (teriparatide, exemestane;
//!   [`crate::pharmacology`]). Each osteoblast gets a programmed active life drawn
//!   from a normal distribution.
//! - **Form.** An osteoblast deposits `MAR * dt` um of bone across one voxel face per
//!   step (`MAR / voxel_um` of the voxel's volume; MAR times the drugs' activity factor) into the voxel it sits in, up to
//!   the voxel's refill target, and only where bone exists to build on (the voxel
//!   itself or one across a face). Filling that would join separate bone or close a
//!   tunnel is refused by the bone handle (the voxel is then blocked): osteoblasts cannot
//!   bridge marrow, so a severed strut stays severed.
//! - **Move.** A cavity is refilled from its floor up: a voxel is filled only once no
//!   deeper voxel of its cavity across a face owes refill, so no marrow is walled in;
//!   an osteoblast on a voxel that must wait, waits. When its voxel is done it moves
//!   on to a shallower voxel across a face: each osteoblast builds a column of the
//!   wall from the reversal surface outwards (so the wall it can lay down is its active
//!   life times the apposition rate). When its column is done it becomes a lining cell
//!   (with probability `lining_fraction`) or dies.
//! - **Die.** Active life is used up at `1 + g d` days per day (estrogen prolongs
//!   osteoblast life). A voxel whose osteoblast dies before it is full, with no living
//!   osteoblast of its team beside it, is not recruited to again, and the wall above
//!   it cannot be built: refill stops short, a negative focal balance that grows when
//!   estrogen is low. A voxel whose refill was refused (it would bridge marrow) does
//!   not hold the wall above it back.
//!
//! The intents are applied in id order ([`Osteoblasts::apply`]): each active
//! osteoblast forms through the bone handle and moves if its next voxel is still
//! free; then the finished and the dead leave their voxels and sites. Recruits join
//! when their site applies its intent ([`super::bmu::apply`]).
//!
//! # Stochasticity
//! One stream per osteoblast and step ([`Purpose::Remodel`]) for the fate at the end; one stream per site and step ([`Purpose::Birth`]) for recruitment and
//! the programmed lives of the recruits, drawn in the site's voxel order.

use rayon::prelude::*;

use super::bmu::Bmu;
use super::bone::Bone;
use super::cavity::REFILL_EPS;
use super::mechanics::is_unloaded;
use super::osteoclast::retain_by;
use super::signals::hill;
use super::{normal, View};
use crate::grid::neighbours;
use crate::lattice::memory::flags;
use crate::random::Purpose;

/// Osteoblasts, struct of arrays sorted by id.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Osteoblasts {
    /// Stable id.
    pub id: Vec<u64>,
    /// Voxel the cell fills (linear index).
    pub voxel: Vec<u32>,
    /// Remodeling site (BMU) id.
    pub site: Vec<u32>,
    /// Step of recruitment.
    pub birth_step: Vec<u64>,
    /// Programmed active life, days.
    pub lifespan_days: Vec<f32>,
    /// Active life used so far, days.
    pub life_used_days: Vec<f32>,
    /// Bone laid down so far, um^3.
    pub formed_um3: Vec<f32>,
}

/// How an osteoblast's step ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObFate {
    /// Keeps working.
    Active,
    /// Dies by apoptosis.
    Apoptosis,
    /// Its refill is done; it becomes a lining cell.
    Lining,
}

/// What one osteoblast does this step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObIntent {
    /// Bone fraction to add to its voxel.
    pub deposit: f32,
    /// Voxel to move to.
    pub move_to: Option<u32>,
    /// Active life used after this step, days.
    pub life_used_days: f32,
    /// Fate.
    pub fate: ObFate,
}

impl Osteoblasts {
    /// Number of osteoblasts.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// Appends an osteoblast (ids must increase).
    pub fn push(&mut self, id: u64, voxel: u32, site: u32, step: u64, lifespan_days: f32) {
        debug_assert!(self.id.last().is_none_or(|&last| last < id));
        self.id.push(id);
        self.voxel.push(voxel);
        self.site.push(site);
        self.birth_step.push(step);
        self.lifespan_days.push(lifespan_days);
        self.life_used_days.push(0.0);
        self.formed_um3.push(0.0);
    }

    /// Keeps the osteoblasts for which `keep[i]` is true, in order.
    pub fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.id, keep);
        retain_by(&mut self.voxel, keep);
        retain_by(&mut self.site, keep);
        retain_by(&mut self.birth_step, keep);
        retain_by(&mut self.lifespan_days, keep);
        retain_by(&mut self.life_used_days, keep);
        retain_by(&mut self.formed_um3, keep);
    }

    /// Refill still owed at each osteoblast's voxel, um^3 (its remaining quota there).
    pub fn remaining_refill_um3(&self, view: &View<'_>, i: usize) -> f64 {
        let v = self.voxel[i] as usize;
        f64::from(owed(view, v, self.site[i])) * view.rules.voxel_um3()
    }

    /// Every osteoblast's intent for this step, in id order (computed in parallel).
    pub fn decide(&self, view: &View<'_>) -> Vec<ObIntent> {
        let rates = Rates::new(view);
        (0..self.len())
            .into_par_iter()
            .with_min_len(64)
            .map(|i| self.decide_one(i, view, &rates))
            .collect()
    }

    /// Applies this step's `intents` (from [`Self::decide`]) in id order: the active
    /// form through `bone` and move on to a free voxel; then those whose work ended
    /// (lining cells, apoptosis) leave their voxels, their sites and the population.
    pub fn apply(&mut self, intents: &[ObIntent], bone: &mut Bone<'_>) {
        for (i, intent) in intents.iter().enumerate() {
            self.life_used_days[i] = intent.life_used_days;
            if intent.fate != ObFate::Active {
                continue;
            }
            let v = self.voxel[i] as usize;
            let site = self.site[i];
            if intent.deposit > 0.0 {
                let um3 = bone.form(site, v, intent.deposit);
                self.formed_um3[i] += um3 as f32;
            }
            if let Some(u) = intent.move_to {
                let u = u as usize;
                if !bone.holds_osteoblast(u) {
                    bone.osteoblast_leaves(v);
                    bone.osteoblast_arrives(u);
                    self.voxel[i] = u as u32;
                }
            }
        }
        let keep: Vec<bool> = intents.iter().map(|i| i.fate == ObFate::Active).collect();
        for (i, intent) in intents.iter().enumerate() {
            if intent.fate != ObFate::Active {
                bone.osteoblast_leaves(self.voxel[i] as usize);
                if let Some(b) = bone.site_mut(self.site[i]) {
                    b.osteoblasts_alive -= 1;
                }
            }
        }
        self.retain(&keep);
    }

    fn decide_one(&self, i: usize, view: &View<'_>, rates: &Rates) -> ObIntent {
        let c = &view.rules.cells.osteoblast;
        let used = f64::from(self.life_used_days[i]) + rates.life_days;
        let mut intent = ObIntent {
            deposit: 0.0,
            move_to: None,
            life_used_days: used as f32,
            fate: ObFate::Active,
        };
        if used >= f64::from(self.lifespan_days[i]) {
            intent.fate = ObFate::Apoptosis;
            return intent;
        }
        let v = self.voxel[i] as usize;
        let site = self.site[i];
        if fillable(view, v, site) {
            let need = owed(view, v, site);
            intent.deposit = need.min(rates.deposit as f32);
            return intent;
        }
        if owed(view, v, site) > REFILL_EPS {
            // Its voxel still owes refill but the floor below is not done: wait.
            return intent;
        }
        let mut stream = view.stream(self.id[i], Purpose::Remodel);
        match next_voxel(view, v, site) {
            Some(u) => intent.move_to = Some(u as u32),
            None => {
                intent.fate = if stream.chance(c.lining_fraction) {
                    ObFate::Lining
                } else {
                    ObFate::Apoptosis
                };
            }
        }
        intent
    }
}

/// What every osteoblast uses up and lays down in a step (the same for all of them,
/// so worked out once).
struct Rates {
    /// Active life used, days.
    life_days: f64,
    /// Bone fraction deposited into a fillable voxel (before its cap).
    deposit: f64,
}

impl Rates {
    fn new(view: &View<'_>) -> Self {
        let rules = view.rules;
        let c = &rules.cells.osteoblast;
        Self {
            life_days: rules.dt_days * view.exposure.estrogen_factor(c.estrogen_lifespan_gain),
            deposit: c.apposition_um_per_day * rules.dt_days / rules.voxel_um
                * view.exposure.osteoblast_activity_factor,
        }
    }
}

/// See [`Cavities::owed`](super::cavity::Cavities::owed).
#[inline]
pub fn owed(view: &View<'_>, v: usize, site: u32) -> f32 {
    view.cavities().owed(v, site)
}

/// See [`Cavities::fillable`](super::cavity::Cavities::fillable).
#[inline]
pub fn fillable(view: &View<'_>, v: usize, site: u32) -> bool {
    view.cavities().fillable(v, site)
}

/// The next voxel for an osteoblast whose voxel `v` is done: a shallower voxel of its
/// site across a face that can be filled now and is free, first in face order (the
/// osteoblast builds its column of the wall outwards); none when its column is done.
fn next_voxel(view: &View<'_>, v: usize, site: u32) -> Option<usize> {
    let m = view.memory;
    neighbours::face(view.lattice.dims, v).iter().find(|&a| {
        m.site[a] == site
            && m.depth[a] < m.depth[v]
            && fillable(view, a, site)
            && !m.has(a, flags::OSTEOBLAST)
    })
}

/// See [`Cavities::recruitable`](super::cavity::Cavities::recruitable).
pub fn recruitable(view: &View<'_>, v: usize, site: u32) -> bool {
    view.cavities().recruitable(v, site)
}

/// The osteoblasts recruited to `bmu` this step: `(voxel, programmed life in days)`,
/// in the site's voxel order; and whether any voxel could still recruit.
pub fn recruit(bmu: &Bmu, view: &View<'_>) -> (Vec<(u32, f32)>, bool) {
    let rules = view.rules;
    let c = &rules.cells.osteoblast;
    let mut stream = view.stream(u64::from(bmu.id), Purpose::Birth);
    let mut out = Vec::new();
    let mut any = false;
    for &v in &bmu.voxels {
        let v = v as usize;
        if !recruitable(view, v, bmu.id) {
            continue;
        }
        any = true;
        let tgfb = f64::from(view.signals.tgfb_pm[view.cell_of(v)]);
        let cavities = view.cavities();
        let team = cavities.team_next_to(v, bmu.id, flags::VISITED | flags::OSTEOBLAST);
        let spread = if team {
            c.team_recruitment_per_day
        } else {
            0.0
        };
        // A voxel whose osteoblast died before it was full is taken over only by the
        // team around it, while it lives.
        let coupling = if view.memory.has(v, flags::VISITED) {
            0.0
        } else {
            c.recruitment_per_day * 2.0 * hill(tgfb, c.tgfb_half_pm)
        };
        let usage = if is_unloaded(view.memory, v) {
            rules.cells.mechanics.unloaded_formation_fraction
        } else {
            1.0
        };
        let rate = (coupling + spread) * usage * view.exposure.osteoblast_recruitment_factor;
        if stream.chance(rules.chance(rate)) {
            let mean = c.active_lifespan_days;
            let life = normal(&mut stream, mean, c.lifespan_cv * mean).max(1.0);
            out.push((v as u32, life as f32));
        }
    }
    (out, any)
}
