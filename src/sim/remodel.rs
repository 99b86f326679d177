//! Applying resorption and formation to the lattice, one intent at a time, in id order.
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
//!
//! Also here: mineralization of new bone, and closing a finished site.

use crate::cells::bmu::{Bmu, BmuRecord};
use crate::cells::osteoclast::cavity_layer;
use crate::cells::topology::{TopologyEvent, TopologyKind};
use crate::cells::Rules;
use crate::lattice::memory::{flags, NO_DIRECTION};
use crate::morphometry::{neighbourhood_at, topological_numbers_bits, RemovalKind};

use super::clock::Clock;
use super::mechanics::CutGuard;
use super::pieces;
use super::world::World;

/// Bone fraction below which a voxel is set to exactly 0.
const EMPTY: f32 = 1e-6;
/// Where a refused refill stops: just below the bone threshold.
const BELOW_THRESHOLD: f32 = 0.4999;
/// Where a held resorption stops: just above the bone threshold.
const ABOVE_THRESHOLD: f32 = 0.5001;
/// A marrow region around a refilled voxel smaller than this (voxels) would be walled
/// into the bone; a larger one is open marrow (the refill closes a hole in a plate).
const POCKET_VOXELS: usize = 4096;
/// Bone fragments of fewer voxels than this, cut off by a resorption, are resorbed
/// with it: they lie within the resorption lacuna of the osteoclast that cut them
/// (8 voxels of 20 um are 64,000 um^3, a few days of one osteoclast's work).
const FRAGMENT_VOXELS: usize = 9;
/// Marrow pockets of at most this many voxels, walled in by a refill, are filled with
/// it (the osteoid closes over them); larger ones make the refill wait.
const SMALL_POCKET_VOXELS: usize = 8;

/// What a step's resorption needs besides the world: the step, the strut guard and
/// the log of topology events.
pub struct StepLog<'a> {
    /// The step.
    pub step: u64,
    /// The strut guard of the step.
    pub guard: CutGuard,
    /// Topology events, appended in order.
    pub events: &'a mut Vec<TopologyEvent>,
}

/// Site `site` resorbs up to `amount` of voxel `j`'s bone fraction.
pub fn resorb(
    world: &mut World,
    rules: &Rules,
    site: u32,
    j: usize,
    amount: f32,
    log: &mut StepLog<'_>,
) {
    let (step, guard) = (log.step, log.guard);
    let events = &mut *log.events;
    let before = world.lattice.bone_fraction[j];
    if world.mask.data[j] != 0
        && world.memory.has(j, flags::DEFERRED)
        && world.memory.site[j] == site
    {
        // Held by this site's strain guard: it does not cut here.
        return;
    }
    let take = amount.min(before);
    if take <= 0.0 {
        return;
    }
    if world.memory.site[j] != site {
        let (layer, up) = cavity_layer(&world.mask, &world.memory, j);
        let layer = if layer == u8::MAX { 1 } else { layer };
        let m = &mut world.memory;
        if m.site[j] == 0 {
            m.refill_target[j] = before;
            if layer == 1 {
                world.totals.activated_voxels += 1;
            }
        }
        m.site[j] = site;
        m.depth[j] = layer;
        m.up[j] = up;
        m.set(j, flags::VISITED | flags::BLOCKED | flags::DEFERRED, false);
        if let Some(b) = world.bmus.get_mut(site) {
            b.voxels.push(j as u32);
        }
        world.surface.refresh(&world.mask, &mut world.memory, j);
    }
    let mut after = before - take;
    if after < EMPTY {
        after = 0.0;
    }
    let mut kind = RemovalKind::Simple;
    if World::is_bone_fraction(before) && !World::is_bone_fraction(after) {
        let (x, y, z) = world.lattice.dims.coords(j);
        kind = topological_numbers_bits(neighbourhood_at(&world.mask, x, y, z)).removal_kind();
        let cut = matches!(
            kind,
            RemovalKind::Disconnection | RemovalKind::DisconnectionAndPerforation
        );
        if cut && !world.memory.has(j, flags::UNLOADED) && guard.holds(site, j) {
            // A loaded strut's last neck: resorption stops just above the threshold.
            world.memory.set(j, flags::DEFERRED, true);
            after = ABOVE_THRESHOLD.min(before);
            kind = RemovalKind::Simple;
        }
    }
    set_resorbed(world, rules, site, j, after);
    if World::is_bone_fraction(before) && !World::is_bone_fraction(after) {
        let (x, y, z) = world.lattice.dims.coords(j);
        if let Some(kind) = TopologyKind::of_removal(kind) {
            // The voxel that cut a strut is never refilled: nothing bridges it.
            if kind.cuts() {
                world.memory.set(j, flags::BLOCKED, true);
            }
            world.totals.topology_events.add(kind);
            events.push(TopologyEvent {
                step,
                voxel: [x, y, z],
                kind,
                site,
            });
        }
        world.mask.data[j] = 0;
        world
            .surface
            .mask_changed(&world.mask, &mut world.memory, j);
        if matches!(
            kind,
            RemovalKind::Disconnection | RemovalKind::DisconnectionAndPerforation
        ) {
            for piece in pieces::detached_fragments(&world.mask, j, FRAGMENT_VOXELS) {
                let (x, y, z) = world.lattice.dims.coords(piece[0]);
                world
                    .totals
                    .topology_events
                    .add(TopologyKind::FragmentVanished);
                events.push(TopologyEvent {
                    step,
                    voxel: [x, y, z],
                    kind: TopologyKind::FragmentVanished,
                    site,
                });
                for u in piece {
                    remove_fragment_voxel(world, rules, site, u);
                }
            }
        }
    }
}

