//! Remodeling cavities: the erosion layer a resorbed voxel takes ([`cavity_layer`]),
//! and the refill state of a site's cavity ([`Cavities`]): what each voxel still
//! owes, which can be filled now and which can recruit an osteoblast.
//!
//! Read by the osteoclasts (how deep they may dig), the osteoblasts (where they may
//! build) and the sites (whether anything is left to do), and by the bone handle
//! when a voxel joins a cavity.

use super::bmu::Bmu;
use crate::grid::neighbours;
use crate::grid::BoneMask;
use crate::lattice::memory::{flags, NO_DIRECTION};
use crate::lattice::{Lattice, VoxelMemory};

/// Refill below this much bone fraction counts as done.
pub const REFILL_EPS: f32 = 1e-4;

/// Erosion layer and "up" direction bone voxel `j` has, or would take if resorbed now.
///
/// A voxel already in a cavity keeps its recorded layer. Otherwise each marrow voxel
/// across one of its faces offers a layer: untouched marrow offers layer 1 (with "up"
/// pointing at it); a cavity voxel of layer `d` offers `d + 1` to the voxel below it
/// (across the face opposite its "up" direction), `d - 1` (at least 1) to one above it,
/// and `d` to one beside it, with its own "up" direction: cavities widen at depth, and
/// depth is counted from the surface on which the cavity started. The smallest offer
/// wins; 255 when no marrow touches the voxel.
pub fn cavity_layer(mask: &BoneMask, memory: &VoxelMemory, j: usize) -> (u8, u8) {
    if memory.site[j] != 0 && memory.depth[j] > 0 {
        return (memory.depth[j], memory.up[j]);
    }
    let mut best = (u8::MAX, NO_DIRECTION);
    for (k, dir) in neighbours::face_dirs(mask.dims, j).iter() {
        if mask.data[k] != 0 {
            continue;
        }
        let d = memory.depth[k];
        let offer = if d == 0 || memory.up[k] == NO_DIRECTION {
            (1, dir)
        } else {
            let up = memory.up[k];
            let layer = if dir == up {
                d.saturating_add(1)
            } else if dir == up ^ 1 {
                d.saturating_sub(1).max(1)
            } else {
                d
            };
            (layer, up)
        };
        if offer.0 < best.0 {
            best = offer;
        }
    }
    best
}

/// The refill state of cavities, read from the lattice, the bone mask and the cavity
/// memory (usable outside the decide stage).
#[derive(Clone, Copy)]
pub struct Cavities<'a> {
    /// Bone fractions.
    pub lattice: &'a Lattice,
    /// Bone mask.
    pub mask: &'a BoneMask,
    /// Cavity memory.
    pub memory: &'a VoxelMemory,
}

impl Cavities<'_> {
    /// Bone fraction voxel `v` still owes to its site `site` (0 if it is not in that
    /// site's cavity or its refill is blocked).
    #[inline]
    pub fn owed(&self, v: usize, site: u32) -> f32 {
        let m = self.memory;
        if m.site[v] != site || m.has(v, flags::BLOCKED) {
            return 0.0;
        }
        (m.refill_target[v] - self.lattice.bone_fraction[v]).max(0.0)
    }

    /// Whether voxel `v` of site `site` can be filled now: it owes refill, it has bone
    /// to build on, and no deeper voxel of the site across its faces still owes: a
    /// cavity is refilled from its floor up, so no marrow is walled in.
    #[inline]
    pub fn fillable(&self, v: usize, site: u32) -> bool {
        let m = self.memory;
        if self.owed(v, site) <= REFILL_EPS {
            return false;
        }
        let faces = neighbours::face(self.lattice.dims, v);
        (self.mask.data[v] != 0 || faces.iter().any(|u| self.mask.data[u] != 0))
            && faces.iter().all(|u| {
                !(m.site[u] == site
                    && m.depth[u] > m.depth[v]
                    && !m.has(u, flags::DEFERRED)
                    && self.owed(u, site) > REFILL_EPS)
            })
    }

    /// Whether an osteoblast can be recruited to voxel `v` of site `site`: it can be
    /// filled now (the reversal surface on the cavity floor first, then each layer
    /// whose floor is done), has never held an osteoblast this cycle, and is free. A
    /// voxel whose osteoblast died before filling it is not recruited to again, and
    /// nothing above it can be filled.
    pub fn recruitable(&self, v: usize, site: u32) -> bool {
        let m = self.memory;
        // The one-byte test first: a voxel holding an osteoblast needs no more.
        !m.has(v, flags::OSTEOBLAST)
            && self.fillable(v, site)
            && (!m.has(v, flags::VISITED) || self.team_next_to(v, site, flags::OSTEOBLAST))
    }

    /// Whether a face neighbour of voxel `v` in site `site`'s cavity has flag `bit`
    /// (a living osteoblast, or one that has worked there).
    pub fn team_next_to(&self, v: usize, site: u32, bit: u8) -> bool {
        neighbours::face(self.lattice.dims, v)
            .iter()
            .any(|u| self.memory.site[u] == site && self.memory.has(u, bit))
    }

    /// Whether any voxel of site `bmu` can still recruit an osteoblast.
    pub fn any_recruitable(&self, bmu: &Bmu) -> bool {
        bmu.voxels
            .iter()
            .any(|&v| self.recruitable(v as usize, bmu.id))
    }
}
