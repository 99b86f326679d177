//! Osteoclasts: multinucleated cells that resorb bone next to them, move along the
//! surface, and die by apoptosis.
//!
//! Rules (docs/MODEL.md, Submodels: osteoclasts; parameters in
//! [`crate::config::cells::OsteoclastConfig`]):
//!
//! - **Resorb.** An osteoclast sits in a marrow voxel and resorbs `rate * nuclei * dt`
//!   um^3 per step from the bone voxels across its faces, deepest first. It resorbs
//!   a bone voxel only down to the pit depth: the voxel's erosion layer below the
//!   surface on which its cavity started ([`cavity_layer`]) must not exceed
//!   `max_pit_depth_um / voxel_um`. How much of the cavity reaches that depth, and
//!   how wide it grows, depends on how long its team keeps resorbing.
//! - **Move.** When nothing is left to resorb where it sits, it moves (up to three times
//!   a step while its resorption budget lasts) to one of its 26
//!   neighbours that is marrow with resorbable bone across a face, chosen with weight
//!   = the amount of such bone times the square of its layer (pits are deepened before
//!   they spread), doubled inside its own site's cavity (a team works one cavity);
//!   failing that it wanders to a neighbouring surface voxel.
//! - **Die.** Apoptosis at `a0 * (1 + s/2) / (1 + s R) / (1 + g d)` per day, with `R`
//!   the RANKL term at its voxel (RANKL supports survival) and `d` the estrogen
//!   deficiency (estrogen raises the rate: Manolagas, Endocr Rev 2000), times the
//!   factor of its bisphosphonate load ([`crate::pharmacology::bone_drug`]).
//!
//! The intents are applied in id order ([`Osteoclasts::apply`]): each living
//! osteoclast resorbs through the bone handle (taking up the bisphosphonate its
//! resorption releases) and moves if its target is still marrow; then the dying leave
//! their sites, the last one ending its site's resorption. New osteoclasts are fused
//! from the precursor pool ([`super::precursor`]).
//!
//! # Stochasticity
//! One stream per osteoclast and step ([`Purpose::Remodel`]): first the apoptosis
//! draw, then the move draw.

use rayon::prelude::*;

use super::bone::Bone;
use super::cavity::cavity_layer;
use super::mechanics::{is_unloaded, CutGuard};
use super::{weighted_pick, View};
use crate::grid::neighbours;
use crate::random::Purpose;

/// Moves an osteoclast may make in one step while it has resorption budget left (it
/// resorbs, moves on and resorbs again within the step, as a cell does within a day).
const MAX_HOPS: usize = 3;

/// Osteoclasts, struct of arrays sorted by id.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Osteoclasts {
    /// Stable id.
    pub id: Vec<u64>,
    /// Marrow voxel the cell sits in (linear index).
    pub voxel: Vec<u32>,
    /// Nuclei.
    pub nuclei: Vec<u16>,
    /// Step of fusion.
    pub birth_step: Vec<u64>,
    /// Remodeling site (BMU) id.
    pub site: Vec<u32>,
    /// Bisphosphonate taken up, fmol.
    pub drug_load: Vec<f32>,
}

/// What one osteoclast does this step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OcIntent {
    /// Voxels to resorb and the bone fraction to take from each, in order.
    pub resorb: Vec<(u32, f32)>,
    /// Voxel to move to after resorbing.
    pub move_to: Option<u32>,
    /// Dies by apoptosis (before resorbing).
    pub dies: bool,
}

impl Osteoclasts {
    /// Number of osteoclasts.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// Total nuclei.
    pub fn total_nuclei(&self) -> u64 {
        self.nuclei.iter().map(|&n| u64::from(n)).sum()
    }

    /// Appends an osteoclast (ids must increase).
    pub fn push(&mut self, id: u64, voxel: u32, nuclei: u16, step: u64, site: u32) {
        debug_assert!(self.id.last().is_none_or(|&last| last < id));
        self.id.push(id);
        self.voxel.push(voxel);
        self.nuclei.push(nuclei);
        self.birth_step.push(step);
        self.site.push(site);
        self.drug_load.push(0.0);
    }

