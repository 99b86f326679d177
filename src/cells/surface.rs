//! Bone surface bookkeeping: which marrow voxels touch bone across a face (surface),
//! which of those lie outside any remodeling site (quiescent surface under a lining
//! cell), and how many of each every field cell holds.
//!
//! Kept incrementally: a change of the bone mask at a voxel refreshes it and its six
//! face neighbours, a change of site refreshes the voxel, so a step costs work in
//! proportion to what changed, not to the lattice.

use rayon::prelude::*;

use crate::fields::FieldGrid;
use crate::grid::neighbours;
use crate::grid::{BoneMask, Dims};
use crate::lattice::memory::flags;
use crate::lattice::VoxelMemory;

/// Surface voxel counts per field cell, and in total.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Surface {
    grid: FieldGrid,
    /// Surface voxels per field cell.
    pub surface: Vec<u32>,
    /// Lining (quiescent surface) voxels per field cell.
    pub lining: Vec<u32>,
    /// Surface voxels in the domain.
    pub total_surface: u64,
    /// Lining voxels in the domain.
    pub total_lining: u64,
}

/// The surface bits voxel `v` should carry.
#[inline]
fn status(mask: &BoneMask, memory: &VoxelMemory, v: usize) -> u8 {
    if mask.data[v] != 0 {
        return 0;
    }
    let touches = neighbours::face(mask.dims, v)
        .iter()
        .any(|u| mask.data[u] != 0);
    match (touches, memory.site[v] == 0) {
        (false, _) => 0,
        (true, true) => flags::SURFACE | flags::LINING,
        (true, false) => flags::SURFACE,
    }
}

impl Surface {
    /// Sets the surface bits of every voxel and counts them.
    pub fn build(grid: FieldGrid, mask: &BoneMask, memory: &mut VoxelMemory) -> Self {
        let dims = mask.dims;
        let plane = dims.plane();
        let bits = flags::SURFACE | flags::LINING;
        memory
            .flags
            .par_chunks_mut(plane)
            .enumerate()
            .for_each(|(z, chunk)| {
                for (k, f) in chunk.iter_mut().enumerate() {
                    let v = z * plane + k;
                    let s = if mask.data[v] != 0 {
                        0
                    } else if neighbours::face(dims, v).iter().any(|u| mask.data[u] != 0) {
                        bits
                    } else {
                        0
                    };
                    *f = (*f & !bits) | s;
                }
            });
        let n = grid.dims.len();
        let mut s = Self {
            grid,
            surface: vec![0; n],
            lining: vec![0; n],
            total_surface: 0,
            total_lining: 0,
        };
        for v in 0..dims.len() {
            let f = memory.flags[v];
            // Sites are empty at the start, so surface and lining coincide; keep the
            // general rule anyway.
            let f = if f & flags::SURFACE != 0 && memory.site[v] != 0 {
                memory.flags[v] &= !flags::LINING;
                f & !flags::LINING
            } else {
                f
            };
            s.count(dims, v, f, 1);
        }
        s
    }

    fn cell(&self, dims: Dims, v: usize) -> usize {
        let (x, y, z) = dims.coords(v);
        let k = self.grid.coarsening;
        self.grid.dims.index(x / k, y / k, z / k)
    }

    fn count(&mut self, dims: Dims, v: usize, bits: u8, sign: i64) {
        let c = self.cell(dims, v);
        if bits & flags::SURFACE != 0 {
            self.surface[c] = (i64::from(self.surface[c]) + sign) as u32;
            self.total_surface = (self.total_surface as i64 + sign) as u64;
        }
        if bits & flags::LINING != 0 {
            self.lining[c] = (i64::from(self.lining[c]) + sign) as u32;
            self.total_lining = (self.total_lining as i64 + sign) as u64;
        }
    }

    /// Recomputes the bits of voxel `v` and updates the counts.
    pub fn refresh(&mut self, mask: &BoneMask, memory: &mut VoxelMemory, v: usize) {
        let bits = flags::SURFACE | flags::LINING;
        let old = memory.flags[v] & bits;
        let new = status(mask, memory, v);
        if old != new {
            self.count(mask.dims, v, old, -1);
            self.count(mask.dims, v, new, 1);
            memory.flags[v] = (memory.flags[v] & !bits) | new;
        }
    }

    /// After the mask changed at `v`: refreshes `v` and its face neighbours.
    pub fn mask_changed(&mut self, mask: &BoneMask, memory: &mut VoxelMemory, v: usize) {
        self.refresh(mask, memory, v);
        for u in neighbours::face(mask.dims, v).iter() {
            self.refresh(mask, memory, u);
        }
    }
}