/// Lowers voxel `j`'s bone fraction to `after` and books the bone resorbed by site
/// `site`: the running sums, the TGF-beta release of its field cell, the site's tally.
fn set_resorbed(world: &mut World, rules: &Rules, site: u32, j: usize, after: f32) {
    let removed = f64::from(world.lattice.bone_fraction[j] - after);
    world.lattice.bone_fraction[j] = after;
    world.bone_sum -= removed;
    let um3 = removed * rules.voxel_um3();
    world.totals.resorbed_um3 += um3;
    let cell = world.signals.cell_of(world.lattice.dims, j);
    world.resorbed_per_cell_um3[cell] += um3;
    if let Some(b) = world.bmus.get_mut(site) {
        b.resorbed_um3 += um3;
    }
}

/// Clears voxel `v`'s cavity memory: it belongs to no site and owes no refill.
fn leave_cavity(m: &mut crate::lattice::VoxelMemory, v: usize) {
    m.site[v] = 0;
    m.depth[v] = 0;
    m.up[v] = NO_DIRECTION;
    m.refill_target[v] = 0.0;
    m.set(v, flags::VISITED | flags::BLOCKED | flags::DEFERRED, false);
}

/// Resorbs bone voxel `u` of a fragment cut off by site `site` whole: it leaves the
/// cavity memory of any site and is never refilled.
fn remove_fragment_voxel(world: &mut World, rules: &Rules, site: u32, u: usize) {
    set_resorbed(world, rules, site, u, 0.0);
    leave_cavity(&mut world.memory, u);
    world.mask.data[u] = 0;
    world
        .surface
        .mask_changed(&world.mask, &mut world.memory, u);
}

/// Site `site` deposits up to `amount` of bone fraction into voxel `v` (capped at its
/// refill target); returns the volume added, um^3.
pub fn deposit(
    world: &mut World,
    rules: &Rules,
    site: u32,
    v: usize,
    amount: f32,
    step: u64,
) -> f64 {
    let before = world.lattice.bone_fraction[v];
    let target = world.memory.refill_target[v];
    let mut add = amount.min((target - before).max(0.0));
    if add <= 0.0 || world.memory.site[v] != site || world.memory.has(v, flags::BLOCKED) {
        return 0.0;
    }
    let mut flips = false;
    if !World::is_bone_fraction(before) && World::is_bone_fraction(before + add) {
        let (x, y, z) = world.lattice.dims.coords(v);
        let numbers = topological_numbers_bits(neighbourhood_at(&world.mask, x, y, z));
        let pockets = if numbers.t6_marrow >= 2 {
            pieces::enclosed_pockets(&world.mask, v, POCKET_VOXELS)
        } else {
            Vec::new()
        };
        let small = pockets.iter().map(Vec::len).sum::<usize>() <= SMALL_POCKET_VOXELS;
        if numbers.t26_bone >= 2 || !small {
            // Would join bone that is separate around it (a bridge) or wall in a
            // large marrow pocket: wait below the threshold until the cavity around
            // it is refilled further; a true bridge never becomes possible.
            world.totals.deferred_refills += 1;
            world.memory.set(v, flags::DEFERRED, true);
            add = (BELOW_THRESHOLD - before).max(0.0);
        } else {
            flips = true;
            // A few voxels of marrow walled in by this refill are filled with it: the
            // osteoid closes over them.
            for u in pockets.into_iter().flatten() {
                fill_pocket_voxel(world, rules, site, u, step);
            }
        }
    }
    if add <= 0.0 {
        return 0.0;
    }
    let after = before + add;
    world.lattice.bone_fraction[v] = after;
    let m = &mut world.memory;
    m.mineral_fraction[v] = m.mineral_fraction[v] * before / after;
    if !m.has(v, flags::MINERALIZING) {
        m.set(v, flags::MINERALIZING, true);
        m.osteoid_steps[v] = 0;
        world.mineralizing.push(v as u32);
    }
    world.bone_sum += f64::from(add);
    let um3 = f64::from(add) * rules.voxel_um3();
    world.totals.formed_um3 += um3;
    if let Some(b) = world.bmus.get_mut(site) {
        b.formed_um3 += um3;
        b.last_formation_step = Some(step);
    }
    if flips {
        world.mask.data[v] = 1;
        world
            .surface
            .mask_changed(&world.mask, &mut world.memory, v);
    }
    um3
}

