//! Formation through the bone handle: a site's osteoblast deposits bone fraction in a
//! cavity voxel, a refill that would bridge marrow or wall in a large pocket waits
//! below the threshold, small pockets are filled with it; and new bone mineralizes.

use super::{is_bone_fraction, pieces, Bone};
use crate::lattice::memory::flags;
use crate::morphometry::{neighbourhood_at, topological_numbers_bits};

/// Where a refused refill stops: just below the bone threshold.
const BELOW_THRESHOLD: f32 = 0.4999;
/// A marrow region around a refilled voxel smaller than this (voxels) would be walled
/// into the bone; a larger one is open marrow (the refill closes a hole in a plate).
const POCKET_VOXELS: usize = 4096;
/// Marrow pockets of at most this many voxels, walled in by a refill, are filled with
/// it (the osteoid closes over them); larger ones make the refill wait.
const SMALL_POCKET_VOXELS: usize = 8;

impl Bone<'_> {
    /// Site `site` deposits up to `amount` of bone fraction into voxel `v` (capped at
    /// its refill target); returns the volume added, um^3.
    pub fn form(&mut self, site: u32, v: usize, amount: f32) -> f64 {
        let step = self.step;
        let before = self.lattice.bone_fraction[v];
        let target = self.memory.refill_target[v];
        let mut add = amount.min((target - before).max(0.0));
        if add <= 0.0 || self.memory.site[v] != site || self.memory.has(v, flags::BLOCKED) {
            return 0.0;
        }
        let mut flips = false;
        if !is_bone_fraction(before) && is_bone_fraction(before + add) {
            let (x, y, z) = self.lattice.dims.coords(v);
            let numbers = topological_numbers_bits(neighbourhood_at(self.mask, x, y, z));
            let pockets = if numbers.t6_marrow >= 2 {
                pieces::enclosed_pockets(self.mask, v, POCKET_VOXELS)
            } else {
                Vec::new()
            };
            let small = pockets.iter().map(Vec::len).sum::<usize>() <= SMALL_POCKET_VOXELS;
            if numbers.t26_bone >= 2 || !small {
                // Would join bone that is separate around it (a bridge) or wall in a
                // large marrow pocket: wait below the threshold until the cavity around
                // it is refilled further; a true bridge never becomes possible.
                self.totals.deferred_refills += 1;
                self.memory.set(v, flags::DEFERRED, true);
                add = (BELOW_THRESHOLD - before).max(0.0);
            } else {
                flips = true;
                // A few voxels of marrow walled in by this refill are filled with it: the
                // osteoid closes over them.
                for u in pockets.into_iter().flatten() {
                    self.fill_pocket_voxel(site, u);
                }
            }
        }
        if add <= 0.0 {
            return 0.0;
        }
        let after = before + add;
        self.lattice.bone_fraction[v] = after;
        let m = &mut *self.memory;
        m.mineral_fraction[v] = m.mineral_fraction[v] * before / after;
        if !m.has(v, flags::MINERALIZING) {
            m.set(v, flags::MINERALIZING, true);
            m.osteoid_steps[v] = 0;
            self.mineralizing.push(v as u32);
        }
        *self.bone_sum += f64::from(add);
        let um3 = f64::from(add) * self.rules.voxel_um3();
        self.totals.formed_um3 += um3;
        if let Some(b) = self.sites.get_mut(site) {
            b.formed_um3 += um3;
            b.last_formation_step = Some(step);
        }
        if flips {
            self.mask.data[v] = 1;
            self.surface.mask_changed(self.mask, self.memory, v);
        }
        um3
    }

    /// Fills marrow voxel `u`, walled in by a refill of site `site`, to bone (fraction 1).
    fn fill_pocket_voxel(&mut self, site: u32, u: usize) {
        let before = self.lattice.bone_fraction[u];
        let add = 1.0 - before;
        self.lattice.bone_fraction[u] = 1.0;
        let m = &mut *self.memory;
        m.mineral_fraction[u] *= before;
        m.set(u, flags::BLOCKED | flags::DEFERRED, false);
        if !m.has(u, flags::MINERALIZING) {
            m.set(u, flags::MINERALIZING, true);
            m.osteoid_steps[u] = 0;
            self.mineralizing.push(u as u32);
        }
        if m.site[u] == site {
            m.refill_target[u] = m.refill_target[u].max(1.0);
        }
        *self.bone_sum += f64::from(add);
        let um3 = f64::from(add) * self.rules.voxel_um3();
        self.totals.formed_um3 += um3;
        if let Some(b) = self.sites.get_mut(site) {
            b.formed_um3 += um3;
            b.last_formation_step = Some(self.step);
        }
        self.mask.data[u] = 1;
        self.surface.mask_changed(self.mask, self.memory, u);
    }

    /// One step of mineralization of new bone (Martinez-Reina & Pivonka, Bone 2019):
    /// nothing during the lag, then a linear primary phase to the primary fraction, then a
    /// first-order secondary phase towards the maximum. Voxels within 0.1% of the maximum
    /// leave the list. `steps_per_day` is the step clock's.
    pub fn mineralize(&mut self, steps_per_day: u64) {
        let c = &self.rules.cells.mineral;
        let dt = self.rules.dt_days;
        let lag_steps = (c.lag_days * steps_per_day as f64).round() as u32;
        let primary_rate = c.primary_fraction / c.primary_days;
        let (max, primary) = (c.max_fraction, c.primary_fraction);
        let m = &mut *self.memory;
        self.mineralizing.retain(|&v| {
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
}