    /// Keeps the osteoclasts for which `keep[i]` is true, in order.
    pub fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.id, keep);
        retain_by(&mut self.voxel, keep);
        retain_by(&mut self.nuclei, keep);
        retain_by(&mut self.birth_step, keep);
        retain_by(&mut self.site, keep);
        retain_by(&mut self.drug_load, keep);
    }

    /// Every osteoclast's intent for this step, in id order (computed in parallel).
    pub fn decide(&self, view: &View<'_>) -> Vec<OcIntent> {
        (0..self.len())
            .into_par_iter()
            .with_min_len(16)
            .map(|i| self.decide_one(i, view))
            .collect()
    }

    /// Applies this step's `intents` (from [`Self::decide`]) in id order: the living
    /// resorb through `bone` (held back at loaded struts by `guard`), take up the drug
    /// released and move; then the dying leave their sites and the population.
    pub fn apply(&mut self, intents: &[OcIntent], bone: &mut Bone<'_>, guard: &CutGuard) {
        for (i, intent) in intents.iter().enumerate() {
            if intent.dies {
                continue;
            }
            let site = self.site[i];
            for &(j, amount) in &intent.resorb {
                let released_fmol = bone.resorb(site, j as usize, amount, guard);
                if released_fmol > 0.0 {
                    self.drug_load[i] += released_fmol as f32;
                }
            }
            if let Some(q) = intent.move_to {
                if !bone.is_bone(q as usize) {
                    self.voxel[i] = q;
                }
            }
        }
        let step = bone.step();
        let keep: Vec<bool> = intents.iter().map(|i| !i.dies).collect();
        for (i, intent) in intents.iter().enumerate() {
            if intent.dies {
                if let Some(b) = bone.site_mut(self.site[i]) {
                    b.osteoclasts_alive -= 1;
                    if b.osteoclasts_alive == 0 {
                        b.resorption_end_step = Some(step);
                    }
                }
            }
        }
        self.retain(&keep);
    }

    fn decide_one(&self, i: usize, view: &View<'_>) -> OcIntent {
        let rules = view.rules;
        let c = &rules.cells;
        let p = self.voxel[i] as usize;
        let mut stream = view.stream(self.id[i], Purpose::Remodel);
        let cell = view.cell_of(p);
        let rankl = view.signals.rankl_term(cell, &c.precursor);
        let s = c.osteoclast.rankl_survival_gain;
        let apoptosis = c.osteoclast.apoptosis_per_day * (1.0 + 0.5 * s)
            / (1.0 + s * rankl)
            / view
                .exposure
                .estrogen_factor(c.osteoclast.estrogen_apoptosis_gain)
            * view
                .exposure
                .osteoclast_drug_factor(f64::from(self.drug_load[i]));
        if stream.chance(rules.chance(apoptosis)) {
            return OcIntent {
                dies: true,
                ..OcIntent::default()
            };
        }
        let mut intent = OcIntent::default();
        let mut budget = c.osteoclast.resorption_um3_per_day_per_nucleus
            * f64::from(self.nuclei[i])
            * rules.dt_days
            / rules.voxel_um3();
        let mut at = p;
        for _ in 0..MAX_HOPS {
            if !view.is_bone(at) {
                // Deepest first: an osteoclast digs its pit to the pit depth, then widens it.
                let mut targets = resorbable(view, at);
                // (The keys are distinct, so the order is that of a stable sort.)
                targets
                    .as_mut_slice()
                    .sort_unstable_by_key(|&(j, layer)| (std::cmp::Reverse(layer), j));
                for &(j, _) in targets.as_slice() {
                    if budget <= 0.0 {
                        break;
                    }
                    let planned: f64 = intent
                        .resorb
                        .iter()
                        .filter(|&&(k, _)| k as usize == j)
                        .map(|&(_, a)| f64::from(a))
                        .sum();
                    let left = f64::from(view.lattice.bone_fraction[j]) - planned;
                    let take = budget.min(left);
                    if take > 0.0 {
                        intent.resorb.push((j as u32, take as f32));
                        budget -= take;
                    }
                }
            }
            if budget <= 0.0 {
                break;
            }
            match choose_move(view, at, self.site[i], &mut stream) {
                Some(q) => at = q,
                None => break,
            }
        }
        if at != p {
            intent.move_to = Some(at as u32);
        }
        intent
    }
}