/// Fills marrow voxel `u`, walled in by a refill of site `site`, to bone (fraction 1).
fn fill_pocket_voxel(world: &mut World, rules: &Rules, site: u32, u: usize, step: u64) {
    let before = world.lattice.bone_fraction[u];
    let add = 1.0 - before;
    world.lattice.bone_fraction[u] = 1.0;
    let m = &mut world.memory;
    m.mineral_fraction[u] *= before;
    m.set(u, flags::BLOCKED | flags::DEFERRED, false);
    if !m.has(u, flags::MINERALIZING) {
        m.set(u, flags::MINERALIZING, true);
        m.osteoid_steps[u] = 0;
        world.mineralizing.push(u as u32);
    }
    if m.site[u] == site {
        m.refill_target[u] = m.refill_target[u].max(1.0);
    }
    world.bone_sum += f64::from(add);
    let um3 = f64::from(add) * rules.voxel_um3();
    world.totals.formed_um3 += um3;
    if let Some(b) = world.bmus.get_mut(site) {
        b.formed_um3 += um3;
        b.last_formation_step = Some(step);
    }
    world.mask.data[u] = 1;
    world
        .surface
        .mask_changed(&world.mask, &mut world.memory, u);
}

/// One step of mineralization of new bone (Martinez-Reina & Pivonka, Bone 2019):
/// nothing during the lag, then a linear primary phase to the primary fraction, then a
/// first-order secondary phase towards the maximum. Voxels within 0.1% of the maximum
/// leave the list.
pub fn mineralize(world: &mut World, rules: &Rules, clock: &Clock) {
    let c = &rules.cells.mineral;
    let dt = rules.dt_days;
    let lag_steps = (c.lag_days * clock.steps_per_day as f64).round() as u32;
    let primary_rate = c.primary_fraction / c.primary_days;
    let (max, primary) = (c.max_fraction, c.primary_fraction);
    let m = &mut world.memory;
    world.mineralizing.retain(|&v| {
        let v = v as usize;
        let age = u32::from(m.osteoid_steps[v]);
        m.osteoid_steps[v] = m.osteoid_steps[v].saturating_add(1);
        if age < lag_steps {
            return true;
        }
        let x = f64::from(m.mineral_fraction[v]);
        // Compared at the stored (f32) precision: a voxel that reached the primary
        // fraction moves on to the secondary phase.
        let next = if x < f64::from(primary as f32) {
            (x + primary_rate * dt).min(primary)
        } else {
            x + c.secondary_per_day * (max - x) * dt
        };
        m.mineral_fraction[v] = next as f32;
        let done = next >= max * 0.999;
        if done {
            m.set(v, flags::MINERALIZING, false);
        }
        !done
    });
}

/// Closes site `b`: clears its cavity memory and returns its record.
pub fn close_site(
    world: &mut World,
    rules: &Rules,
    clock: &Clock,
    b: &Bmu,
    step: u64,
) -> BmuRecord {
    let mut voxels: Vec<u32> = b.voxels.clone();
    voxels.sort_unstable();
    voxels.dedup();
    let mut first_layer = 0u64;
    let mut blocked = 0.0f64;
    for &v in &voxels {
        let v = v as usize;
        if world.memory.site[v] != b.id {
            continue;
        }
        if world.memory.depth[v] == 1 {
            first_layer += 1;
        }
        if world.memory.has(v, flags::BLOCKED) {
            let owed = world.memory.refill_target[v] - world.lattice.bone_fraction[v];
            blocked += f64::from(owed.max(0.0)) * rules.voxel_um3();
        }
        leave_cavity(&mut world.memory, v);
        world.surface.refresh(&world.mask, &mut world.memory, v);
    }
    let face_um2 = rules.voxel_um * rules.voxel_um;
    let footprint = first_layer as f64 * face_um2;
    let per_area = |v: f64| if footprint > 0.0 { v / footprint } else { 0.0 };
    let day = |s: u64| clock.day_at(s);
    let resorption_end = b.resorption_end_step.unwrap_or(step);
    let (reversal, formation) = match b.formation_start_step {
        Some(f) => (
            day(f) - day(resorption_end),
            day(b.last_formation_step.unwrap_or(f)) - day(f),
        ),
        None => (f64::NAN, f64::NAN),
    };
    let (x, y, z) = world.lattice.dims.coords(b.origin as usize);
    BmuRecord {
        day: day(step),
        id: b.id,
        origin: [x, y, z],
        start_day: day(b.start_step),
        resorption_days: day(resorption_end) - day(b.start_step),
        reversal_days: reversal,
        formation_days: formation,
        resorbed_um3: b.resorbed_um3,
        formed_um3: b.formed_um3,
        footprint_um2: footprint,
        erosion_depth_um: per_area(b.resorbed_um3),
        wall_thickness_um: per_area(b.formed_um3),
        blocked_um3: blocked,
        osteoclasts: b.osteoclasts_total,
        osteoblasts: b.osteoblasts_total,
    }
}
