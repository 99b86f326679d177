//! Resorption through the bone handle: a site takes bone fraction from a voxel, a
//! voxel leaving the bone mask is checked for the topology it changes, and the
//! fragments a cut leaves behind are removed with it.

use super::{is_bone_fraction, leave_cavity, pieces, Bone};
use crate::cells::cavity::cavity_layer;
use crate::cells::mechanics::CutGuard;
use crate::cells::topology::{TopologyEvent, TopologyKind};
use crate::lattice::memory::flags;
use crate::morphometry::{neighbourhood_at, topological_numbers_bits, RemovalKind};
use crate::pharmacology::bone_drug;

/// Bone fraction below which a voxel is set to exactly 0.
const EMPTY: f32 = 1e-6;
/// Where a held resorption stops: just above the bone threshold.
const ABOVE_THRESHOLD: f32 = 0.5001;
/// Bone fragments of fewer voxels than this, cut off by a resorption, are resorbed
/// with it: they lie within the resorption lacuna of the osteoclast that cut them
/// (8 voxels of 20 um are 64,000 um^3, a few days of one osteoclast's work).
const FRAGMENT_VOXELS: usize = 9;

impl Bone<'_> {
    /// Site `site` resorbs up to `amount` of voxel `j`'s bone fraction, unless
    /// `guard` holds it at a loaded strut's last neck; returns the bisphosphonate the
    /// resorption released from the voxel, fmol (taken up by the osteoclast, and
    /// counted in the totals here).
    pub fn resorb(&mut self, site: u32, j: usize, amount: f32, guard: &CutGuard) -> f64 {
        let before = self.lattice.bone_fraction[j];
        self.take_bone(site, j, amount, guard);
        let after = self.lattice.bone_fraction[j];
        let out = bone_drug::release(self.memory, j, before, after);
        if out > 0.0 {
            *self.drug_taken_up_fmol += out;
        }
        out
    }

    fn take_bone(&mut self, site: u32, j: usize, amount: f32, guard: &CutGuard) {
        let step = self.step;
        let before = self.lattice.bone_fraction[j];
        if self.mask.data[j] != 0
            && self.memory.has(j, flags::DEFERRED)
            && self.memory.site[j] == site
        {
            // Held by this site's strain guard: it does not cut here.
            return;
        }
        let take = amount.min(before);
        if take <= 0.0 {
            return;
        }
        if self.memory.site[j] != site {
            let (layer, up) = cavity_layer(self.mask, self.memory, j);
            let layer = if layer == u8::MAX { 1 } else { layer };
            let m = &mut *self.memory;
            if m.site[j] == 0 {
                m.refill_target[j] = before;
                if layer == 1 {
                    self.totals.activated_voxels += 1;
                }
            }
            m.site[j] = site;
            m.depth[j] = layer;
            m.up[j] = up;
            m.set(j, flags::VISITED | flags::BLOCKED | flags::DEFERRED, false);
            if let Some(b) = self.sites.get_mut(site) {
                b.voxels.push(j as u32);
            }
            self.surface.refresh(self.mask, self.memory, j);
        }
        let mut after = before - take;
        if after < EMPTY {
            after = 0.0;
        }
        let mut kind = RemovalKind::Simple;
        if is_bone_fraction(before) && !is_bone_fraction(after) {
            let (x, y, z) = self.lattice.dims.coords(j);
            kind = topological_numbers_bits(neighbourhood_at(self.mask, x, y, z)).removal_kind();
            let cut = matches!(
                kind,
                RemovalKind::Disconnection | RemovalKind::DisconnectionAndPerforation
            );
            if cut && !self.memory.has(j, flags::UNLOADED) && guard.holds(site, j) {
                // A loaded strut's last neck: resorption stops just above the threshold.
                self.memory.set(j, flags::DEFERRED, true);
                after = ABOVE_THRESHOLD.min(before);
                kind = RemovalKind::Simple;
            }
        }
        self.set_resorbed(site, j, after);
        if is_bone_fraction(before) && !is_bone_fraction(after) {
            let (x, y, z) = self.lattice.dims.coords(j);
            if let Some(kind) = TopologyKind::of_removal(kind) {
                // The voxel that cut a strut is never refilled: nothing bridges it.
                if kind.cuts() {
                    self.memory.set(j, flags::BLOCKED, true);
                }
                self.totals.topology_events.add(kind);
                self.events.push(TopologyEvent {
                    step,
                    voxel: [x, y, z],
                    kind,
                    site,
                });
            }
            self.mask.data[j] = 0;
            self.surface.mask_changed(self.mask, self.memory, j);
            if matches!(
                kind,
                RemovalKind::Disconnection | RemovalKind::DisconnectionAndPerforation
            ) {
                for piece in pieces::detached_fragments(self.mask, j, FRAGMENT_VOXELS) {
                    self.remove_fragment(site, &piece);
                }
            }
        }
    }

    /// Removes `piece`, bone cut off by a resorption of site `site`, whole: one
    /// event at its first voxel, and each voxel resorbed, out of the cavity memory of
    /// any site and never refilled.
    fn remove_fragment(&mut self, site: u32, piece: &[usize]) {
        let (x, y, z) = self.lattice.dims.coords(piece[0]);
        self.totals
            .topology_events
            .add(TopologyKind::FragmentVanished);
        self.events.push(TopologyEvent {
            step: self.step,
            voxel: [x, y, z],
            kind: TopologyKind::FragmentVanished,
            site,
        });
        for &u in piece {
            self.remove_fragment_voxel(site, u);
        }
    }

    /// Lowers voxel `j`'s bone fraction to `after` and books the bone resorbed by site
    /// `site`: the running sums, the TGF-beta release of its field cell, the site's tally.
    fn set_resorbed(&mut self, site: u32, j: usize, after: f32) {
        let removed = f64::from(self.lattice.bone_fraction[j] - after);
        self.lattice.bone_fraction[j] = after;
        *self.bone_sum -= removed;
        let um3 = removed * self.rules.voxel_um3();
        self.totals.resorbed_um3 += um3;
        let cell = self.signals.cell_of(self.lattice.dims, j);
        self.resorbed_per_cell_um3[cell] += um3;
        if let Some(b) = self.sites.get_mut(site) {
            b.resorbed_um3 += um3;
        }
    }

    /// Resorbs bone voxel `u` of a fragment cut off by site `site` whole: it leaves the
    /// cavity memory of any site and is never refilled.
    fn remove_fragment_voxel(&mut self, site: u32, u: usize) {
        self.set_resorbed(site, u, 0.0);
        leave_cavity(self.memory, u);
        self.mask.data[u] = 0;
        self.surface.mask_changed(self.mask, self.memory, u);
    }
}