/// Up to six bone voxels with their erosion layers (what [`resorbable`] finds), held
/// on the stack: the decide stage asks for them at every voxel an osteoclast
/// considers.
#[derive(Clone, Copy, Debug, Default)]
pub struct Targets {
    items: [(usize, u8); 6],
    len: usize,
}

impl Targets {
    fn push(&mut self, item: (usize, u8)) {
        self.items[self.len] = item;
        self.len += 1;
    }

    /// The voxels with their layers, in face order.
    pub fn as_slice(&self) -> &[(usize, u8)] {
        &self.items[..self.len]
    }

    /// The same, to reorder.
    pub fn as_mut_slice(&mut self) -> &mut [(usize, u8)] {
        &mut self.items[..self.len]
    }
}

/// Bone voxels across the faces of marrow voxel `p` that an osteoclast there may
/// resorb, with their erosion layer, in face order: not below the pit depth (unloaded
/// bone has none), not held by the strut guard ([`super::mechanics`]), and not under
/// bone (the voxel towards the cavity's surface must already be marrow: cavities are
/// open pits with walls, never undercut).
pub fn resorbable(view: &View<'_>, p: usize) -> Targets {
    let dims = view.lattice.dims;
    let mut out = Targets::default();
    for j in neighbours::face(dims, p).iter() {
        let any_bone = view.lattice.bone_fraction[j] > 0.0;
        if !any_bone {
            continue;
        }
        // A strut neck held by the strut guard, until its site closes.
        if view.is_bone(j) && view.memory.has(j, crate::lattice::memory::flags::DEFERRED) {
            continue;
        }
        let (layer, up) = cavity_layer(view.mask, view.memory, j);
        let open = neighbours::toward(dims, j, up).is_none_or(|a| !view.is_bone(a));
        let unloaded = is_unloaded(view.memory, j);
        if (layer <= view.rules.max_depth_layers || unloaded) && open {
            out.push((j, layer));
        }
    }
    out
}

/// Erosion layer of bone voxel `j` (see [`cavity_layer`]).
pub fn erosion_layer(view: &View<'_>, j: usize) -> u8 {
    cavity_layer(view.mask, view.memory, j).0
}

/// How attractive marrow voxel `q` is to an osteoclast: the resorbable bone next to it
/// (bone fraction), each voxel weighted by the square of its layer, so a team deepens
/// its pits before it spreads sideways.
fn dig_weight(view: &View<'_>, q: usize) -> f64 {
    resorbable(view, q)
        .as_slice()
        .iter()
        .map(|&(j, layer)| f64::from(view.lattice.bone_fraction[j]) * f64::from(layer).powi(2))
        .sum()
}

fn choose_move(
    view: &View<'_>,
    p: usize,
    site: u32,
    stream: &mut crate::random::Stream,
) -> Option<usize> {
    let dims = view.lattice.dims;
    // The marrow voxels among the 26 neighbours, in neighbour order, with weights.
    let mut candidates = [0usize; 26];
    let mut weights = [0.0f64; 26];
    let mut n = 0;
    for q in neighbours::all26(dims, p).iter() {
        if view.is_bone(q) {
            continue;
        }
        let own = if view.memory.site[q] == site {
            2.0
        } else {
            1.0
        };
        candidates[n] = q;
        weights[n] = own * dig_weight(view, q);
        n += 1;
    }
    let candidates = &candidates[..n];
    if let Some(k) = weighted_pick(stream, &weights[..n]) {
        return Some(candidates[k]);
    }
    let mut surface = [0.0f64; 26];
    for (w, &q) in surface.iter_mut().zip(candidates) {
        *w = f64::from(u8::from(view.supported(q)));
    }
    weighted_pick(stream, &surface[..n]).map(|k| candidates[k])
}

/// Keeps `v[i]` where `keep[i]`.
pub(crate) fn retain_by<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        let k = keep[i];
        i += 1;
        k
    });
}
